"""The travel rules' read model: students' current placements from the DCFS feed.

The current placement is the newest placement start on the student's current case (the case the
foster status follows: open, unexpired, a qualifying type first, then the latest assignment);
the initial placement is the earliest placement start on that case. Coordinates are read here
for the distance only. The enrollment spans are read here too, not through ``mobile_service.enrollments``:
the travel rules depend on the base and ``education`` only, so the team indicators (a domain module
beside ``enrollments``) can count travel plans without a cycle between folders (tests/test_layers.py).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import bindparam, select

from mobile_service.extensions import db
from mobile_service.models import DcfsCase, Enrollment, School
from mobile_service.travel.origin import Placement

INACTIVE_CASE_TYPES = ("KIN-GAP", "VOLUNTARY")
_CASES = (select(DcfsCase.student_id, DcfsCase.case_id, DcfsCase.case_type, DcfsCase.case_status,
                 DcfsCase.assignment_start, DcfsCase.assignment_end, DcfsCase.id, DcfsCase.placement_start_date,
                 DcfsCase.placement_type, DcfsCase.placement_latitude, DcfsCase.placement_longitude)
          .where(DcfsCase.student_id.in_(bindparam("student_ids", expanding=True))))

# The columns of ``enrollments.enrollment_rows`` (origin.SpanLike): span plus the school's identity.
_SPANS = (select(Enrollment.student_id, Enrollment.school_id, Enrollment.enrollment_status,
                 Enrollment.exit_reason_code, Enrollment.grade_level, Enrollment.start_date, Enrollment.exit_date,
                 School.cds_code, School.name, School.district_name)
          .join(School, School.id == Enrollment.school_id)
          .where(Enrollment.student_id.in_(bindparam("student_ids", expanding=True))))


def _open(row, today: dt.date) -> bool:
    return row.case_status == "open" and (row.assignment_end is None or row.assignment_end >= today)


def current_placements(student_ids: list[int], today: dt.date) -> dict[int, Placement]:
    """Per student with a placement on their current case, that placement (one query)."""
    by_student: dict[int, list] = defaultdict(list)
    if student_ids:
        for row in db.session.execute(_CASES, {"student_ids": list(student_ids)}):
            by_student[row.student_id].append(row)
    found: dict[int, Placement] = {}
    for student_id, rows in by_student.items():
        open_rows = [r for r in rows if _open(r, today)]
        if not open_rows:
            continue
        current = min(open_rows, key=lambda r: (r.case_type in INACTIVE_CASE_TYPES,
                                                -r.assignment_start.toordinal(), -r.id))
        placed = [r for r in rows if r.case_id == current.case_id and r.placement_start_date is not None]
        if not placed:
            continue
        latest = max(placed, key=lambda r: (r.placement_start_date, r.assignment_start, r.id))
        found[student_id] = Placement(
            start_date=latest.placement_start_date, initial_start=min(r.placement_start_date for r in placed),
            placement_type=latest.placement_type, latitude=latest.placement_latitude,
            longitude=latest.placement_longitude)
    return found


def enrollment_spans(student_ids: list[int]) -> dict[int, list]:
    """Per student, each enrollment with its school's cds_code, name and district (one query)."""
    found: dict[int, list] = defaultdict(list)
    if student_ids:
        for row in db.session.execute(_SPANS, {"student_ids": list(student_ids)}):
            found[row.student_id].append(row)
    return found


def school_by_cds(cds_code: str) -> School | None:
    """The school with this CDS code, or None."""
    return db.session.execute(select(School).where(School.cds_code == cds_code)).scalar_one_or_none()
