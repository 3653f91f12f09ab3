"""Imports write the sync change log in their own transaction: one row per student and tab per load."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from mobile_service import changelog, clock
from mobile_service.extensions import db
from mobile_service.importing import ImportRejected, run_import
from mobile_service.importing.runner import recompute_statuses
from mobile_service.models import SyncChange
from tests.factories import make_user

ENROLL = "ssid,academic_year,cds_code,enrollment_status,grade_level,start_date,exit_date,exit_reason_code\n"
ATTEND = ("ssid,academic_year,cds_code,as_of_date,days_expected,days_attended,days_absent_excused,"
          "days_absent_unexcused,days_suspended_out,days_suspended_in,days_incomplete_study\n")
CASES = "ssid,case_id,case_type,case_status,csw_employee_id,assignment_start,assignment_end,education_rights_holder\n"


def changes() -> list[tuple]:
    rows = db.session.execute(select(SyncChange.student_id, SyncChange.user_id, SyncChange.kind)
                              .order_by(SyncChange.id)).all()
    db.session.rollback()
    return [tuple(r) for r in rows]


def student_id(ssid: str) -> int:
    from mobile_service.models import StudentSsid

    return db.session.execute(select(StudentSsid.student_id).where(StudentSsid.ssid == ssid)).scalar_one()


def test_an_enrollment_load_writes_one_row_per_student_and_tab(loaded, csv_file):
    before = len(changes())
    body = "".join(f"1234567890,2026-27,19647331932334,10,07,2026-08-{d:02d},2026-08-{d:02d},T160\n"
                   for d in range(10, 20))
    run_import("enrollments", csv_file(ENROLL + body))
    kid = student_id("1234567890")
    assert sorted(changes()[before:]) == [(kid, None, "demographics"), (kid, None, "enrollments")]
    # The same file again changes nothing, so it tells the log nothing.
    run_import("enrollments", csv_file(ENROLL + body))
    assert len(changes()) == before + 2


def test_a_rejected_file_writes_nothing(loaded, csv_file):
    before = changes()
    with pytest.raises(ImportRejected):
        run_import("attendance", csv_file(ATTEND + "1234567890,2026-27,19647331932334,2026-10-09,40,38,2,0,0,0,0\n"
                                          "9999999999,2026-27,19647331932334,2026-10-09,40,38,2,0,0,0,0\n"))
    assert changes() == before


def test_a_snapshot_removal_is_a_change(loaded, csv_file):
    rows = ("1234567890,2026-27,19647331932334,2026-10-09,40,38,2,0,0,0,0\n"
            "2345678901,2026-27,19647331932334,2026-10-09,40,38,2,0,0,0,0\n")
    run_import("attendance", csv_file(ATTEND + rows))
    before = len(changes())
    run_import("attendance", csv_file(ATTEND + rows.splitlines()[0] + "\n"), snapshot="district=1964733:2026-27",
               allow_mass_delete=True)
    assert changes()[before:] == [(student_id("2345678901"), None, "attendance")]


def test_dcfs_cases_name_the_workers_whose_caseload_they_touch(loaded, csv_file):
    csw, other = make_user("csw"), make_user("csw")
    db.session.commit()
    csw_id, other_id, emp, other_emp = csw.id, other.id, csw.dcfs_employee_id, other.dcfs_employee_id
    run_import("dcfs-cases", csv_file(CASES + f"1234567890,1920250000001,FR,open,{emp},2025-01-05,,\n"))
    kid = student_id("1234567890")
    assert (kid, csw_id, "caseload") in changes() and (kid, None, "demographics") in changes()
    before = len(changes())
    # Reassigned: the old worker and the new one both hear of it.
    run_import("dcfs-cases", csv_file(CASES + f"1234567890,1920250000001,FR,open,{other_emp},2025-01-05,,\n"))
    assert sorted(changes()[before:]) == sorted([(kid, csw_id, "caseload"), (kid, other_id, "caseload")])
    before = len(changes())
    # Withdrawn by the county-wide snapshot: deleted at the source.
    run_import("dcfs-cases", csv_file(CASES + f"2345678901,1920250000002,FR,open,{emp},2025-01-05,,\n"),
               snapshot="all", allow_mass_delete=True)
    assert (kid, None, "record_deleted") in changes()[before:] and (kid, other_id, "caseload") in changes()[before:]


def test_the_daily_job_notes_status_changes_and_prunes_old_rows(app, loaded, csv_file, service_clock):
    csw = make_user("csw")
    db.session.commit()
    run_import("dcfs-cases", csv_file(CASES + f"1234567890,1920250000001,FR,open,{csw.dcfs_employee_id},"
                                              f"2025-01-05,{clock.today().isoformat()},\n"))
    before = len(changes())
    service_clock.freeze(clock.utcnow() + dt.timedelta(days=1))  # the assignment ended yesterday
    assert recompute_statuses() == 1
    assert changes()[before:] == [(student_id("1234567890"), None, "demographics")]
    service_clock.freeze(clock.utcnow() + dt.timedelta(days=app.config["SYNC_LOG_RETENTION_DAYS"]))
    total = len(changes())
    assert changelog.prune() == total - 1  # all but the newest (the status change, a day later)
    assert len(changes()) == 1
