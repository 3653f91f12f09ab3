"""POST /api/v1/client-events: every refusal rule, scrubbing, merging by signature, resends, roles, quotas.

The pilot clock is frozen at 2026-10-15 19:00Z (tests/pilot/conftest.py).
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from mobile_service.extensions import db, limiter
from mobile_service.models import ClientEvent, ClientEventSignature
from tests.factories import app_token_for
from tests.pilot.client_event_helpers import DEVICE, SIGNATURE, event
from tests.pilot.conftest import PILOT_NOW

EARLIER = PILOT_NOW - dt.timedelta(hours=3)
URL = "/api/v1/client-events"


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.execute(select(func.count()).select_from(ClientEvent)).scalar_one(),
                db.session.execute(select(func.count()).select_from(ClientEventSignature)).scalar_one())


def test_a_crash_is_stored_with_its_signature(client, app, bearer, people):
    response = client.post(URL, json=event(EARLIER, count=2), headers=bearer("csw"))
    assert response.status_code == 201, response.json
    assert response.json["merged"] is False and response.json["duplicate"] is False
    with app.app_context():
        sig = db.session.execute(select(ClientEventSignature)).scalar_one()
        assert (sig.kind, sig.signature, sig.occurrences, sig.reports) == ("crash", SIGNATURE, 2, 1)
        assert sig.first_seen == sig.last_seen == EARLIER
        stored = db.session.execute(select(ClientEvent)).scalar_one()
        assert (stored.user_id, stored.app_version, stored.platform, stored.os_version, stored.count) == (
            people["csw"], "1.0.1", "ios", "17.6.1", 2)
        assert not hasattr(stored, "device_id")  # used for the quota only


def test_reports_with_one_signature_are_merged(client, app, bearer):
    first = client.post(URL, json=event(EARLIER), headers=bearer("csw"))
    later = PILOT_NOW - dt.timedelta(minutes=10)
    second = client.post(URL, json=event(later, count=3, app_version="1.0.2", message="Crash again"),
                         headers=bearer("csw2"))
    older = client.post(URL, json=event(EARLIER - dt.timedelta(days=2), message="Old crash"), headers=bearer("csw"))
    assert (first.status_code, second.status_code, older.status_code) == (201, 201, 201)
    assert second.json["merged"] is True and older.json["merged"] is True
    other_kind = client.post(URL, json=event(EARLIER, kind="slow_screen", duration_ms=4200, error_code=None),
                             headers=bearer("csw"))
    assert other_kind.status_code == 201 and other_kind.json["merged"] is False
    with app.app_context():
        crash = db.session.execute(select(ClientEventSignature).where(ClientEventSignature.kind == "crash")).scalar_one()
        assert (crash.occurrences, crash.reports) == (5, 3)
        assert crash.first_seen == EARLIER - dt.timedelta(days=2) and crash.last_seen == later
        assert crash.message == "Crash again"  # the latest report's message
    assert _counts(app) == (4, 2)


def test_a_resend_changes_nothing(client, app, bearer):
    body = event(EARLIER)
    assert client.post(URL, json=body, headers=bearer("csw")).status_code == 201
    again = client.post(URL, json=body, headers=bearer("csw"))
    assert again.status_code == 200 and again.json["duplicate"] is True
    with app.app_context():
        assert db.session.execute(select(ClientEventSignature.occurrences)).scalar_one() == 1
    assert _counts(app) == (1, 1)
    # The same report id from another user is another report.
    assert client.post(URL, json=body, headers=bearer("csw2")).status_code == 201


def test_failed_call_and_slow_screen(client, app, bearer):
    failed = event(EARLIER, kind="failed_call", request_id="6c0f3a1b2d4e4f5a8b9c0d1e2f3a4b5c", error_code="503",
                   signature="aa00bb11cc22dd33")
    assert client.post(URL, json=failed, headers=bearer("csw")).status_code == 201
    slow = event(EARLIER, kind="slow_screen", duration_ms=5400, error_code=None, signature="ee44ff5566778899")
    assert client.post(URL, json=slow, headers=bearer("csw")).status_code == 201
    with app.app_context():
        rows = {e.kind: e for e in db.session.execute(select(ClientEvent)).scalars()}
        assert rows["failed_call"].request_id == "6c0f3a1b2d4e4f5a8b9c0d1e2f3a4b5c"
        assert rows["slow_screen"].duration_ms == 5400


def test_the_message_is_scrubbed(client, app, bearer):
    message = "GET /api/v1/students/q3Vd9fK2LmX0aB7cR1sT4w?tab=attendance   failed\nafter 300000 ms"
    assert client.post(URL, json=event(EARLIER, message=message), headers=bearer("csw")).status_code == 201
    with app.app_context():
        stored = db.session.execute(select(ClientEventSignature.message)).scalar_one()
    assert stored == "GET /api/v1/students/<key>?… failed after # ms"


FUTURE = (PILOT_NOW + dt.timedelta(minutes=10)).isoformat()
TOO_OLD = (PILOT_NOW - dt.timedelta(days=31)).isoformat()
REFUSED = [
    # Identifiers, in every text field that could carry one.
    ({"message": "student 4000000001 crashed"}, "message", "SSID"),
    ({"message": "student 400 000 0001"}, "message", "SSID"),
    ({"message": "student 400-000-0001"}, "message", "SSID"),
    ({"message": "id ４００００００００１"}, "message", "SSID"),  # fullwidth digits
    ({"message": "dob 2015-03-04"}, "message", "date"),
    ({"message": "born 3/4/2015"}, "message", "date"),
    ({"message": "born 03-04-15"}, "message", "date"),
    ({"message": "born 20150304"}, "message", "date"),
    ({"message": "born March 4, 2015"}, "message", "date"),
    ({"message": "born 4 Mar 2015"}, "message", "date"),
    ({"message": "mail maria.garcia@example.org"}, "message", "e-mail"),
    ({"screen": "student/4000000001"}, "screen", "SSID"),
    ({"os_version": "4000000001"}, "os_version", "SSID"),
    ({"app_version": "4000000001"}, "app_version", "SSID"),
    ({"app_version": "1.4.4000000001"}, "app_version", "SSID"),
    # A student key in a screen or an error code (shown to coordinators as sent).
    ({"screen": "students/q3Vd9fK2LmX0aB7cR1sT4w/attendance"}, "screen", "student key"),
    ({"screen": "students/qVdfKLmXaBcRsTwAbCdEfG"}, "screen", "student key"),  # a key without a digit
    ({"screen": "student:-3Vd9fK2LmX0aB7cR1sT_w"}, "screen", "student key"),
    ({"screen": "q3Vd9fK2LmX0aB7cR1sT4w.attendance"}, "screen", "student key"),
    ({"error_code": "q3Vd9fK2LmX0aB7cR1sT4w"}, "error_code", "student key"),
    ({"error_code": "E404:q3Vd9fK2LmX0aB7cR1sT4w"}, "error_code", "student key"),
    ({"error_code": "2015.03.04"}, "error_code", "date"),
    ({"kind": "failed_call", "request_id": "4000000001"}, "request_id", "SSID"),
    ({"kind": "failed_call", "request_id": "2015-03-04"}, "request_id", "date"),
    # Oversize fields.
    ({"message": "x" * 201}, "message", None),
    ({"screen": "s" * 61}, "screen", None),
    ({"error_code": "E" * 41}, "error_code", None),
    ({"os_version": "1" * 31}, "os_version", None),
    ({"app_version": "1" * 31}, "app_version", None),
    ({"signature": "a" * 65}, "signature", None),
    ({"kind": "failed_call", "request_id": "a" * 65}, "request_id", None),
    ({"count": 10_001}, "count", None),
    ({"kind": "slow_screen", "duration_ms": 600_001}, "duration_ms", None),
    # Unknown kind, unknown or missing fields, wrong shapes.
    ({"kind": "anr"}, "kind", None),
    ({"stack_trace": "at Foo.bar(Foo.java:12)"}, "stack_trace", None),
    ({"signature": ...}, "signature", None),
    ({"signature": "9F2C4E1A7B3D5F60"}, "signature", None),
    ({"signature": "not-a-hash-value!"}, "signature", None),
    ({"report_id": "not-a-uuid"}, "report_id", None),
    ({"device_id": ...}, "device_id", None),
    ({"platform": "windows"}, "platform", None),
    ({"count": 0}, "count", None),
    ({"count": "2"}, "count", None),
    ({"message": "tab\x1bescape"}, "message", None),
    # Times: future, too old, without an offset.
    ({"occurred_at": FUTURE}, "occurred_at", "future"),
    ({"occurred_at": TOO_OLD}, "occurred_at", "30 days"),
    ({"occurred_at": "2026-10-15T10:00:00"}, "occurred_at", None),
    # Kind-specific fields.
    ({"kind": "failed_call"}, "request_id", None),
    ({"request_id": "6c0f3a1b2d4e4f5a8b9c0d1e2f3a4b5c"}, "request_id", None),
    ({"kind": "slow_screen"}, "duration_ms", None),
    ({"duration_ms": 1200}, "duration_ms", None),
]


@pytest.mark.parametrize("change, field, words", REFUSED)
def test_refused_reports_are_422_and_store_nothing(client, app, bearer, change, field, words):
    response = client.post(URL, json=event(EARLIER, **change), headers=bearer("csw"))
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    errors = response.json["errors"]["json"]
    assert field in errors, errors
    if words:
        assert words in json.dumps(errors)
    sent = change.get(field)
    if isinstance(sent, str) and len(sent) > 8:
        assert sent not in response.get_data(as_text=True)  # never echoed
    assert _counts(app) == (0, 0)


def test_clean_text_that_merely_has_numbers_passes(client, bearer):
    for message in ("HTTP 503 at 12:30:05", "timeout after 30000 ms", "retry 3 of 5", "NullPointerException"):
        assert client.post(URL, json=event(EARLIER, message=message), headers=bearer("csw")).status_code == 201
    # A server request id (hex) often has 10 digits in a row: it is checked by its own format.
    failed = event(EARLIER, kind="failed_call", request_id="a1234567890123bcdef0123456789abc", signature="ab" * 8)
    assert client.post(URL, json=failed, headers=bearer("csw")).status_code == 201


VERSIONS = ["16.7.10", "14.0.13", "1.4.12", "2.10.15", "2024.10.1", "17.6.1", "18.0", "3.1.12-beta.2", "24.01.15"]
VERSION_CASES = ([("app_version", v) for v in [*VERSIONS, "1.4.12+20241015"]]
                 + [("os_version", v) for v in [*VERSIONS, "UP1A.231005.007"]])


@pytest.mark.parametrize("field, version", VERSION_CASES)
def test_real_versions_are_not_dates(client, app, bearer, field, version):
    """Versions are held to their own formats: the date rule would refuse real releases (16.7.10)."""
    response = client.post(URL, json=event(EARLIER, **{field: version}), headers=bearer("csw"))
    assert response.status_code == 201, response.json
    with app.app_context():
        assert getattr(db.session.execute(select(ClientEvent)).scalar_one(), field) == version


@pytest.mark.parametrize("text", ["born 16.7.10", "dob 2.10.15", "dob 2024.10.1", "born 1.4.12", "dob 14.0.13"])
def test_a_date_in_the_message_is_still_refused(client, app, bearer, text):
    response = client.post(URL, json=event(EARLIER, message=text), headers=bearer("csw"))
    assert response.status_code == 422 and "date" in json.dumps(response.json["errors"]["json"]["message"])
    assert _counts(app) == (0, 0)


def test_screens_are_route_templates(client, app, bearer):
    """A template (or a name) passes; a 22-letter exception class is an error code, not a key."""
    for screen, code in (("students/:key/attendance", "SocketTimeoutException"),
                         ("student/attendance", "java.net.SocketTimeoutException"),
                         ("caseload", "NSURLErrorDomain:-1001"), ("students/:student_key/progress", "503")):
        body = event(EARLIER, screen=screen, error_code=code)
        assert client.post(URL, json=body, headers=bearer("csw")).status_code == 201, screen
    with app.app_context():
        assert db.session.execute(select(ClientEventSignature.screen)).scalar_one() == "students/:student_key/progress"


def test_every_student_key_in_a_screen_is_refused():
    """Whatever the 16 random bytes, a key in a screen path is caught (also without a digit)."""
    from mobile_service.models import new_student_key
    from mobile_service.pilot.client_event_rules import key_segment_in

    keys = [new_student_key() for _ in range(500)] + ["qVdfKLmXaBcRsTwAbCdEfG", "-_-_-_-_-_-_-_-_-_-_-_"]
    assert all(key_segment_in(f"students/{key}/attendance") for key in keys)
    assert all(key_segment_in(key, digitless=False) for key in keys if any(c.isdigit() for c in key))
    assert not key_segment_in("SocketTimeoutException", digitless=False)
    assert not key_segment_in("students/:key/attendance") and not key_segment_in("x" * 21 + "/" + "y" * 23)


def test_merged_counts_saturate_at_the_ceiling(client, app, bearer):
    """A crash loop cannot overflow the 32-bit sums: they stop at COUNT_CEILING, and reports keep landing."""
    from mobile_service.models.client_events import COUNT_CEILING

    assert client.post(URL, json=event(EARLIER), headers=bearer("csw")).status_code == 201
    with app.app_context():
        sig = db.session.execute(select(ClientEventSignature)).scalar_one()
        sig.occurrences, sig.reports = COUNT_CEILING - 5, COUNT_CEILING - 1
        db.session.commit()
    assert client.post(URL, json=event(EARLIER, count=3), headers=bearer("csw")).status_code == 201
    with app.app_context():
        sig = db.session.execute(select(ClientEventSignature)).scalar_one()
        assert (sig.occurrences, sig.reports) == (COUNT_CEILING - 2, COUNT_CEILING)
        sig.occurrences = 2**31 - 1 - 5_000  # a row from before the ceiling, one report short of overflowing
        db.session.commit()
    for _ in range(3):
        response = client.post(URL, json=event(EARLIER, count=10_000), headers=bearer("csw2"))
        assert response.status_code == 201, response.json
    with app.app_context():
        sig = db.session.execute(select(ClientEventSignature)).scalar_one()
        assert (sig.occurrences, sig.reports) == (COUNT_CEILING, COUNT_CEILING)
    assert _counts(app) == (5, 1)


def test_client_events_deny(client, bearer, people):
    assert client.post(URL, json=event(EARLIER)).status_code == 401
    assert client.post(URL, json=event(EARLIER), headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post(URL, json=event(EARLIER), headers=bearer("coordinator")).status_code == 403
    assert client.post(URL, json=event(EARLIER), headers=bearer("admin")).status_code == 403
    assert client.post(URL, json=event(EARLIER), headers=bearer("scsw")).status_code == 201
    assert client.get(URL, headers=bearer("csw")).status_code == 405


@pytest.fixture
def limited_app(make_app, base_env, app):
    """A second app on the same database with tiny client-event quotas (restores the shared limiter)."""
    saved = limiter.enabled
    limited = make_app(dict(base_env, RATELIMIT_ENABLED="true", CLIENT_EVENT_USER_RATE_LIMIT="3 per minute",
                              CLIENT_EVENT_DEVICE_RATE_LIMIT="2 per minute"))
    yield limited
    limiter.reset()
    limiter.enabled = saved


def test_quotas_per_device_and_per_user(limited_app, app, people, pilot_clock):
    from mobile_service.models import User

    with app.app_context():
        tokens = {name: app_token_for(db.session.get(User, people[name])) for name in ("csw", "csw2")}
    client = limited_app.test_client()

    def send(name: str, device: str):
        return client.post(URL, json=event(EARLIER, device_id=device),
                           headers={"Authorization": f"Bearer {tokens[name]}"})

    phone, tablet, laptop = DEVICE, "1b7e2f4a-1c3d-4e5f-8a9b-c0d1e2f3a4b5", "2b7e2f4a-1c3d-4e5f-8a9b-c0d1e2f3a4b5"
    assert [send("csw", phone).status_code for _ in range(2)] == [201, 201]
    refused = send("csw", phone)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.mimetype == "application/problem+json"
    assert send("csw2", phone).status_code == 429  # the device's quota, whoever signs in on it
    assert send("csw", tablet).status_code == 201  # the user's third report
    assert send("csw", laptop).status_code == 429  # the user's quota, on any device
    assert send("csw2", laptop).status_code == 201
    assert _counts(app)[0] == 4
