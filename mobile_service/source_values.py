"""Strict parsers of single source values (CSV cells, registry input); each returns the clean value or raises :class:`FieldError`.

Code sets come from the CALPADS Data Guide (see docs/reference calpads-digest sections 3 and 8)
and the data design (data.md). Every parser rejects NUL bytes and over-long values, so nothing
that PostgreSQL or SQLite would choke on reaches a statement.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from mobile_service import identifiers
from mobile_service.education.codes import EXIT_CODES

ENROLLMENT_STATUSES = frozenset({"10", "20", "30", "40", "50"})
GRADE_LEVELS = frozenset({"IN", "TD", "PS", "TK", "KN", "AD", "UE", "US", "UU",
                          *(f"{n:02d}" for n in range(1, 13))})
# CALPADS "Student Exit Category" (Guide Appendix C): the one table in education/codes.py,
# retired codes included (the row check refuses them on exits after their retirement).
EXIT_REASON_CODES = frozenset(EXIT_CODES)
# Progress-report marks accepted from districts: letter grades with +/- and pass/credit codes.
MARKS = frozenset({
    "A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F",
    "P", "NP", "I", "IP", "W", "CR", "NC",
})
CASE_STATUSES = frozenset({"open", "closed"})
ROLES = ("csw", "scsw", "pilot_coordinator", "admin", "eps_support")
_TRUE = frozenset({"y", "yes", "true", "1", "t"})
_FALSE = frozenset({"n", "no", "false", "0", "f"})

# Every pattern spells out ASCII [0-9]: ``\d`` would accept Arabic-Indic or fullwidth digits
# (see mobile_service/identifiers.py, which holds the identifier rules themselves).
_YEAR = re.compile(r"([0-9]{4})-([0-9]{2})\Z")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\Z")
_INT = re.compile(r"[0-9]{1,6}\Z")
_DECIMAL = re.compile(r"[0-9]{1,3}(\.[0-9]{1,2})?\Z|\.[0-9]{1,2}\Z")
_COORDINATE = re.compile(r"[-+]?([0-9]{1,3}(\.[0-9]{0,15})?|\.[0-9]{1,15})\Z")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\Z")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
_PHONE = re.compile(r"[0-9()+.\- x]{7,30}\Z")
_ZIP = re.compile(r"[0-9]{5}(-[0-9]{4})?\Z")
NOT_ASCII_DIGITS = "must be ASCII digits 0-9 (other scripts' digits are not accepted)"
MIN_YEAR, MAX_YEAR = 1900, 2100


class FieldError(ValueError):
    """A value that does not satisfy its column's rule; the message is the reason."""


def text(value: str, *, max_length: int, required: bool = True) -> str | None:
    """Trimmed text of at most ``max_length`` characters without control characters."""
    value = value.strip()
    if "\x00" in value:
        raise FieldError("contains a NUL byte")
    if not value:
        if required:
            raise FieldError("is required")
        return None
    if len(value) > max_length:
        raise FieldError(f"is too long ({len(value)} characters, at most {max_length})")
    if any(ord(ch) < 32 for ch in value):
        raise FieldError("contains a control character")
    return value


def _digit_reason(value: str, reason: str) -> str:
    """``reason``, or the ASCII rule when the value is made of non-ASCII digits."""
    if any(ch.isdigit() and not "0" <= ch <= "9" for ch in value):
        return f"{reason}; {NOT_ASCII_DIGITS}"
    return reason


def ssid(value: str) -> str:
    """A 10-digit Statewide Student Identifier (the rule of ``identifiers.is_ssid``)."""
    value = value.strip()
    if not identifiers.is_ssid(value):
        raise FieldError(_digit_reason(value, "must be exactly 10 digits"))
    return value


def cds_code(value: str) -> str:
    """A 14-digit county-district-school code."""
    value = value.strip()
    if not identifiers.is_cds_code(value):
        raise FieldError(_digit_reason(value, "must be exactly 14 digits"))
    return value


def employee_id(value: str, *, required: bool = True) -> str | None:
    """A DCFS employee id (``identifiers.is_employee_id``), kept as given."""
    value = value.strip()
    if not value:
        if required:
            raise FieldError("is required")
        return None
    if len(value) > identifiers.EMPLOYEE_ID_MAX_LENGTH:
        raise FieldError(f"is too long (at most {identifiers.EMPLOYEE_ID_MAX_LENGTH} characters)")
    if not identifiers.is_employee_id(value):
        raise FieldError(_digit_reason(value, "may only contain ASCII letters, digits, '-' and '_'"))
    return value


def academic_year(value: str) -> str:
    """An academic year like ``2025-26`` (two consecutive years)."""
    value = value.strip()
    match = _YEAR.match(value)
    if not match:
        raise FieldError(_digit_reason(value, "must look like 2025-26"))
    first = int(match.group(1))
    if not MIN_YEAR <= first < MAX_YEAR or (first + 1) % 100 != int(match.group(2)):
        raise FieldError("must name two consecutive years, like 2025-26")
    return value


def date(value: str, *, required: bool = True) -> dt.date | None:
    """A date as ``YYYY-MM-DD`` or ``MM/DD/YYYY``."""
    value = value.strip()
    if not value:
        if required:
            raise FieldError("is required")
        return None
    try:
        if _ISO_DATE.match(value):
            parsed = dt.date.fromisoformat(value)
        else:
            match = _US_DATE.match(value)
            if not match:
                raise FieldError(_digit_reason(value, "must be a date as YYYY-MM-DD or MM/DD/YYYY"))
            parsed = dt.date(int(match.group(3)), int(match.group(1)), int(match.group(2)))
    except ValueError as exc:
        if isinstance(exc, FieldError):
            raise
        raise FieldError("is not a real calendar date") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise FieldError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return parsed


def local_code(value: str, *, max_length: int) -> str:
    """A district's own code (term, course code): text, but any digits in it are ASCII."""
    value = text(value, max_length=max_length)
    if any(ch.isdigit() and not "0" <= ch <= "9" for ch in value):
        raise FieldError(NOT_ASCII_DIGITS)
    return value


def choice(value: str, allowed: frozenset[str] | tuple[str, ...], *, upper: bool = True,
           required: bool = True) -> str | None:
    """One value of a code set (compared upper- or lower-cased)."""
    value = value.strip()
    if not value:
        if required:
            raise FieldError("is required")
        return None
    value = value.upper() if upper else value.lower()
    if value not in allowed:
        shown = ", ".join(sorted(allowed)) if len(allowed) <= 12 else "the documented code list"
        raise FieldError(f"{value[:20]!r} is not one of {shown}")
    return value


def grade_level(value: str) -> str:
    """A CALPADS grade level; ``1``-``12`` are normalized to ``01``-``12``."""
    value = value.strip().upper()
    if identifiers.is_ascii_digits(value, max_length=2) and 1 <= int(value) <= 12:
        return f"{int(value):02d}"
    if value not in GRADE_LEVELS:
        raise FieldError(f"{value[:20]!r} is not a grade level (IN TD PS TK KN 01-12 AD UE US UU)")
    return value


def count(value: str, *, required: bool = True, maximum: int = 366) -> int:
    """A non-negative whole number of days (blank means 0 when not required)."""
    value = value.strip()
    if not value:
        if required:
            raise FieldError("is required")
        return 0
    if not _INT.match(value):
        raise FieldError(_digit_reason(value, "must be a non-negative whole number"))
    number = int(value)
    if number > maximum:
        raise FieldError(f"must be at most {maximum}")
    return number


def credits(value: str) -> Decimal | None:
    """Non-negative credits with at most two decimals (blank means not given)."""
    value = value.strip()
    if not value:
        return None
    if not _DECIMAL.match(value):
        raise FieldError(_digit_reason(value, "must be a non-negative number with at most 2 decimals, below 1000"))
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise FieldError("is not a number") from None


def coordinate(value: str, *, limit: float) -> float | None:
    """A latitude or longitude in decimal degrees (blank means unknown)."""
    value = value.strip()
    if not value:
        return None
    if len(value) > 20:
        raise FieldError("is too long")
    # float() alone would also take "١٢", "1_0", "nan" and "1e2".
    if not _COORDINATE.match(value):
        raise FieldError(_digit_reason(value, "must be a decimal number of degrees"))
    number = float(value)
    if not -limit <= number <= limit:  # also rejects nan and inf
        raise FieldError(f"must be between -{limit:g} and {limit:g}")
    return number


def boolean(value: str, *, required: bool = True, default: bool = False) -> bool:
    """Y/N, yes/no, true/false or 1/0."""
    value = value.strip().lower()
    if not value:
        if required:
            raise FieldError("is required (Y or N)")
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FieldError("must be Y/N, true/false or 1/0")


def email(value: str, *, required: bool = True) -> str | None:
    """An e-mail address, lower-cased."""
    value = value.strip()
    if not value:
        if required:
            raise FieldError("is required")
        return None
    if len(value) > 254 or not _EMAIL.match(value):
        raise FieldError("is not an e-mail address")
    return value.lower()


def code(value: str, *, max_length: int, required: bool = True, upper: bool = True) -> str | None:
    """An identifier-like code: letters, digits, ``-`` and ``_``."""
    value = value.strip()
    if not value:
        if required:
            raise FieldError("is required")
        return None
    if len(value) > max_length:
        raise FieldError(f"is too long (at most {max_length} characters)")
    if not _CODE.match(value):
        raise FieldError(_digit_reason(value, "may only contain ASCII letters, digits, '-' and '_'"))
    return value.upper() if upper else value


def digits(value: str, *, max_length: int, required: bool = False) -> str | None:
    """A string of digits such as a foster client id."""
    value = value.strip()
    if not value:
        if required:
            raise FieldError("is required")
        return None
    if not identifiers.is_ascii_digits(value, max_length=max_length):
        raise FieldError(_digit_reason(value, f"must be at most {max_length} digits"))
    return value


def phone(value: str) -> str | None:
    """A phone number in any common punctuation."""
    value = value.strip()
    if not value:
        return None
    if not _PHONE.match(value):
        raise FieldError(_digit_reason(value, "is not a phone number"))
    return value


def zip_code(value: str) -> str | None:
    """A US ZIP or ZIP+4 code."""
    value = value.strip()
    if not value:
        return None
    if not _ZIP.match(value):
        raise FieldError(_digit_reason(value, "must be a ZIP code like 91766 or 91766-1234"))
    return value


def ssid_list(value: str) -> list[str]:
    """Semicolon-separated SSIDs (retired or replacement numbers of one student)."""
    value = value.strip()
    if not value:
        return []
    if len(value) > 200:
        raise FieldError("lists too many SSIDs")
    result: list[str] = []
    for item in value.split(";"):
        item = item.strip()
        if not item:
            continue
        if not identifiers.is_ssid(item):
            raise FieldError(_digit_reason(item, f"{item[:20]!r} is not a 10-digit SSID"))
        if item not in result:
            result.append(item)
    return result

