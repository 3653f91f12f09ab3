"""The caseload list at size: constant SQL statements, cursor pagination, cursor binding."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry
from tests.api.caseload_helpers import StatementCounter, entries, full_record
from tests.factories import make_case, make_school, make_student, make_supervision, make_user

URL = "/api/v1/caseload"


def build_caseload(app, token_for, size: int, *, supervisor=None) -> tuple[dict, int]:
    """A CSW with ``size`` students (half feed-assigned, half added), each with a full record."""
    with app.app_context():
        worker = make_user("csw")
        school = make_school()
        for n in range(size):
            student = make_student(legal_last_name=f"Zeta{n:03d}")
            if n % 2:
                db.session.add(CaseloadEntry(user_id=worker.id, student_id=student.id, origin="added",
                                             flagged=True, added_reason="covering"))
            else:
                make_case(student, worker)
            full_record(student, school, chronic=n % 3 == 0, failing=n % 4 == 0)
        if supervisor is not None:
            make_supervision(db.session.get(type(worker), supervisor), worker)
        db.session.commit()
        return {"Authorization": f"Bearer {token_for(worker)}"}, worker.id


def test_constant_statement_count_for_2_and_40_students(app, client, token_for, fixed_today):
    small, _ = build_caseload(app, token_for, 2)
    big, _ = build_caseload(app, token_for, 40)
    with app.app_context():
        engine = db.engine
    counts = []
    for headers, size in ((small, 2), (big, 40)):
        with StatementCounter(engine) as counter:
            response = client.get(URL, headers=headers)
        assert response.status_code == 200 and len(response.json["items"]) == size
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_supervisee_caseload_constant_statement_count(app, client, token_for, fixed_today):
    with app.app_context():
        boss = make_user("scsw")
        db.session.commit()
        boss_id = boss.id
        boss_headers = {"Authorization": f"Bearer {token_for(boss)}"}
    _, small = build_caseload(app, token_for, 2, supervisor=boss_id)
    _, big = build_caseload(app, token_for, 40, supervisor=boss_id)
    with app.app_context():
        engine = db.engine
    counts = []
    for worker_id in (small, big):
        with StatementCounter(engine) as counter:
            assert client.get(f"/api/v1/supervisees/{worker_id}/caseload", headers=boss_headers).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_cursor_pagination_walks_every_student_once(app, client, token_for, fixed_today):
    headers, _ = build_caseload(app, token_for, 7)
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = client.get(URL, query_string=query, headers=headers)
        assert response.status_code == 200
        body = response.json
        pages += 1
        assert body["total"] == 7 and len(body["items"]) <= 3
        seen += [c["last_name"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == [f"Zeta{n:03d}" for n in range(7)]


def test_limit_is_clamped_and_validated(app, client, token_for, fixed_today):
    headers, _ = build_caseload(app, token_for, 3)
    assert len(client.get(URL, query_string={"limit": 10**30}, headers=headers).json["items"]) == 3
    for bad in (0, -1, "x", "1.5"):
        response = client.get(URL, query_string={"limit": bad}, headers=headers)
        assert response.status_code == 422 and "limit" in response.json["errors"]["query"]


def test_cursor_is_bound_to_user_and_query_and_never_grants_access(app, client, token_for, fixed_today):
    headers, worker_id = build_caseload(app, token_for, 5)
    other, _ = build_caseload(app, token_for, 5)
    cursor = client.get(URL, query_string={"limit": 2}, headers=headers).json["next_cursor"]
    assert cursor
    # Another user replaying it, a tampered cursor, garbage: all 422, never someone else's data.
    # Tamper inside the ciphertext: the last base64 characters may carry padding bits only, so an
    # edit there can decode to the same bytes (a flaky "tampered" cursor that still works).
    middle = len(cursor) // 2
    tampered = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1:]
    for replay_headers, value in ((other, cursor), (headers, tampered), (headers, "garbage"),
                                  (headers, "a" * 2000)):
        response = client.get(URL, query_string={"limit": 2, "cursor": value}, headers=replay_headers)
        assert response.status_code == 422 and "cursor" in response.json["errors"]["query"]
    # Authorization is rechecked on the next page: a student removed meanwhile is gone.
    later = [e for e in entries(app, worker_id) if e.origin == "added"][1]  # Zeta003, on a later page
    with app.app_context():
        row = db.session.get(CaseloadEntry, later.id)
        row.removed_at = dt.datetime.now(dt.UTC)
        db.session.commit()
    rest = client.get(URL, query_string={"limit": 10, "cursor": cursor}, headers=headers).json
    assert rest["total"] == 4 and [c["last_name"] for c in rest["items"]] == ["Zeta002", "Zeta004"]


@pytest.mark.parametrize("query", [{"cursor": ""}, {"unknown": "1"}])
def test_odd_query_strings(app, client, token_for, fixed_today, query):
    headers, _ = build_caseload(app, token_for, 1)
    response = client.get(URL, query_string=query, headers=headers)
    assert response.status_code in (200, 422)
    assert response.status_code != 500


def test_a_decoded_cursor_reveals_nothing(app, client, token_for, fixed_today):
    """Issue 11: the cursor was signed but readable (``{"k":["hernandez","camila",6]}``); now ciphertext."""
    headers, _ = build_caseload(app, token_for, 5)
    first = client.get(URL, query_string={"limit": 2}, headers=headers).json
    cursor = first["next_cursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    for card in first["items"]:
        for value in (card["last_name"], card["first_name"], card["ssid"], card["student_key"]):
            assert value.lower().encode() not in raw.lower() and value not in cursor
    assert b"zeta" not in raw.lower() and b'"k"' not in raw
    # Two cursors of the same position differ (a fresh nonce each time), and both still work.
    again = client.get(URL, query_string={"limit": 2}, headers=headers).json["next_cursor"]
    assert again != cursor
    for value in (cursor, again):
        page = client.get(URL, query_string={"limit": 2, "cursor": value}, headers=headers)
        assert page.status_code == 200 and [c["last_name"] for c in page.json["items"]] == ["Zeta002", "Zeta003"]


def test_an_expired_or_foreign_key_cursor_is_refused(app, client, token_for, fixed_today, monkeypatch):
    from mobile_service import pagination as plumbing

    headers, _ = build_caseload(app, token_for, 3)
    cursor = client.get(URL, query_string={"limit": 1}, headers=headers).json["next_cursor"]
    with monkeypatch.context() as patch:  # the cursor is older than the maximum age
        patch.setattr(plumbing, "CURSOR_MAX_AGE_SECONDS", -1)
        response = client.get(URL, query_string={"limit": 1, "cursor": cursor}, headers=headers)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert client.get(URL, query_string={"limit": 1, "cursor": cursor}, headers=headers).status_code == 200
    # A cursor sealed under another SECRET_KEY does not open.
    with app.app_context():
        app.extensions.pop("cursor_cipher", None)
        saved = app.config.get("SECRET_KEY")
        app.config["SECRET_KEY"] = "another-secret-key-of-another-deployment"
    try:
        response = client.get(URL, query_string={"limit": 1, "cursor": cursor}, headers=headers)
        assert response.status_code == 422
    finally:
        with app.app_context():
            app.extensions.pop("cursor_cipher", None)
            app.config["SECRET_KEY"] = saved
