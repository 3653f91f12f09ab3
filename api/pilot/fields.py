"""Input fields shared by the pilot resources (feedback, issues, announcements, coordinator API)."""
from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields, validate

from api.common import Text
from api.plumbing import UTCDateTime
from mobile_service.pilot.domain import PLATFORMS

SCREEN_RE = re.compile(r"^[A-Za-z0-9_./:-]{1,60}$")
APP_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,29}$")
COHORT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}$")


def screen_field(**kwargs: Any) -> fields.String:
    """The app screen the report comes from, e.g. ``student/attendance``."""
    return Text(strict=True, validate=validate.Regexp(SCREEN_RE, error="1-60 letters, digits or _ . / : -"),
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


__all__ = ["CohortArgsSchema", "UTCDateTime", "app_version_field", "cohort_field", "platform_field", "screen_field"]
