"""The four record tabs against hand-built data: contents, derived figures, key allow-lists, ETags."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from mobile_service.extensions import db
from tests.api.caseload_helpers import audit_rows, bearer
from tests.api.student_helpers import STUDENT_ROUTES, attendance_row, enroll, progress_report, source_load
from tests.factories import app_token_for, make_case, make_school, make_student, make_user

UTC = dt.UTC


@pytest.fixture
def record(fixed_today, app, monkeypatch):
    """One DCFS-assigned student with a known history; today is 2026-10-15."""
    with app.app_context():
        csw = make_user("csw")
        a = make_school(name="Pomona High", district_name="Pomona Unified", cds_code="19649071932334")
        b = make_school(name="Garey High", district_name="Pomona Unified", cds_code="19649071935642")
        c = make_school(name="Diamond Ranch High", district_name="Pomona Unified", cds_code="19649071996479",
                        address="100 Diamond Ranch Dr", city="Pomona", zip="91766", phone="909-397-4711")
        kid = make_student(ssid="4012345678", legal_first_name="María", legal_middle_name="José",
                           legal_last_name="García", alias_first_name="Majo", birth_date=dt.date(2011, 10, 16),
                           gender_code="F", primary_language="Spanish", homeless=True, case_type="FR",
                           education_rights_holder="Parent", foster_client_id="1234-5678-9012-3456",
                           retired_ssids=("4099999999",))
        make_case(kid, csw)
        enroll(kid, a, dt.date(2024, 8, 15), exit_date=dt.date(2025, 6, 5), exit_reason="E155", grade="07")
        enroll(kid, a, dt.date(2025, 8, 14), exit_date=dt.date(2025, 12, 19), exit_reason="T160", grade="08")
        enroll(kid, b, dt.date(2026, 1, 5), exit_date=dt.date(2026, 3, 1), exit_reason="E150", grade="08")
        enroll(kid, b, dt.date(2026, 3, 2), exit_date=dt.date(2026, 6, 4), exit_reason="E155", grade="08")
        enroll(kid, c, dt.date(2026, 8, 13), grade="09")
        enroll(kid, a, dt.date(2026, 9, 1), status="20", grade="09")  # secondary: never a move
        attendance_row(kid, c, "2026-27", as_of_date=dt.date(2026, 10, 9), days_expected=40, days_attended=35,
                       days_absent_excused=2, days_absent_unexcused=2, days_suspended_out=1, days_suspended_in=1,
                       days_incomplete_study=0)
        attendance_row(kid, b, "2025-26", as_of_date=dt.date(2026, 6, 4), days_expected=100, days_attended=95,
                       days_absent_excused=3, days_absent_unexcused=2, days_suspended_out=0, days_suspended_in=0)
        attendance_row(kid, a, "2025-26", as_of_date=dt.date(2025, 12, 19), days_expected=80, days_attended=80,
                       days_absent_excused=0, days_absent_unexcused=0, days_suspended_out=0)
        progress_report(kid, c, "2026-27", "Q1", dt.date(2026, 10, 1), [
            ("ENG9", "English 9", "B+", "5.00", "5.00"), ("MATH1", "Integrated Math I", "D", "5.00", "5.00"),
            ("SCI9", "Biology", "F", "5.00", "0.00"), ("PE9", "Physical Education", "P", "5.00", None)])
        progress_report(kid, b, "2025-26", "S2", dt.date(2026, 6, 1), [
            ("ENG8", "English 8", "A", "5", "5"), ("HIST8", "US History", "A-", "5", "5")])
        source_load("calpads", dt.datetime(2026, 10, 14, 6, 0, tzinfo=UTC))
        source_load("calpads", dt.datetime(2026, 10, 7, 6, 0, tzinfo=UTC))
        source_load("dcfs", dt.datetime(2026, 10, 15, 5, 30, tzinfo=UTC))
        db.session.commit()
        return SimpleNamespace(token=app_token_for(csw), ssid=kid.ssid, key=kid.student_key)


def get(client, record, route="", **headers):
    return client.get(f"/api/v1/students/{record.key}{route}", headers={**bearer(record.token), **headers})


FRESHNESS = {"calpads": "2026-10-14T06:00:00Z", "dcfs": "2026-10-15T05:30:00Z", "district": None}


def test_demographics(client, record):
    response = get(client, record)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.get_json() == {
        "ssid": "4012345678", "retired_ssids": ["4099999999"],
        "legal_first_name": "María", "legal_middle_name": "José", "legal_last_name": "García",
        "alias_first_name": "Majo", "alias_last_name": None,
        "birth_date": "2011-10-16", "age": 14,  # 15 tomorrow
        "gender_code": "F", "primary_language": "Spanish", "foster_status": "active", "case_type": "FR",
        "homeless": True, "education_rights_holder": "Parent",
        "rights_holder": {"name": "Parent", "relationship": None, "phone": None, "jv535_order_date": None,
                          "parent_rights_limited": None},
        "current_school": {"name": "Diamond Ranch High", "district_name": "Pomona Unified",
                           "cds_code": "19649071996479", "address": "100 Diamond Ranch Dr", "city": "Pomona",
                           "zip": "91766", "phone": "909-397-4711"},
        "grade_level": "09", "on_my_caseload": True, "access_basis": "dcfs_assignment",
        "freshness": FRESHNESS,
    }
    assert "foster_client_id" not in response.get_json()  # minimum necessary: a child-welfare identifier


def test_enrollments_newest_first_with_mobility(client, record):
    body = get(client, record, "/enrollments").get_json()
    assert [(e["school_name"], e["start_date"]) for e in body["enrollments"]] == [
        ("Pomona High", "2026-09-01"), ("Diamond Ranch High", "2026-08-13"), ("Garey High", "2026-03-02"),
        ("Garey High", "2026-01-05"), ("Pomona High", "2025-08-14"), ("Pomona High", "2024-08-15")]
    assert body["enrollments"][3] == {
        "school_name": "Garey High", "district_name": "Pomona Unified", "cds_code": "19649071935642",
        "academic_year": "2025-26", "enrollment_status": "10", "enrollment_status_label": "Primary",
        "grade_level": "08", "start_date": "2026-01-05", "exit_date": "2026-03-01", "exit_reason_code": "E150",
        "exit_reason_label": "Mid-year update (grade or status change, not an exit)"}
    assert body["enrollments"][0]["enrollment_status_label"] == "Secondary"
    assert body["enrollments"][1]["exit_date"] is None and body["enrollments"][1]["exit_reason_label"] is None
    # Moves: Pomona -> Garey (2026-01-05) and Garey -> Diamond Ranch (2026-08-13); the E155 return to
    # Pomona, the E150 split at Garey and the secondary enrollment are not moves.
    # Was 2 moves: Garey -> Diamond Ranch (E155 in June, new school in August) is between two
    # school years, and a school change is a move within a school year (REL West). The last move
    # is Pomona -> Garey on 2026-01-05, in 2025-26.
    assert body["mobility"] == {"school_changes_this_year": 0, "days_since_school_change": 283,
                                "schools_this_year": 1}
    assert body["freshness"] == FRESHNESS


def test_attendance_per_year_and_school(client, record):
    body = get(client, record, "/attendance").get_json()
    years = body["years"]
    assert [(y["academic_year"], y["school_name"]) for y in years] == [
        ("2026-27", "Diamond Ranch High"), ("2025-26", "Garey High"), ("2025-26", "Pomona High")]
    assert years[0] == {
        "academic_year": "2026-27", "school_name": "Diamond Ranch High", "cds_code": "19649071996479",
        "as_of_date": "2026-10-09", "days_expected": 40, "days_attended": 35, "days_absent": 5,
        "days_absent_excused": 2, "days_absent_unexcused": 2, "days_suspended_out": 1, "days_suspended_in": 1,
        "days_incomplete_study": 0, "attendance_rate": 0.875, "chronically_absent": True}
    assert (years[1]["days_absent"], years[1]["attendance_rate"], years[1]["chronically_absent"]) == (5, 0.95, False)
    assert (years[2]["days_absent"], years[2]["attendance_rate"], years[2]["chronically_absent"]) == (0, 1.0, False)


def test_progress_reports_per_term(client, record):
    body = get(client, record, "/progress-reports").get_json()
    q1, s2 = body["reports"]
    assert (q1["term"], q1["academic_year"], q1["school_name"], q1["report_date"]) == (
        "Q1", "2026-27", "Diamond Ranch High", "2026-10-01")
    assert q1["gpa"] == 1.33 and q1["df_count"] == 2  # B+ 3, D 1, F 0; P not graded
    assert q1["courses"][0] == {"course_code": "ENG9", "course_title": "English 9", "mark": "B+",
                                "credits_attempted": 5.0, "credits_earned": 5.0}
    assert [c["course_code"] for c in q1["courses"]] == ["ENG9", "MATH1", "PE9", "SCI9"]
    assert q1["courses"][2]["credits_earned"] is None
    assert (s2["gpa"], s2["df_count"]) == (4.0, 0)


@pytest.mark.parametrize("route", STUDENT_ROUTES)
def test_empty_record_tabs(fixed_today, client, app, route, monkeypatch):
    with app.app_context():
        csw = make_user("csw")
        kid = make_student()
        make_case(kid, csw)
        db.session.commit()
        ns = SimpleNamespace(token=app_token_for(csw), ssid=kid.ssid, key=kid.student_key)
    response = get(client, ns, route)
    assert response.status_code == 200
    body = response.get_json()
    assert body["freshness"] == {"calpads": None, "dcfs": None, "district": None}
    if route == "":
        assert body["current_school"] is None and body["grade_level"] is None and body["retired_ssids"] == []
    elif route == "/enrollments":
        assert body["enrollments"] == [] and body["mobility"] == {
            "school_changes_this_year": 0, "days_since_school_change": None, "schools_this_year": 0}


@pytest.mark.parametrize("route", STUDENT_ROUTES)
def test_etag_and_304(client, app, record, route):
    first = get(client, record, route)
    tag = first.headers["ETag"]
    assert tag.startswith('"')
    again = get(client, record, route, **{"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == "private, no-store"
    assert get(client, record, route, **{"If-None-Match": '"stale"'}).status_code == 200
    # A 304 is still an access: every request is audited.
    assert len(audit_rows(app)) == 3


def test_etag_changes_when_the_data_changes(client, app, record):
    tag = get(client, record, "/attendance").headers["ETag"]
    with app.app_context():
        source_load("district", dt.datetime(2026, 10, 15, 7, 0, tzinfo=UTC))
        db.session.commit()
    response = get(client, record, "/attendance", **{"If-None-Match": tag})
    assert response.status_code == 200 and response.headers["ETag"] != tag
