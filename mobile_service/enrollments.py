"""Enrollment rows of many students at once: the read model of every student list (cards)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Row, bindparam, select

from mobile_service.extensions import db
from mobile_service.models import Enrollment, School

# Plain rows (span columns plus the school's identity), not ORM entities: lists of students
# (search cards, caseload cards) need only these, and entity loading was their largest cost.
_ENROLLMENT_ROWS = (select(Enrollment.student_id, Enrollment.school_id, Enrollment.enrollment_status,
                           Enrollment.exit_reason_code, Enrollment.grade_level, Enrollment.start_date,
                           Enrollment.exit_date, School.cds_code, School.name, School.district_name)
                    .join(School, School.id == Enrollment.school_id)
                    .where(Enrollment.student_id.in_(bindparam("student_ids", expanding=True))))


def enrollment_rows(student_ids: list[int]) -> dict[int, list[Row]]:
    """Per student, each enrollment as a plain row carrying its school's cds_code, name and district."""
    found: dict[int, list[Row]] = defaultdict(list)
    if student_ids:
        for row in db.session.execute(_ENROLLMENT_ROWS, {"student_ids": student_ids}):
            found[row.student_id].append(row)
    return found
