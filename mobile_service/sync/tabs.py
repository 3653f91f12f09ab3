"""The four record tabs of many students at once: the sync payload's read model.

Same shapes as the per-student record routes (``api/students/record_tabs``), without their
per-tab ``freshness`` (the sync response carries one stamp for all) and in a fixed number of
statements whatever the number of students: one per table, not one per student and tab.
``tests/api/test_sync_payload.py`` holds the two in step.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import bindparam, select

from mobile_service import clock, education, rights_holder
from mobile_service.extensions import db
from mobile_service.models import (
    AttendanceSummary,
    Enrollment,
    ProgressMark,
    ProgressReport,
    School,
    Student,
    StudentSsid,
)
from mobile_service.models.sync import TAB_KINDS

_IDS = bindparam("student_ids", expanding=True)
_STUDENTS = select(Student).where(Student.id.in_(_IDS))
_RETIRED = (select(StudentSsid.student_id, StudentSsid.ssid).join(Student, Student.id == StudentSsid.student_id)
            .where(StudentSsid.student_id.in_(_IDS), StudentSsid.ssid != Student.ssid).order_by(StudentSsid.ssid))
_ENROLLMENTS = (select(Enrollment.student_id, Enrollment.school_id, Enrollment.academic_year,
                       Enrollment.enrollment_status, Enrollment.grade_level, Enrollment.start_date,
                       Enrollment.exit_date, Enrollment.exit_reason_code, School.name, School.district_name,
                       School.cds_code, School.address, School.city, School.zip, School.phone)
                .join(School, School.id == Enrollment.school_id).where(Enrollment.student_id.in_(_IDS))
                .order_by(Enrollment.student_id, Enrollment.start_date.desc(), Enrollment.id.desc()))
_ATTENDANCE = (select(AttendanceSummary, School.name, School.cds_code)
               .join(School, School.id == AttendanceSummary.school_id).where(AttendanceSummary.student_id.in_(_IDS))
               .order_by(AttendanceSummary.student_id, AttendanceSummary.academic_year.desc(),
                         AttendanceSummary.as_of_date.desc(), School.name, AttendanceSummary.id))
_REPORTS = (select(ProgressReport.id, ProgressReport.student_id, ProgressReport.academic_year, ProgressReport.term,
                   ProgressReport.report_date, School.name)
            .join(School, School.id == ProgressReport.school_id).where(ProgressReport.student_id.in_(_IDS))
            .order_by(ProgressReport.student_id, ProgressReport.report_date.desc(), ProgressReport.id.desc()))
_MARKS = (select(ProgressMark.progress_report_id, ProgressMark.course_code, ProgressMark.course_title,
                 ProgressMark.mark, ProgressMark.credits_attempted, ProgressMark.credits_earned)
          .join(ProgressReport, ProgressReport.id == ProgressMark.progress_report_id)
          .where(ProgressReport.student_id.in_(_IDS))
          .order_by(ProgressMark.progress_report_id, ProgressMark.course_code))


def _float(value) -> float | None:
    return None if value is None else float(value)


def build(wanted: Mapping[int, Collection[str]], basis: Mapping[int, str],
          ssids: Mapping[int, str]) -> dict[int, dict[str, Any]]:
    """The requested tabs of each student: ``{student_id: {tab: body}}``.

    ``basis`` is each student's access basis and ``ssids`` their SSID (the tabs repeat it, as
    the record routes do). A table is read only when some student needs a tab drawn from it.
    """
    need = {tab: [sid for sid, tabs in wanted.items() if tab in tabs] for tab in TAB_KINDS}
    out: dict[int, dict[str, Any]] = {sid: {} for sid in wanted}
    today = clock.today()
    spans_of = _enrollments(sorted({*need["demographics"], *need["enrollments"]}))
    if need["demographics"]:
        _demographics(need["demographics"], spans_of, basis, today, out)
    for sid in need["enrollments"]:
        out[sid]["enrollments"] = _enrollment_tab(ssids[sid], spans_of.get(sid, []), today)
    if need["attendance"]:
        _attendance(need["attendance"], ssids, out)
    if need["progress_reports"]:
        _progress(need["progress_reports"], ssids, out)
    return out


def _enrollments(ids) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    if ids:
        for row in db.session.execute(_ENROLLMENTS, {"student_ids": list(ids)}):
            found[row.student_id].append(row)
    return found


def _demographics(ids: list[int], spans_of: Mapping[int, list], basis: Mapping[int, str], today, out) -> None:
    retired: dict[int, list[str]] = defaultdict(list)
    for student_id, ssid in db.session.execute(_RETIRED, {"student_ids": ids}):
        retired[student_id].append(ssid)
    for student in db.session.execute(_STUDENTS, {"student_ids": ids}).scalars():
        spans = spans_of.get(student.id, [])
        now = education.current_enrollment(spans, today)
        school = None if now is None else {"name": now.name, "district_name": now.district_name,
                                           "cds_code": now.cds_code, "address": now.address, "city": now.city,
                                           "zip": now.zip, "phone": now.phone}
        out[student.id]["demographics"] = {
            "ssid": student.ssid, "retired_ssids": retired.get(student.id, []),
            "legal_first_name": student.legal_first_name, "legal_middle_name": student.legal_middle_name,
            "legal_last_name": student.legal_last_name,
            "alias_first_name": student.alias_first_name, "alias_last_name": student.alias_last_name,
            "birth_date": student.birth_date, "age": education.age(student.birth_date, today),
            "gender_code": student.gender_code, "primary_language": student.primary_language,
            "foster_status": student.foster_status, "case_type": student.case_type,
            "homeless": bool(student.homeless), "education_rights_holder": student.education_rights_holder,
            "rights_holder": rights_holder.holder_payload(student),
            "current_school": school, "grade_level": now.grade_level if now is not None else None,
            "on_my_caseload": True, "access_basis": basis[student.id],
        }


def _enrollment_tab(ssid: str, spans: list, today) -> dict[str, Any]:
    figures = education.mobility(spans, today)
    return {
        "ssid": ssid,
        "enrollments": [{
            "school_name": s.name, "district_name": s.district_name, "cds_code": s.cds_code,
            "academic_year": s.academic_year, "enrollment_status": s.enrollment_status,
            "enrollment_status_label": education.ENROLLMENT_STATUS_LABELS.get(s.enrollment_status),
            "grade_level": s.grade_level, "start_date": s.start_date, "exit_date": s.exit_date,
            "exit_reason_code": s.exit_reason_code, "exit_reason_label": education.exit_label(s.exit_reason_code),
        } for s in spans],
        "mobility": {"school_changes_this_year": figures.school_changes_this_year,
                     "days_since_school_change": figures.days_since_school_change,
                     "schools_this_year": figures.schools_this_year},
    }


def _attendance(ids: list[int], ssids: Mapping[int, str], out) -> None:
    years: dict[int, list] = {sid: [] for sid in ids}
    for row, school_name, cds_code in db.session.execute(_ATTENDANCE, {"student_ids": ids}):
        figures = education.school_attendance(row)
        years[row.student_id].append({
            "academic_year": row.academic_year, "school_name": school_name, "cds_code": cds_code,
            "as_of_date": row.as_of_date, "days_expected": row.days_expected, "days_attended": row.days_attended,
            "days_absent": figures.days_absent, "days_absent_excused": row.days_absent_excused or 0,
            "days_absent_unexcused": row.days_absent_unexcused or 0,
            "days_suspended_out": row.days_suspended_out or 0, "days_suspended_in": row.days_suspended_in or 0,
            "days_incomplete_study": row.days_incomplete_study or 0,
            "attendance_rate": _float(figures.attendance_rate), "chronically_absent": figures.chronically_absent,
        })
    for sid in ids:
        out[sid]["attendance"] = {"ssid": ssids[sid], "years": years[sid]}


def _progress(ids: list[int], ssids: Mapping[int, str], out) -> None:
    reports = db.session.execute(_REPORTS, {"student_ids": ids}).all()
    marks: dict[int, list] = defaultdict(list)
    if reports:
        for mark in db.session.execute(_MARKS, {"student_ids": ids}):
            marks[mark.progress_report_id].append(mark)
    terms: dict[int, list] = {sid: [] for sid in ids}
    for report in reports:
        courses = marks.get(report.id, [])
        figures = education.term_marks(m.mark for m in courses)
        terms[report.student_id].append({
            "school_name": report.name, "academic_year": report.academic_year, "term": report.term,
            "report_date": report.report_date,
            "courses": [{"course_code": m.course_code, "course_title": m.course_title, "mark": m.mark,
                         "credits_attempted": _float(m.credits_attempted),
                         "credits_earned": _float(m.credits_earned)} for m in courses],
            "gpa": _float(figures.gpa), "df_count": figures.df_count,
        })
    for sid in ids:
        out[sid]["progress_reports"] = {"ssid": ssids[sid], "reports": terms[sid]}
