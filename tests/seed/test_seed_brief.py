"""The pre-visit brief of every seeded student stays under 5 KB, the largest record included."""
from __future__ import annotations

from sqlalchemy import func, select

from api.brief_schemas import BriefSchema
from mobile_service import clock
from mobile_service.brief import briefs
from mobile_service.extensions import db
from mobile_service.models import Enrollment, ProgressMark, ProgressReport, Student

BRIEF_LIMIT = 5 * 1024


def _largest_record() -> int:
    """The student with the most enrollment and mark rows (the record the brief has most to say about)."""
    spans = (select(Enrollment.student_id, func.count().label("n")).group_by(Enrollment.student_id).subquery())
    marks = (select(ProgressReport.student_id, func.count().label("n"))
             .join(ProgressMark, ProgressMark.progress_report_id == ProgressReport.id)
             .group_by(ProgressReport.student_id).subquery())
    size = func.coalesce(spans.c.n, 0) + func.coalesce(marks.c.n, 0)
    return db.session.execute(select(Student.id).outerjoin(spans, spans.c.student_id == Student.id)
                              .outerjoin(marks, marks.c.student_id == Student.id)
                              .order_by(size.desc(), Student.id).limit(1)).scalar_one()


def test_every_seeded_brief_is_under_5_kb(app, seeded):
    with app.app_context():
        students = list(db.session.execute(select(Student).order_by(Student.id)).scalars())
        schema = BriefSchema()
        today = clock.today()
        sizes = {}
        for start in range(0, len(students), 200):
            chunk = students[start:start + 200]
            for student_id, brief in briefs(chunk, today).items():
                sizes[student_id] = len((app.json.dumps(schema.dump(brief)) + "\n").encode())
        largest = _largest_record()
        assert sizes[largest] < BRIEF_LIMIT, sizes[largest]
        assert max(sizes.values()) < BRIEF_LIMIT, max(sizes.values())
