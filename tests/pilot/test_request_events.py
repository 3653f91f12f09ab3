"""The ``request`` usage event: recorded for authenticated API calls only, with the route template,
never the path or query string, and never breaking a response."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from mobile_service.extensions import db
from mobile_service.models import UsageEvent


def _requests(app):
    with app.app_context():
        return db.session.execute(select(UsageEvent).where(UsageEvent.event == "request")
                                  .order_by(UsageEvent.id)).scalars().all()


def test_authenticated_api_call_is_recorded(client, app, bearer, people):
    headers = {**bearer("csw"), "X-App-Version": "1.4.0", "X-App-Platform": "iOS"}
    assert client.get("/api/v1/issues/mine?limit=5&cursor=", headers=headers).status_code in (200, 422)
    (event,) = _requests(app)
    assert event.route == "/api/v1/issues/mine"
    assert event.user_id == people["csw"] and event.role == "csw"
    assert event.latency_ms is not None and event.latency_ms >= 0
    assert (event.app_version, event.platform) == ("1.4.0", "ios")
    assert event.detail is None and event.result_count is None


def test_route_template_not_the_path(client, app, bearer, people):
    client.patch("/api/v1/pilot/issues/424242", json={"status": "triaged"}, headers=bearer("coordinator"))
    (event,) = _requests(app)
    assert event.route == "/api/v1/pilot/issues/<int(max=2147483647):issue_id>"
    assert "424242" not in event.route and event.status == 404


def test_forbidden_calls_are_recorded_with_their_status(client, app, bearer, people):
    client.get("/api/v1/pilot/summary", headers=bearer("csw"))
    (event,) = _requests(app)
    assert event.status == 403 and event.user_id == people["csw"]


def test_unauthenticated_and_non_api_requests_are_not_recorded(client, app, people):
    client.get("/api/v1/announcements")
    client.get("/healthz")
    client.get("/api/v1/nope")
    assert _requests(app) == []


def test_a_failing_insert_never_breaks_the_response(client, app, bearer, people, monkeypatch):
    headers = bearer("csw")
    original = db.session.execute

    def boom(statement, *args, **kwargs):
        if getattr(statement, "table", None) is not None and statement.table.name == "usage_events":
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return original(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", boom)
    response = client.get("/api/v1/announcements", headers=headers)
    assert response.status_code == 200
    monkeypatch.undo()
    assert _requests(app) == []


def test_request_work_is_not_committed_by_the_hook(client, app, bearer, people):
    """A request that fails after adding rows must not have them saved by the metrics commit."""
    response = client.post("/api/v1/issues", json={"kind": "wrong_data", "description": "x", "ssid": "4000000999"},
                           headers=bearer("csw"))
    assert response.status_code == 404
    with app.app_context():
        assert db.session.execute(select(UsageEvent.event)).scalars().all() == ["request"]
