"""The seeded placements and travel-plan cases: one demo child per checklist outcome, plans in each state."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import DcfsCase, Student, TravelPlan, User
from mobile_service.travel import school_of_origin_coverage
from tests.api.caseload_helpers import bearer
from tests.factories import app_token_for
from tools.seed.demo import DEMO_STUDENTS

NAMES = {row[0]: (row[1], row[3]) for row in DEMO_STUDENTS}
ANSWERS = {"iep_transport": "false", "temporarily_absent": "false"}


def _key(name: str) -> tuple[str, int]:
    first, last = NAMES[name]
    student = db.session.execute(select(Student).where(Student.legal_first_name == first,
                                                       Student.legal_last_name == last)).scalars().first()
    return student.student_key, student.id


def _user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def _chosen(client, headers, key: str, **query) -> dict:
    body = client.get(f"/api/v1/students/{key}/school-of-origin", headers=headers).json
    assert body["candidates"], body
    query = {"cds_code": body["candidates"][0]["cds_code"], **ANSWERS, **query}
    return {**client.get(f"/api/v1/students/{key}/school-of-origin", query_string=query,
                         headers=headers).json, "first": body}


def test_demo_children_show_each_checklist_outcome(app, client, seeded, frozen_clock):
    with app.app_context():
        csw = _user("csw.demo@dcfs.lacounty.gov")
        headers = bearer(app_token_for(csw))
        keys = {name: _key(name)[0] for name in ("steady", "chronic_absence", "failing_marks", "homeless",
                                                 "grade_change", "kindergarten")}
        csw2 = _user("csw2.demo@dcfs.lacounty.gov")
        toddler_key = db.session.execute(
            select(Student.student_key).join(DcfsCase, DcfsCase.student_id == Student.id)
            .where(DcfsCase.csw_employee_id == csw2.dcfs_employee_id, DcfsCase.placement_type == "FFH",
                   Student.birth_date > dt.date(2021, 9, 1))).scalar_one()
        csw2_headers = bearer(app_token_for(csw2))
    steady = _chosen(client, headers, keys["steady"])
    assert steady["placement"]["situation"] == "replaced" and steady["chosen"]["checklist"]["eligible"] is True
    chronic = _chosen(client, headers, keys["chronic_absence"])["chosen"]
    assert chronic["checklist"]["eligible"] is True and chronic["payment_route"] == "ffa"
    assert _chosen(client, headers, keys["failing_marks"])["chosen"]["checklist"]["failing"] == ["distance"]
    assert _chosen(client, headers, keys["homeless"])["chosen"]["checklist"]["failing"] == ["eligible_placement"]
    no_location = _chosen(client, headers, keys["grade_change"])["chosen"]["distance"]
    assert no_location["one_way_miles"] is None and "no location" in no_location["reason"]
    assert _chosen(client, headers, keys["kindergarten"])["chosen"]["checklist"]["eligible"] is True
    toddler = _chosen(client, csw2_headers, toddler_key)["chosen"]["checklist"]
    assert toddler["failing"] == ["school_aged"]


def test_demo_plans_and_the_scsw_queue(app, client, seeded, frozen_clock):
    with app.app_context():
        csw = _user("csw.demo@dcfs.lacounty.gov")
        plans = {p.student_id: p for p in db.session.execute(select(TravelPlan)).scalars()}
        by_name = {name: plans.get(_key(name)[1]) for name in ("steady", "chronic_absence", "failing_marks",
                                                                 "twin_1", "twin_2")}
        assert {n: p.status for n, p in by_name.items()} == {
            "steady": "approved", "chronic_absence": "submitted", "failing_marks": "draft", "twin_1": "draft",
            "twin_2": "draft"}
        assert by_name["failing_marks"].failing_items == "distance"
        assert by_name["twin_1"].failing_items == "transport_not_in_iep"
        assert by_name["twin_2"].failing_items == "not_temporarily_absent"
        assert by_name["steady"].monthly_rate is not None and by_name["steady"].mileage_source == "mapping_service"
        headers = bearer(app_token_for(_user("scsw.demo@dcfs.lacounty.gov")))
        chronic_key = _key("chronic_absence")[0]
        # The indicator over the demo caseload: the approved plan is the numerator's only child.
        caseload = list(db.session.execute(select(DcfsCase.student_id).where(
            DcfsCase.csw_employee_id == csw.dcfs_employee_id, DcfsCase.case_status == "open")).scalars())
        coverage = school_of_origin_coverage(caseload, clock.today())
        assert coverage.with_plan == 1 and coverage.applies >= 6 and coverage.awaiting == 1
    queue = client.get("/api/v1/travel-plans/awaiting-approval", headers=headers).json["items"]
    assert [item["student"]["student_key"] for item in queue] == [chronic_key]


def test_generated_foster_youth_have_placements(app, seeded, frozen_clock):
    with app.app_context():
        rows = db.session.execute(select(DcfsCase.placement_start_date, DcfsCase.placement_type,
                                         DcfsCase.placement_latitude)
                                  .join(Student, Student.id == DcfsCase.student_id)
                                  .where(DcfsCase.case_status == "open", Student.foster_status == "active")).all()
        placed = [r for r in rows if r.placement_start_date is not None]
        assert len(placed) >= 0.7 * len(rows)
        assert {r.placement_type for r in placed} >= {"RFA", "REL", "FFA", "STRTP"}
        assert 0 < sum(1 for r in placed if r.placement_latitude is None) < len(placed) / 4
