"""Helpers of the alert tests: the stored alerts of a student, CSV headers, the daily job."""
from __future__ import annotations

from sqlalchemy import text

from mobile_service.extensions import db

ENROLL = "ssid,academic_year,cds_code,enrollment_status,grade_level,start_date,exit_date,exit_reason_code\n"
ATTEND = ("ssid,academic_year,cds_code,as_of_date,days_expected,days_attended,days_absent_excused,"
          "days_absent_unexcused,days_suspended_out,days_suspended_in,days_incomplete_study\n")
MARKS = "ssid,academic_year,cds_code,term,report_date,course_code,course_title,mark,credits_attempted,credits_earned\n"
CASES = "ssid,case_id,case_type,case_status,csw_employee_id,assignment_start,assignment_end,education_rights_holder\n"
HOLDER_CASES = CASES.rstrip("\n") + ",rights_holder_relationship,rights_holder_phone,jv535_order_date,parent_rights_limited\n"
POMONA, GAREY = "19647331932334", "19647330000001"
ANA, TOM, GARCIA = "1234567890", "2345678901", "3456789012"  # tests.importing.import_helpers.STUDENTS


def alerts_of(ssid: str, kind: str | None = None) -> list[tuple]:
    """Every stored alert of a student (optionally one kind): (kind, audience, basis, open), oldest first."""
    rows = db.session.execute(text(
        "SELECT a.kind, a.audience, a.basis, a.cleared_at IS NULL FROM alerts a JOIN students s "
        "ON s.id = a.student_id WHERE s.ssid = :ssid ORDER BY a.id"), {"ssid": ssid}).all()
    db.session.rollback()
    return [(k, audience, basis, bool(is_open)) for k, audience, basis, is_open in rows if kind in (None, k)]


def open_kinds(ssid: str) -> set[str]:
    """The kinds of a student's open alerts."""
    return {kind for kind, _, _, is_open in alerts_of(ssid) if is_open}


def daily(app) -> str:
    """Run the daily job (``flask recompute-status``) and return its output."""
    result = app.test_cli_runner().invoke(args=["recompute-status"])
    assert result.exit_code == 0, result.output
    return result.output
