"""Identifier rules, in one place: the SSID, CDS codes, DCFS ids and employee ids are ASCII.

Python's ``\\d``, ``str.isdigit()`` and ``int()`` accept every Unicode decimal digit
(Arabic-Indic ``٠١٢``, fullwidth ``０１２``, Devanagari ...). An SSID written in such digits used
to pass the importer and then fail the API's ``[0-9]`` check, so the child could never be
opened. Every rule here spells its characters out (``[0-9]``, ``[A-Za-z]``) and anchors with
``\\A``/``\\Z`` (``$`` also matches before a trailing newline). The importer
(``source_values``), the user registry, the API (``api.fields``, the search, URL
converters, token subjects) and the seed all call these functions.
"""
from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

SSID_LENGTH = 10
# JSON Schema / OpenAPI form of the SSID rule (ECMA-262 ``$`` matches only at the very end).
SSID_OPENAPI_PATTERN = "^[0-9]{10}$"
SSID_PART_OPENAPI_PATTERN = "^[0-9]{4,10}$"
SSID_PATTERN = re.compile(r"\A[0-9]{10}\Z")
# A search criterion: 4 to 10 digits of a current or retired SSID.
SSID_PART_PATTERN = re.compile(r"\A[0-9]{4,10}\Z")
CDS_CODE_PATTERN = re.compile(r"\A[0-9]{14}\Z")
# The county-district part of a CDS code (2-digit county + 5-digit district).
DISTRICT_PREFIX_PATTERN = re.compile(r"\A[0-9]{7}\Z")
EMPLOYEE_ID_MAX_LENGTH = 20
EMPLOYEE_ID_PATTERN = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,19}\Z")
_DIGITS = re.compile(r"\A[0-9]+\Z")
# models.new_student_key: 16 random bytes, base64url without padding.
STUDENT_KEY_OPENAPI_PATTERN = "^[A-Za-z0-9_-]{22}$"
STUDENT_KEY_PATTERN = re.compile(r"\A[A-Za-z0-9_-]{22}\Z")


def is_ssid(value: object) -> bool:
    """Whether ``value`` is a Statewide Student Identifier: exactly 10 ASCII digits, nothing else."""
    return isinstance(value, str) and SSID_PATTERN.match(value) is not None


def is_ssid_part(value: object) -> bool:
    """Whether ``value`` is 4 to 10 ASCII digits (a partial SSID search criterion)."""
    return isinstance(value, str) and SSID_PART_PATTERN.match(value) is not None


def is_student_key(value: object) -> bool:
    """Whether ``value`` is a well-formed opaque student key (22 base64url characters)."""
    return isinstance(value, str) and STUDENT_KEY_PATTERN.match(value) is not None


def is_cds_code(value: object) -> bool:
    """Whether ``value`` is a 14-digit county-district-school code in ASCII digits."""
    return isinstance(value, str) and CDS_CODE_PATTERN.match(value) is not None


def is_district_prefix(value: object) -> bool:
    """Whether ``value`` is the 7-digit county-district prefix of CDS codes."""
    return isinstance(value, str) and DISTRICT_PREFIX_PATTERN.match(value) is not None


def is_employee_id(value: object) -> bool:
    """Whether ``value`` is a DCFS employee id: ASCII letters and digits, then also ``-``/``_``, 1-20 long."""
    return isinstance(value, str) and EMPLOYEE_ID_PATTERN.match(value) is not None


def is_ascii_digits(value: object, *, min_length: int = 1, max_length: int | None = None) -> bool:
    """Whether ``value`` is a run of ASCII digits ``0-9`` of the given length (no sign, no ``_``)."""
    if not isinstance(value, str) or _DIGITS.match(value) is None:
        return False
    return len(value) >= min_length and (max_length is None or len(value) <= max_length)


class AsciiIntegerConverter(IntegerConverter):
    """Flask's ``<int:...>`` URL converter with ASCII digits only.

    Werkzeug's converter matches ``\\d+`` and converts with ``int()``, so ``/issues/%D9%A1``
    (Arabic-Indic one) reached the view as id 1. Installed as ``int`` in ``create_app``.
    """

    regex = r"[0-9]+"
