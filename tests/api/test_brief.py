"""The pre-visit brief: contents against a hand-built record, the 5 KB bound, lean statements."""
from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest

from api.brief_schemas import BriefSchema
from mobile_service.brief import MAX_COURSES, MAX_MOVES, student_brief
from mobile_service.extensions import db
from mobile_service.models import Student
from tests.api.caseload_helpers import StatementCounter, audit_rows, bearer
from tests.api.student_helpers import TODAY, attendance_row, enroll, progress_report, source_load
from tests.factories import app_token_for, make_case, make_school, make_student, make_user

UTC = dt.UTC
BRIEF_LIMIT = 5 * 1024


@pytest.fixture
def record(fixed_today, app):
    """A ninth-grader who moved once this year (after a summer promotion), today 2026-10-15."""
    with app.app_context():
        csw = make_user("csw")
        middle = make_school(name="Marshall Middle", district_name="Pomona Unified")
        garey = make_school(name="Garey High", district_name="Pomona Unified")
        ranch = make_school(name="Diamond Ranch High", district_name="Pomona Unified", cds_code="19649071996479",
                            address="100 Diamond Ranch Dr", city="Pomona", zip="91766", phone="909-397-4711")
        kid = make_student(legal_first_name="María", legal_last_name="García", alias_first_name="Majo",
                           birth_date=dt.date(2011, 10, 16), education_rights_holder="Rosa García",
                           rights_holder_relationship="grandmother", rights_holder_phone="(909) 555-0142",
                           jv535_order_date=dt.date(2025, 3, 14), parent_rights_limited=True)
        make_case(kid, csw)
        # Promoted out of the middle school in June (E230): the move to high school is not a change.
        enroll(kid, middle, dt.date(2025, 8, 14), exit_date=dt.date(2026, 6, 4), exit_reason="E230", grade="08")
        enroll(kid, garey, dt.date(2026, 8, 13), exit_date=dt.date(2026, 9, 18), exit_reason="T160", grade="09")
        enroll(kid, ranch, dt.date(2026, 9, 21), grade="09")
        enroll(kid, garey, dt.date(2026, 7, 1), exit_date=dt.date(2026, 7, 30), status="30", grade="09")  # summer
        attendance_row(kid, garey, "2026-27", as_of_date=dt.date(2026, 9, 18), days_expected=26, days_attended=24,
                       days_absent_excused=1, days_absent_unexcused=1, days_suspended_out=0)
        attendance_row(kid, ranch, "2026-27", as_of_date=dt.date(2026, 10, 9), days_expected=14, days_attended=11,
                       days_absent_excused=0, days_absent_unexcused=3, days_suspended_out=0)
        progress_report(kid, ranch, "2026-27", "Q1", dt.date(2026, 10, 1), [
            ("ENG9", "English 9", "B+", "5.00", "5.00"), ("MATH1", "Integrated Math I", "D", "5.00", "5.00"),
            ("SCI9", "Biology", "F", "5.00", "0.00"), ("PE9", "Physical Education", "P", "5.00", None)])
        progress_report(kid, middle, "2025-26", "S2", dt.date(2026, 6, 1), [("ENG8", "English 8", "A", "5", "5")])
        source_load("calpads", dt.datetime(2026, 10, 14, 6, 0, tzinfo=UTC))
        source_load("district", dt.datetime(2026, 10, 12, 6, 0, tzinfo=UTC))
        db.session.commit()
        return SimpleNamespace(token=app_token_for(csw), key=kid.student_key, student_id=kid.id, ssid=kid.ssid)


def get_brief(client, record, **headers):
    return client.get(f"/api/v1/students/{record.key}/brief", headers={**bearer(record.token), **headers})


def test_brief_contents(client, app, record):
    response = get_brief(client, record)
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.json
    assert body["student_key"] == record.key and "ssid" not in body and record.ssid not in response.get_data(True)
    assert (body["first_name"], body["last_name"], body["preferred_first_name"], body["age"], body["grade"]) == (
        "María", "García", "Majo", 14, "09")
    assert body["school"] == {"name": "Diamond Ranch High", "district_name": "Pomona Unified",
                              "cds_code": "19649071996479", "phone": "909-397-4711",
                              "address": "100 Diamond Ranch Dr", "city": "Pomona", "zip": "91766",
                              "since": "2026-09-21", "days_at_school": (TODAY - dt.date(2026, 9, 21)).days}
    assert body["awaiting_next_school"] is False
    # One move this year (Garey -> Diamond Ranch); the June promotion and the summer stay are not moves.
    assert body["school_changes"] == {"academic_year": "2026-27", "count": 1, "moves": [
        {"date": "2026-09-21", "from_school": "Garey High", "to_school": "Diamond Ranch High"}]}
    # 40 days this year: 2+3 absent = 12.5 %, but neither school has more than 30 days: not chronic.
    assert body["attendance"] == {"academic_year": "2026-27", "as_of_date": "2026-10-09", "days_expected": 40,
                                  "days_absent": 5, "attendance_rate": 0.875, "chronically_absent": False,
                                  "last_30_school_days": {"school_days": 14, "days_absent": 3,
                                                          "attendance_rate": 0.7857}}
    term = body["latest_term"]
    assert {k: term[k] for k in ("academic_year", "term", "report_date", "school_name", "gpa", "df_count",
                                 "credits_attempted", "credits_earned", "course_count")} == {
        "academic_year": "2026-27", "term": "Q1", "report_date": "2026-10-01", "school_name": "Diamond Ranch High",
        "gpa": 1.33, "df_count": 2, "credits_attempted": 20.0, "credits_earned": 10.0, "course_count": 4}
    # D/F first, then the course order of the report.
    assert [c["mark"] for c in term["courses"]] == ["D", "F", "B+", "P"]
    assert term["courses"][1] == {"title": "Biology", "mark": "F", "credits_earned": 0.0}
    assert body["rights_holder"] == {"name": "Rosa García", "relationship": "grandmother", "phone": "(909) 555-0142",
                                     "jv535_order_date": "2025-03-14", "parent_rights_limited": True}
    assert body["alerts"] == ["school_change_30d", "failing_marks"]
    assert body["freshness"] == {"calpads": "2026-10-14T06:00:00Z", "dcfs": None, "district": "2026-10-12T06:00:00Z"}
    assert len(response.get_data()) < BRIEF_LIMIT


def test_brief_is_audited_per_child_and_etagged(client, app, record):
    first = get_brief(client, record)
    again = get_brief(client, record, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Cache-Control"] == "private, no-store"
    rows = audit_rows(app, "student.brief.view")
    assert len(rows) == 2  # the 304 too: the client holds the record
    assert {(r.student_id, r.ssid, r.basis) for r in rows} == {(record.student_id, record.ssid, "dcfs_assignment")}


def test_no_thirty_day_figure_from_a_long_stay(fixed_today, app):
    """A stay of more than 30 school days mixes older days in: no 30-day figure, the year figure stays."""
    with app.app_context():
        school = make_school()
        kid = make_student()
        enroll(kid, school, dt.date(2026, 8, 13))
        attendance_row(kid, school, "2026-27", days_expected=40, days_attended=34, days_absent_excused=6,
                       days_absent_unexcused=0, days_suspended_out=0)
        body = student_brief(kid, TODAY)
        assert body["attendance"]["last_30_school_days"] is None
        assert body["attendance"]["chronically_absent"] is True  # 6/40 = 15 %, more than 30 days
        assert body["alerts"] == ["chronic_absence"]
        assert body["school_changes"] == {"academic_year": "2026-27", "count": 0, "moves": []}


def test_empty_record(fixed_today, app):
    with app.app_context():
        kid = make_student()
        body = student_brief(kid, TODAY)
        assert (body["school"], body["grade"], body["attendance"], body["latest_term"], body["rights_holder"]) == (
            None, None, None, None, None)
        assert body["alerts"] == ["no_current_enrollment"]


def test_brief_runs_three_statements(fixed_today, app, record):
    """Enrollments with schools, this year's attendance, the latest term's marks (freshness aside)."""
    app.config["FRESHNESS_CACHE_SECONDS"] = 60
    try:
        with app.app_context():
            kid = db.session.get(Student, record.student_id)
            student_brief(kid, TODAY)  # warms the freshness cache
            with StatementCounter(db.engine) as counter:
                student_brief(kid, TODAY)
            assert counter.count == 3
    finally:
        app.config["FRESHNESS_CACHE_SECONDS"] = 0


def _body(app, student) -> bytes:
    """The exact bytes the route sends (``etag_response``: schema dump, app JSON, newline)."""
    return (app.json.dumps(BriefSchema().dump(student_brief(student, TODAY))) + "\n").encode()


def test_worst_case_record_stays_under_5_kb(fixed_today, app):
    """Many schools, moves, attendance rows and courses, every name long: the lists stop, the bound holds."""
    with app.app_context():
        schools = [make_school(name=f"{'Long Beach Polytechnic Academy of Visual and Performing Arts'} {n}",
                               district_name="Los Angeles County Office of Education Juvenile Court Schools",
                               address="12345 South Martin Luther King Junior Boulevard Building C",
                               city="Rancho Palos Verdes", zip="90275-1234", phone="(310) 555-0199 ext. 1234")
                   for n in range(12)]
        kid = make_student(legal_first_name="Maximiliano Alejandro", legal_last_name="Villaseñor-Castellanos de la Cruz",
                           alias_first_name="Maximiliano", education_rights_holder="X" * 200,
                           rights_holder_relationship="R" * 60, rights_holder_phone="(310) 555-0199 ext. 12345678",
                           jv535_order_date=dt.date(2025, 1, 1), parent_rights_limited=False)
        start = dt.date(2026, 7, 6)
        for n in range(14):  # a move every week this year, through twelve schools
            exit_date = start + dt.timedelta(days=6) if n < 13 else None
            enroll(kid, schools[n % 12], start, exit_date=exit_date, exit_reason="T160" if exit_date else None,
                   grade="11")
            start += dt.timedelta(days=7)
        for school in schools:
            attendance_row(kid, school, "2026-27", days_expected=5, days_attended=3, days_absent_excused=2,
                           days_absent_unexcused=0, days_suspended_out=0)
        progress_report(kid, schools[1], "2026-27", "Q1-Interim-Report-1", dt.date(2026, 10, 1), [
            (f"C{n:03d}", "Advanced Placement " + "Integrated Mathematics and Statistics " * 2 + str(n),
             "D-" if n % 2 else "F", "10.00", "0.00") for n in range(25)])
        db.session.commit()
        body = _body(app, kid)
        brief = json.loads(body)
        assert brief["school_changes"]["count"] == 13 and len(brief["school_changes"]["moves"]) == MAX_MOVES
        assert brief["latest_term"]["course_count"] == 25 and len(brief["latest_term"]["courses"]) == MAX_COURSES
        assert len(body) < BRIEF_LIMIT, len(body)
