"""The CDE school directory's contact columns reach the pre-visit brief, and a reload updates them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from mobile_service.brief import student_brief
from mobile_service.extensions import db
from mobile_service.importing import run_import
from mobile_service.models import School, Student
from tests.api.student_helpers import TODAY, enroll
from tests.importing.import_helpers import SCHOOLS


def test_school_phone_and_address_are_loaded_and_shown(loaded, csv_file, fixed_today):
    kid = db.session.execute(select(Student).where(Student.ssid == "1234567890")).scalar_one()
    pomona = db.session.execute(select(School).where(School.cds_code == "19647331932334")).scalar_one()
    enroll(kid, pomona, dt.date(2026, 8, 13), grade="10")
    db.session.commit()
    school = student_brief(kid, TODAY)["school"]
    assert (school["phone"], school["address"], school["city"], school["zip"]) == (
        "909-397-4800", "475 Bangor St", "Pomona", "91767")
    moved = SCHOOLS.replace("475 Bangor St,Pomona,91767,909-397-4800", "500 Bangor St,Pomona,91767,909-397-4999")
    run_import("schools", csv_file(moved, "schools-2.csv"))
    db.session.expire_all()
    school = student_brief(kid, TODAY)["school"]
    assert (school["phone"], school["address"]) == ("909-397-4999", "500 Bangor St")
