"""Stewards' notices over SMTP, against a local aiosmtpd server: counts and a link, outage and retry.

The report never waits on SMTP: it writes an outbox row in its own transaction. ``outbox.deliver``
(``flask outbox deliver``) sends each active steward one notice, or reschedules with backoff.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import OutboxMessage
from mobile_service.notify import outbox
from tests.servers import free_port
from tests.steward.conftest import report

REFUSED = "sam.steward@lacoe.edu"


class Mailbox:
    """aiosmtpd handler: keeps every message; refuses one recipient when told to."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted"


class Relay:
    """A local SMTP relay on a fixed port that the test can stop (an outage) and start again."""

    def __init__(self, port: int) -> None:
        self.port, self.mailbox, self.controller = port, Mailbox(), None

    def start(self, **smtp_parameters) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **smtp_parameters)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def relay(app, monkeypatch) -> Iterator[Relay]:
    """The app's SMTP settings point at a local relay (not started: each test decides)."""
    server = Relay(free_port())
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port, "SMTP_SECURITY": "none",
                       "SMTP_FROM": "eps-mobile@lacoe.edu", "SMTP_USERNAME": None, "SMTP_PASSWORD": None,
                       "STEWARD_QUEUE_URL": "https://mobile.eps.lacoe.edu/steward", "OUTBOX_RETRY_BASE_SECONDS": 60,
                       "OUTBOX_RETRY_MAX_SECONDS": 3600}.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    server.stop()


def _deliver(app) -> outbox.DeliveryResult:
    with app.app_context():
        result = outbox.deliver()
        db.session.remove()
        return result


def _rows(app) -> list[tuple]:
    with app.app_context():
        return [(r.status, r.attempts, r.next_attempt_at, r.last_error, r.sent_at)
                for r in db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()]


def _reports(client, dq, n: int) -> None:
    for i in range(n):
        response = report(client, dq.headers["csw"], [dq.key["mine"]], kind="duplicate_ssid",
                          description=f"Another child's marks on this record (case {i}).")
        assert response.status_code == 201, response.json


def test_each_active_steward_gets_one_notice_with_counts_and_the_link_only(client, app, dq, relay):
    relay.start()
    _reports(client, dq, 3)
    result = _deliver(app)
    assert (result.due, result.sent, result.recipients, result.error) == (3, 3, 2, None)
    messages = relay.mailbox.messages
    assert sorted(rcpt for _, (rcpt,), _ in messages) == ["elena.steward@lacoe.edu", "sam.steward@lacoe.edu"]
    for sender, _, message in messages:
        assert sender == "eps-mobile@lacoe.edu" and message["From"] == "eps-mobile@lacoe.edu"
        assert message["Subject"] == "EPS Mobile: 3 new data-quality reports"
        assert message["Auto-Submitted"] == "auto-generated"
        body = message.get_content()
        assert "3 new data-quality reports" in body and "3 open in the queue" in body
        assert "https://mobile.eps.lacoe.edu/steward" in body
        # No student data: no name, SSID, birth date, key or the reporter's words.
        for secret in ("Ana", "Alvarez", "4100000001", "2012", dq.key["mine"], "marks on this record", "Carla"):
            assert secret not in message.as_string()
    assert [status for status, *_ in _rows(app)] == ["sent"] * 3
    assert _deliver(app).due == 0 and len(relay.mailbox.messages) == 2  # nothing sent twice


def test_an_outage_delays_the_notice_never_the_report_and_the_retry_delivers(client, app, dq, relay, service_clock):
    # The relay is down: the report is saved and answered at once, its notice waits in the outbox.
    _reports(client, dq, 1)
    failed = _deliver(app)
    assert (failed.due, failed.sent, failed.retried) == (1, 0, 1)
    assert failed.error == "ConnectionRefusedError"
    first = service_clock.now
    ((status, attempts, next_at, error, sent_at),) = _rows(app)
    assert (status, attempts, next_at, error, sent_at) == ("pending", 1, first + dt.timedelta(seconds=60),
                                                           "ConnectionRefusedError", None)
    # Still down a minute later: the wait doubles.
    service_clock.advance(dt.timedelta(seconds=60))
    assert _deliver(app).retried == 1
    assert _rows(app)[0][1:3] == (2, service_clock.now + dt.timedelta(seconds=120))
    # The relay is back, but the retry is not due yet: nothing is tried.
    relay.start()
    service_clock.advance(dt.timedelta(seconds=119))
    assert _deliver(app).due == 0 and relay.mailbox.messages == []
    # Due: delivered, with the report that arrived meanwhile, in one notice per steward.
    _reports(client, dq, 1)
    service_clock.advance(dt.timedelta(seconds=1))
    done = _deliver(app)
    assert (done.due, done.sent, done.error) == (2, 2, None)
    assert [m["Subject"] for _, _, m in relay.mailbox.messages] == ["EPS Mobile: 2 new data-quality reports"] * 2
    assert [(status, attempts, error, sent_at) for status, attempts, _, error, sent_at in _rows(app)] == [
        ("sent", 3, None, service_clock.now), ("sent", 1, None, service_clock.now)]


def test_the_backoff_doubles_up_to_its_cap(app, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(app.config, "OUTBOX_RETRY_BASE_SECONDS", 60)
        monkeypatch.setitem(app.config, "OUTBOX_RETRY_MAX_SECONDS", 3600)
        assert [outbox.backoff(n).total_seconds() for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
        assert outbox.backoff(10_000).total_seconds() == 3600


def test_a_refused_address_does_not_hold_back_the_others(client, app, dq, relay):
    relay.mailbox.refuse.add(REFUSED)
    relay.start()
    _reports(client, dq, 1)
    result = _deliver(app)
    assert (result.sent, result.refused, result.error) == (1, [REFUSED], None)
    assert [rcpt for _, rcpt, _ in relay.mailbox.messages] == [["elena.steward@lacoe.edu"]]


def test_every_address_refused_is_retried(client, app, dq, relay):
    relay.mailbox.refuse.update({REFUSED, "elena.steward@lacoe.edu"})
    relay.start()
    _reports(client, dq, 1)
    result = _deliver(app)
    assert (result.sent, result.retried, result.error) == (0, 1, "SMTPRecipientsRefused")
    assert _rows(app)[0][0] == "pending"


def test_without_an_active_steward_the_notice_waits(client, app, dq, relay):
    from mobile_service.models import User

    relay.start()
    with app.app_context():
        for who in ("steward", "steward2"):
            db.session.get(User, dq.id[who]).active = False
        db.session.commit()
    _reports(client, dq, 1)
    result = _deliver(app)
    assert (result.sent, result.retried, result.error) == (0, 1, outbox.NO_STEWARD)
    assert relay.mailbox.messages == [] and _rows(app)[0][0] == "pending"


@pytest.mark.parametrize("setting, value", [("SMTP_SECURITY", "starttls"), ("SMTP_USERNAME", "relay-user")])
def test_a_relay_without_starttls_or_auth_gets_nothing_in_clear(client, app, dq, relay, monkeypatch, setting, value):
    """Configured for TLS (or AUTH), a relay that does not offer it is an error to retry, never a clear-text send."""
    monkeypatch.setitem(app.config, setting, value)
    monkeypatch.setitem(app.config, "SMTP_PASSWORD", "s3cret")
    relay.start()
    _reports(client, dq, 1)
    result = _deliver(app)
    assert (result.sent, result.retried, result.error) == (0, 1, "SMTPNotSupportedError")
    assert relay.mailbox.messages == []


def _self_signed(tmp_path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 (IP SAN) and its key, as PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "relay.crt", tmp_path / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_starttls_delivers_over_a_verified_tls_session(client, app, dq, relay, monkeypatch, tmp_path):
    import ssl

    from mobile_service.notify import smtp

    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    relay.start(tls_context=server_tls, require_starttls=True)
    monkeypatch.setitem(app.config, "SMTP_SECURITY", "starttls")
    real = smtp.tls_context

    def trusting_the_test_relay() -> ssl.SSLContext:
        context = real()  # the production context (verification on), plus the test relay's certificate
        context.load_verify_locations(cafile=cert)
        return context

    monkeypatch.setattr(smtp, "tls_context", trusting_the_test_relay)
    _reports(client, dq, 1)
    result = _deliver(app)
    assert (result.sent, result.error) == (1, None)
    assert len(relay.mailbox.messages) == 2


def test_starttls_refuses_a_relay_it_cannot_verify(client, app, dq, relay, monkeypatch, tmp_path):
    import ssl

    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    relay.start(tls_context=server_tls, require_starttls=True)
    monkeypatch.setitem(app.config, "SMTP_SECURITY", "starttls")
    _reports(client, dq, 1)
    result = _deliver(app)
    assert (result.sent, result.retried, result.error) == (0, 1, "SSLCertVerificationError")
    assert relay.mailbox.messages == []


def test_problem_reports_queue_no_notice(client, app, dq, relay):
    assert client.post("/api/v1/issues", json={"kind": "problem", "description": "Spinner"},
                       headers=dq.headers["csw"]).status_code == 201
    assert _rows(app) == []


def test_the_cli_delivers_and_fails_loudly_on_an_outage(client, app, dq, relay, runner, service_clock):
    _reports(client, dq, 1)
    down = runner.invoke(args=["outbox", "deliver"])
    assert down.exit_code == 1 and "delayed 1 notice(s): ConnectionRefusedError" in down.output
    status = runner.invoke(args=["outbox", "status", "--max-age", "30"])
    assert status.exit_code == 0 and "pending=1" in status.output and "last_error=ConnectionRefusedError" in status.output
    service_clock.advance(dt.timedelta(seconds=61))
    stale = runner.invoke(args=["outbox", "status", "--max-age", "30"])
    assert stale.exit_code == 1
    relay.start()
    up = runner.invoke(args=["outbox", "deliver"])
    assert up.exit_code == 0, up.output
    assert "due 1, sent 1 to 2 steward(s)" in up.output
    assert "pending=0" in runner.invoke(args=["outbox", "status", "--max-age", "30"]).output
