"""The seed's DCFS cases carry the education rights holder in full (issue 16), and its loads store alerts."""
from __future__ import annotations

from sqlalchemy import text

from mobile_service.extensions import db


def test_seeded_cases_have_full_rights_holders_and_alerts(app, seeded):
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT rights_holder_relationship, rights_holder_phone, jv535_order_date, parent_rights_limited "
            "FROM students WHERE education_rights_holder IS NOT NULL")).all()
        kinds = {k for (k,) in db.session.execute(text("SELECT DISTINCT kind FROM alerts WHERE cleared_at IS NULL"))}
        db.session.remove()
    assert len(rows) > 100
    assert all(relationship and phone for relationship, phone, _, _ in rows)
    limited = [r for r in rows if r[3]]
    parents = [r for r in rows if r[3] is not None and not r[3]]
    assert limited and parents  # both a court-appointed holder and a parent holder
    assert all(order is not None for _, _, order, _ in limited)  # a JV-535 order named someone else
    assert all(relationship in ("mother", "father") and order is None for relationship, _, order, _ in parents)
    # The demo caseload's stories are stored alerts too (the loads raised them).
    assert {"school_change_30d", "chronic_absence", "failing_marks", "no_current_enrollment"} <= kinds
