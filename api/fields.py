"""The request and response fields every resource shares: text, identifiers, timestamps, pilot inputs.

Every request string goes through :class:`Text`; identifiers follow ``mobile_service.identifiers``.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate

from mobile_service import identifiers
from mobile_service.pilot.domain import PLATFORMS
from mobile_service.text import REFUSED_MESSAGE, has_refused_characters

SSID_ERROR = "Must be a 10-digit SSID."
STUDENT_KEY_EXAMPLE = "q3Vd9fK2LmX0aB7cR1sT4w"
STUDENT_KEY_ERROR = "Must be a student key."


class Text(fields.String):
    """The string field of every request schema: refuses lone surrogates and control characters.

    A lone surrogate (``"\\udfff"`` is valid JSON) reached the database driver and answered 500;
    a control character ends up in logs and CSV exports. Both are a 422 naming the field, and the
    message never echoes the value. ``multiline`` free text keeps tab, LF and CR; ``strict``
    (search criteria, identifiers) refuses every invisible character too; ``trim`` strips
    surrounding whitespace before the validators run. The rule is
    :func:`mobile_service.text.has_refused_characters`, shared with the search input rules.
    """

    default_error_messages: ClassVar[dict[str, str]] = {"characters": REFUSED_MESSAGE}

    def __init__(self, *args: Any, multiline: bool = False, strict: bool = False, trim: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.multiline, self.strict, self.trim = multiline, strict, trim

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if has_refused_characters(result, multiline=self.multiline, strict=self.strict):
            raise self.make_error("characters")
        return result.strip() if self.trim else result


class UTCDateTimeField(fields.DateTime):
    """A timezone-aware datetime rendered as ISO 8601 UTC with ``Z`` (``2026-10-15T16:00:00Z``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def ssid_field(**kwargs: Any) -> fields.String:
    """A full 10-digit SSID in a request body."""
    # The Regexp documents the rule in OpenAPI (ECMA syntax); _strict_ssid enforces it exactly
    # (a Python "$" would also accept a trailing newline).
    return Text(strict=True, validate=[validate.Regexp(identifiers.SSID_OPENAPI_PATTERN, error=SSID_ERROR),
                                       _strict_ssid],
                metadata={"description": "Statewide Student Identifier, 10 digits", "example": "4000000001"},
                **kwargs)


def _strict_ssid(value: str) -> None:
    if not identifiers.is_ssid(value):
        raise ValidationError(SSID_ERROR)


def free_text_field(minimum: int, maximum: int, **kwargs: Any) -> fields.String:
    """Multi-line free text (stripped) of ``minimum``..``maximum`` characters (see :class:`Text`)."""
    return Text(multiline=True, trim=True, validate=validate.Length(min=minimum, max=maximum), **kwargs)


def student_key_field(**kwargs: Any) -> fields.String:
    """An opaque student key (from a caseload card or a search result) in a request body."""
    # The Regexp documents the shape in OpenAPI; _strict_key also refuses a trailing newline.
    return Text(strict=True, validate=[validate.Regexp(identifiers.STUDENT_KEY_OPENAPI_PATTERN, error=STUDENT_KEY_ERROR),
                                       _strict_key],
                metadata={"description": "Opaque student key, from a caseload card or a search result",
                          "example": STUDENT_KEY_EXAMPLE}, **kwargs)


def _strict_key(value: str) -> None:
    if not identifiers.is_student_key(value):
        raise ValidationError(STUDENT_KEY_ERROR)


# --- pilot inputs (feedback, issues, announcements, coordinator API) ---------------------------

SCREEN_RE = re.compile(r"^[A-Za-z0-9_./:-]{1,60}$")
APP_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,29}$")
COHORT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}$")


_SCREEN_SEGMENTS = re.compile(r"[/.:]")


def _no_student_key(value: str) -> None:
    # Coordinators read the screen: a route template (students/:key/attendance), never a child's key.
    if any(identifiers.is_student_key(part) for part in _SCREEN_SEGMENTS.split(value)):
        raise ValidationError("A screen is a route template such as students/:key/attendance, never a student key.")


def screen_field(**kwargs: Any) -> fields.String:
    """The app screen the report comes from, e.g. ``student/attendance``."""
    return Text(strict=True, validate=[validate.Regexp(SCREEN_RE, error="1-60 letters, digits or _ . / : -"),
                                       _no_student_key],
                load_default=None, metadata={"example": "student/attendance"}, **kwargs)


def app_version_field(**kwargs: Any) -> fields.String:
    """The app's version string, e.g. ``1.4.2+312``."""
    return Text(strict=True, validate=validate.Regexp(APP_VERSION_RE, error="1-30 letters, digits or . _ + -"),
                load_default=None, metadata={"example": "1.4.2"}, **kwargs)


def platform_field(**kwargs: Any) -> fields.String:
    """``ios``, ``android`` or ``web``."""
    return Text(strict=True, validate=validate.OneOf(PLATFORMS), load_default=None, **kwargs)


def cohort_field(**kwargs: Any) -> fields.String:
    """A cohort name in a query string (default: the most recently started cohort)."""
    return Text(strict=True, validate=validate.Regexp(COHORT_RE, error="Not a cohort name."),
                load_default=None, metadata={"description": "Cohort name; default: the latest cohort."}, **kwargs)


class CohortArgsSchema(Schema):
    """``?cohort=`` on coordinator routes."""

    cohort = cohort_field()
