"""Client event request and response bodies: short, typed fields; no free text but a scrubbed message.

Every text field is checked against ``mobile_service.pilot.client_event_rules`` (anything shaped
like an SSID, a date or an e-mail is a 422 naming the field and the rule, never echoing the value;
versions are not checked for dates, and screen and error code are also checked for student keys).
"""
from __future__ import annotations

import datetime as dt
import re
import uuid

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.fields import APP_VERSION_RE, SCREEN_RE, Text, UTCDateTimeField
from mobile_service import clock
from mobile_service.pilot.client_event_rules import IDENTIFIER_RULES, MESSAGE_MAX, identifier_in, key_segment_in
from mobile_service.pilot.domain import CLIENT_EVENT_KINDS, CLIENT_PLATFORMS
from mobile_service.requestlog import REQUEST_ID_RE

SIGNATURE_OPENAPI_PATTERN = "^[0-9a-f]{16,64}$"
OS_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._ -]{0,29}$")
ERROR_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$")
CLOCK_SKEW = dt.timedelta(minutes=5)
OLDEST = dt.timedelta(days=30)
COUNT_MAX = 10_000
DURATION_MAX_MS = 600_000


def _uuid(value: str) -> None:
    try:
        parsed = uuid.UUID(value)
    except ValueError as exc:
        raise ValidationError("Must be a UUID.") from exc
    if str(parsed) != value.lower():
        raise ValidationError("Must be a UUID in its 36-character form.")


def _clean(*, digit_runs: bool = True, dates: bool = True, keys: bool | None = None):
    """A validator for the refusal rules; ``keys`` True/False: refuse key-shaped segments (False: with a digit)."""
    def check(value: str) -> None:
        rule = identifier_in(value, digit_runs=digit_runs, dates=dates)
        if rule is None and keys is not None and key_segment_in(value, digitless=keys):
            rule = "student_key"
        if rule:
            raise ValidationError(IDENTIFIER_RULES[rule])
    return check


def _signature(value: str) -> None:
    if not re.fullmatch(r"[0-9a-f]{16,64}", value):
        raise ValidationError("Must be the device's signature: 16-64 lowercase hex characters.")


class ClientEventCreateSchema(Schema):
    """One report: a crash, a failed call (with its request id) or a slow screen."""

    report_id = Text(strict=True, required=True, validate=[validate.Length(equal=36), _uuid],
                     metadata={"description": "A UUID the app draws for this report; a resend reuses it (no-op).",
                               "example": "6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"})
    device_id = Text(strict=True, required=True, validate=[validate.Length(equal=36), _uuid],
                     metadata={"description": "The app installation's random UUID; used for the per-device "
                                              "rate limit only, never stored.",
                               "example": "0b7e2f4a-1c3d-4e5f-8a9b-c0d1e2f3a4b5"})
    kind = Text(strict=True, required=True, validate=validate.OneOf(CLIENT_EVENT_KINDS))
    occurred_at = fields.AwareDateTime(required=True, metadata={"description": "When it happened on the device "
                                                                               "(ISO 8601 with offset)"})
    app_version = Text(strict=True, required=True,
                       validate=[validate.Regexp(APP_VERSION_RE, error="1-30 letters, digits or . _ + -"),
                                 _clean(dates=False)],
                       metadata={"example": "1.4.2"})
    platform = Text(strict=True, required=True, validate=validate.OneOf(CLIENT_PLATFORMS))
    os_version = Text(strict=True, required=True,
                      validate=[validate.Regexp(OS_VERSION_RE, error="1-30 letters, digits or . _ - space"),
                                _clean(dates=False)],
                      metadata={"example": "17.6.1"})
    screen = Text(strict=True, load_default=None, allow_none=True,
                  validate=[validate.Regexp(SCREEN_RE, error="1-60 letters, digits or _ . / : -"),
                            _clean(keys=True)],
                  metadata={"description": "The route template of the screen, never a value "
                                           "(students/:key/attendance)",
                            "example": "students/:key/attendance"})
    error_code = Text(strict=True, load_default=None, allow_none=True,
                      validate=[validate.Regexp(ERROR_CODE_RE, error="1-40 letters, digits or _ . : -"),
                                _clean(keys=False)],
                      metadata={"description": "HTTP status, exception class or the app's own code",
                                "example": "NSInternalInconsistencyException"})
    signature = Text(strict=True, required=True,
                     validate=[validate.Regexp(SIGNATURE_OPENAPI_PATTERN, error="16-64 lowercase hex characters"),
                               _signature],
                     metadata={"description": "The device's hash of the normalized stack trace (crash), of the "
                                              "route template and error (failed call), or of the screen (slow "
                                              "screen). Reports are merged by kind + signature.",
                               "example": "9f2c4e1a7b3d5f60"})
    count = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, COUNT_MAX),
                           metadata={"description": "How many times it happened since the last report"})
    message = Text(multiline=True, load_default=None, allow_none=True,
                   validate=[validate.Length(max=MESSAGE_MAX), _clean()],
                   metadata={"description": "Optional short message (no identifiers; scrubbed on arrival)"})
    request_id = Text(strict=True, load_default=None, allow_none=True,
                      validate=[validate.Regexp(REQUEST_ID_RE, error="Must be the X-Request-ID of the failed call."),
                                _clean(digit_runs=False)],
                      metadata={"description": "failed_call: the X-Request-ID (or problem request_id) the server "
                                               "answered with"})
    duration_ms = fields.Integer(strict=True, load_default=None, allow_none=True,
                                 validate=validate.Range(1, DURATION_MAX_MS),
                                 metadata={"description": "slow_screen: time to first render, ms"})

    @validates_schema
    def _consistent(self, data, **_):
        now = clock.utcnow()
        when = data.get("occurred_at")
        if when is not None and when > now + CLOCK_SKEW:
            raise ValidationError("Must not be in the future.", "occurred_at")
        if when is not None and when < now - OLDEST:
            raise ValidationError("Reports older than 30 days are not accepted.", "occurred_at")
        kind = data.get("kind")
        if kind == "failed_call" and not data.get("request_id"):
            raise ValidationError("A failed call needs the request id of the call.", "request_id")
        if kind != "failed_call" and data.get("request_id"):
            raise ValidationError("Only a failed call carries a request id.", "request_id")
        if kind == "slow_screen" and (data.get("duration_ms") is None or not data.get("screen")):
            raise ValidationError("A slow screen needs its screen and duration_ms.", "duration_ms")
        if kind != "slow_screen" and data.get("duration_ms") is not None:
            raise ValidationError("Only a slow screen carries a duration.", "duration_ms")


class ClientEventAcceptedSchema(Schema):
    """What the service did with the report."""

    report_id = fields.String()
    kind = fields.String()
    received_at = UTCDateTimeField()
    merged = fields.Boolean(metadata={"description": "The signature was already known: counts were added to it"})
    duplicate = fields.Boolean(metadata={"description": "This report_id was received before: nothing changed"})
