"""The alerts a load stores are, for every student of a seeded county, exactly the card's alerts.

``flask seed`` loads its files through the importer, so each load refreshed the stored alerts of
the students it touched (``alerts.refresh.after_load``, set-based on PostgreSQL). The card
(``caseload_cards.card_page``) runs ``education.alerts`` on the records it reads itself; the two
must agree for every student, on both databases, and again after the daily job a month and a
half later (the calendar moved, the school-change window closed for some).
"""
from __future__ import annotations

from sqlalchemy import select

from mobile_service import caseload_cards, clock
from mobile_service.alerts import EDUCATION_KINDS, refresh
from mobile_service.caseload_list import Membership
from mobile_service.extensions import db
from mobile_service.models import Alert, Student

STUDENTS = 300


def _card_alerts() -> dict[int, list[str]]:
    """Every student's card alerts, page by page as the caseload reads them."""
    members = {sid: Membership(sid) for sid in db.session.execute(select(Student.id)).scalars()}
    found: dict[int, list[str]] = {}
    cursor = None
    while True:
        cards, cursor, ids = caseload_cards.card_page(members, today=clock.today(), limit=100, cursor=cursor,
                                                      scope="test", user_id=None)
        found.update({sid: card["alerts"] for sid, card in zip(ids, cards, strict=True)})
        if cursor is None:
            break
    assert len(found) == len(members) == STUDENTS
    return found


def _stored_alerts() -> dict[int, list[str]]:
    """Every student's open stored education alerts, in the card's order."""
    rows = db.session.execute(select(Alert.student_id, Alert.kind).where(
        Alert.cleared_at.is_(None), Alert.kind.in_(EDUCATION_KINDS), Alert.audience == "")).all()
    stored: dict[int, set[str]] = {}
    for student_id, kind in rows:
        stored.setdefault(student_id, set()).add(kind)
    return {sid: [k for k in EDUCATION_KINDS if k in kinds] for sid, kinds in stored.items()}


def _assert_agree() -> None:
    cards = _card_alerts()
    stored = _stored_alerts()
    assert {sid: kinds for sid, kinds in cards.items() if kinds} == stored
    db.session.rollback()


def test_stored_alerts_are_the_cards_alerts_for_every_seeded_student(app, ctx, runner, frozen_clock, service_clock):
    result = runner.invoke(args=["seed", "--students", str(STUDENTS), "--seed", "5"])
    assert result.exit_code == 0, result.output
    cards = _card_alerts()
    assert len({kind for kinds in cards.values() for kind in kinds}) >= 3, "the seed exercises too few rules"
    _assert_agree()

    service_clock.advance(days=45)
    refresh.daily()
    _assert_agree()
