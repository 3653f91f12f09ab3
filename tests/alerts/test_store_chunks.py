"""The alert store reads county-wide id lists in chunks (a statement carries at most 65,535 parameters)."""
from __future__ import annotations

from mobile_service.alerts import kinds, store
from mobile_service.extensions import db
from mobile_service.models import Alert
from tests.factories import make_student


def test_open_student_ids_answers_for_more_ids_than_one_statement_may_carry(ctx):
    kids = [make_student() for _ in range(3)]
    db.session.add_all([Alert(student_id=kid.id, kind=kinds.RIGHTS_HOLDER_CHANGED, basis="holder:x") for kid in kids[:2]])
    db.session.commit()
    asked = [*range(10_000_000, 10_070_000), *(kid.id for kid in kids)]  # 70,003 ids: above psycopg's limit
    assert sorted(store.open_student_ids(kinds.RIGHTS_HOLDER_CHANGED, asked)) == sorted(kid.id for kid in kids[:2])
