"""Loading and shaping one student's record tabs (called by ``service`` inside its transaction).

Each builder runs a constant number of queries and returns a plain dict that the allow-listed
schemas in ``schemas.py`` serialize; derived figures come from ``mobile_service.education``.
The ``*_body`` shapers take ``today`` and the freshness ``stamps`` when the caller already fixed
them (the PostgreSQL path tags the body with them before shaping it: ``one_trip``).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, select

from auth.principal import Principal
from mobile_service import caseload_list, clock, education, rights_holder
from mobile_service.extensions import db
from mobile_service.freshness import freshness
from mobile_service.models import (
    AttendanceSummary,
    Enrollment,
    ProgressMark,
    ProgressReport,
    School,
    Student,
    StudentSsid,
)

Stamps = dict[str, dt.datetime | None]  # mobile_service.freshness: the newest load per source

# Statements every record view runs, built once (bind parameters; no per-request construction).
_ENROLLMENTS = (select(Enrollment, School).join(School, School.id == Enrollment.school_id)
                .where(Enrollment.student_id.in_(bindparam("student_ids", expanding=True)))
                .order_by(Enrollment.student_id, Enrollment.start_date.desc(), Enrollment.id.desc()))
_RETIRED_SSIDS = (select(StudentSsid.ssid)
                  .where(StudentSsid.student_id == bindparam("student_id"), StudentSsid.ssid != bindparam("ssid"))
                  .order_by(StudentSsid.ssid))
_ATTENDANCE = (select(AttendanceSummary, School).join(School, School.id == AttendanceSummary.school_id)
               .where(AttendanceSummary.student_id == bindparam("student_id"))
               .order_by(AttendanceSummary.academic_year.desc(), AttendanceSummary.as_of_date.desc(), School.name,
                         AttendanceSummary.id))
_REPORTS = (select(ProgressReport, School).join(School, School.id == ProgressReport.school_id)
            .where(ProgressReport.student_id == bindparam("student_id"))
            .order_by(ProgressReport.report_date.desc(), ProgressReport.id.desc()))
_MARKS = (select(ProgressMark).where(ProgressMark.progress_report_id.in_(bindparam("report_ids", expanding=True)))
          .order_by(ProgressMark.progress_report_id, ProgressMark.course_code))


def load_enrollments(student_ids: list[int]) -> dict[int, list[tuple[Enrollment, School]]]:
    """Every enrollment (with its school) of the given students, newest first, in one query."""
    out: dict[int, list[tuple[Enrollment, School]]] = {sid: [] for sid in student_ids}
    if not student_ids:
        return out
    rows = db.session.execute(_ENROLLMENTS, {"student_ids": student_ids}).all()
    for enrollment, school in rows:
        out[enrollment.student_id].append((enrollment, school))
    return out


def current_school(pairs: list[tuple[Enrollment, School]], today: dt.date | None = None) -> tuple[Enrollment, School] | None:
    """The current school-of-record enrollment and its school (``education.current_enrollment``)."""
    current = education.current_enrollment([e for e, _ in pairs], today or clock.today())
    return next(((e, s) for e, s in pairs if e is current), None) if current is not None else None


def _freshness(stamps: Stamps | None) -> Stamps:
    # The PostgreSQL path passes the stamps its ETag was computed from (read once per request).
    return dict(stamps) if stamps is not None else freshness()


def _float(value) -> float | None:
    return None if value is None else float(value)


def demographics(principal: Principal, student: Student, basis: str) -> dict[str, Any]:
    """The demographics tab: identity, status, current school and grade, access basis."""
    retired = db.session.execute(_RETIRED_SSIDS, {"student_id": student.id, "ssid": student.ssid}).scalars().all()
    return demographics_body(student, basis, retired, load_enrollments([student.id])[student.id],
                             caseload_list.on_caseload(principal, student.id))


def demographics_body(student, basis: str, retired, pairs, on_caseload: bool, *, today: dt.date | None = None,
                      stamps: Stamps | None = None) -> dict[str, Any]:
    """Shape the demographics tab from loaded rows (``pairs``: every (enrollment, school), newest first)."""
    today = today or clock.today()
    now = current_school(pairs, today)
    school = None
    if now is not None:
        s = now[1]
        school = {"name": s.name, "district_name": s.district_name, "cds_code": s.cds_code, "address": s.address,
                  "city": s.city, "zip": s.zip, "phone": s.phone}
    return {
        "ssid": student.ssid, "retired_ssids": list(retired),
        "legal_first_name": student.legal_first_name, "legal_middle_name": student.legal_middle_name,
        "legal_last_name": student.legal_last_name,
        "alias_first_name": student.alias_first_name, "alias_last_name": student.alias_last_name,
        "birth_date": student.birth_date, "age": education.age(student.birth_date, today),
        "gender_code": student.gender_code, "primary_language": student.primary_language,
        "foster_status": student.foster_status, "case_type": student.case_type, "homeless": bool(student.homeless),
        "education_rights_holder": student.education_rights_holder,
        "rights_holder": rights_holder.holder_payload(student),
        "current_school": school, "grade_level": now[0].grade_level if now else None,
        "on_my_caseload": on_caseload,
        "access_basis": basis, "freshness": _freshness(stamps),
    }


def enrollments(principal: Principal, student: Student, basis: str) -> dict[str, Any]:
    """The enrollment tab: every span newest first, plus mobility figures."""
    return enrollments_body(student, load_enrollments([student.id])[student.id])


def enrollments_body(student, pairs, *, today: dt.date | None = None, stamps: Stamps | None = None) -> dict[str, Any]:
    """Shape the enrollment tab from loaded (enrollment, school) pairs, newest first."""
    today = today or clock.today()
    spans = [e for e, _ in pairs]
    figures = education.mobility(spans, today)
    history = [{
        "school_name": s.name, "district_name": s.district_name, "cds_code": s.cds_code,
        "academic_year": e.academic_year, "enrollment_status": e.enrollment_status,
        "enrollment_status_label": education.ENROLLMENT_STATUS_LABELS.get(e.enrollment_status),
        "grade_level": e.grade_level, "start_date": e.start_date, "exit_date": e.exit_date,
        "exit_reason_code": e.exit_reason_code,
        "exit_reason_label": education.exit_label(e.exit_reason_code),
    } for e, s in pairs]
    return {
        "ssid": student.ssid, "enrollments": history,
        "mobility": {"school_changes_this_year": figures.school_changes_this_year,
                     "days_since_school_change": figures.days_since_school_change,
                     "schools_this_year": figures.schools_this_year},
        "freshness": _freshness(stamps),
    }


def attendance(principal: Principal, student: Student, basis: str) -> dict[str, Any]:
    """The attendance tab: one row per school year and school, newest year first."""
    return attendance_body(student, db.session.execute(_ATTENDANCE, {"student_id": student.id}).all())


def attendance_body(student, rows, *, stamps: Stamps | None = None) -> dict[str, Any]:
    """Shape the attendance tab from loaded (summary, school) pairs in display order."""
    years = []
    for row, school in rows:
        figures = education.school_attendance(row)
        years.append({
            "academic_year": row.academic_year, "school_name": school.name, "cds_code": school.cds_code,
            "as_of_date": row.as_of_date, "days_expected": row.days_expected, "days_attended": row.days_attended,
            "days_absent": figures.days_absent, "days_absent_excused": row.days_absent_excused or 0,
            "days_absent_unexcused": row.days_absent_unexcused or 0,
            "days_suspended_out": row.days_suspended_out or 0, "days_suspended_in": row.days_suspended_in or 0,
            "days_incomplete_study": row.days_incomplete_study or 0,
            "attendance_rate": _float(figures.attendance_rate), "chronically_absent": figures.chronically_absent,
        })
    return {"ssid": student.ssid, "years": years, "freshness": _freshness(stamps)}


def progress_reports(principal: Principal, student: Student, basis: str) -> dict[str, Any]:
    """The progress-report tab: terms newest first, each with courses, GPA and D/F count."""
    reports = db.session.execute(_REPORTS, {"student_id": student.id}).all()
    marks: dict[int, list[ProgressMark]] = {report.id: [] for report, _ in reports}
    if marks:
        for mark in db.session.execute(_MARKS, {"report_ids": list(marks)}).scalars():
            marks[mark.progress_report_id].append(mark)
    return progress_reports_body(student, reports, marks)


def progress_reports_body(student, reports, marks, *, stamps: Stamps | None = None) -> dict[str, Any]:
    """Shape the progress-report tab from (report, school) pairs and each report's marks by course."""
    out = []
    for report, school in reports:
        courses = marks[report.id]
        figures = education.term_marks(m.mark for m in courses)
        out.append({
            "school_name": school.name, "academic_year": report.academic_year, "term": report.term,
            "report_date": report.report_date,
            "courses": [{"course_code": m.course_code, "course_title": m.course_title, "mark": m.mark,
                         "credits_attempted": _float(m.credits_attempted),
                         "credits_earned": _float(m.credits_earned)} for m in courses],
            "gpa": _float(figures.gpa), "df_count": figures.df_count,
        })
    return {"ssid": student.ssid, "reports": out, "freshness": _freshness(stamps)}
