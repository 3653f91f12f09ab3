"""Per-kind row parsers: a CSV row becomes a tuple of clean values, or row errors.

A parser is a list of ``(column, parse)`` pairs plus an optional cross-field ``check``. Every
bad column of a row is reported (one pass reports all problems of a file); rows with any
error yield nothing. The loop is the import's hot path, so parsers are plain one-argument
callables bound once per kind.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from mobile_service import source_values as f
from mobile_service.education.codes import EXIT_CODES
from mobile_service.importing.source import ErrorLog
from mobile_service.source_values import FieldError
from mobile_service.travel.placements import PLACEMENT_TYPES

CACHE_SIZE = 4096
Check = Callable[[list[Any]], "list[tuple[str, str]] | None"]


@dataclass(frozen=True)
class RowParser:
    """The columns of a kind in staging order, each with its parser, and a cross-field check."""

    fields: tuple[tuple[str, Callable[[str], Any]], ...]
    check: Check | None = None

    def bind(self, positions: dict[str, int]) -> Callable[[int, list[str], ErrorLog], tuple | None]:
        """A function parsing one raw row (by header positions) into ``(line, *values)``."""
        # Codes, dates and years repeat across rows: remember each column's recent good results.
        plan = [(positions.get(column), column, parse, {}) for column, parse in self.fields]
        check = self.check

        def parse_row(line: int, raw: list[str], log: ErrorLog) -> tuple | None:
            values: list[Any] = [line]
            bad = False
            for index, column, parse, cache in plan:
                text = raw[index] if index is not None else ""
                try:
                    values.append(cache[text])
                    continue
                except KeyError:
                    pass
                try:
                    value = parse(text)
                except FieldError as exc:
                    log.add(line, column, str(exc))
                    bad = True
                    continue
                if len(cache) >= CACHE_SIZE:
                    cache.clear()
                cache[text] = value
                values.append(value)
            if bad:
                return None
            if check is not None:
                problems = check(values)
                if problems:
                    for column, reason in problems:
                        log.add(line, column, reason)
                    return None
            return tuple(values)

        return parse_row


def _text(max_length: int, required: bool = True):
    return partial(f.text, max_length=max_length, required=required)


def _school_check(v: Sequence[Any]) -> list[tuple[str, str]] | None:
    latitude, longitude = v[8], v[9]
    if (latitude is None) != (longitude is None):
        return [("longitude" if longitude is None else "latitude", "latitude and longitude go together")]
    return None


SCHOOL = RowParser((
    ("cds_code", f.cds_code), ("school_name", _text(200)), ("district_name", _text(200)),
    ("address", _text(200, False)), ("city", _text(100, False)), ("zip", f.zip_code), ("phone", f.phone),
    ("latitude", partial(f.coordinate, limit=90)), ("longitude", partial(f.coordinate, limit=180)),
), _school_check)

STUDENT = RowParser((
    ("ssid", f.ssid), ("legal_first_name", _text(100)), ("legal_middle_name", _text(100, False)),
    ("legal_last_name", _text(100)), ("alias_first_name", _text(100, False)), ("alias_last_name", _text(100, False)),
    ("birth_date", f.date), ("gender_code", partial(f.code, max_length=2, required=False)),
    ("primary_language", _text(40, False)), ("foster_client_id", partial(f.digits, max_length=19)),
    ("homeless", partial(f.boolean, required=False, default=False)), ("previous_ssids", f.ssid_list),
))


def _case_check(v: Sequence[Any]) -> list[tuple[str, str]] | None:
    start, end = v[6], v[7]
    if end is not None and end < start:
        return [("assignment_end", "is before assignment_start")]
    holder, relationship, phone = (v[_CASE_POSITION[c]] for c in
                                   ("education_rights_holder", "rights_holder_relationship", "rights_holder_phone"))
    if holder is None and (relationship is not None or phone is not None):
        # A relationship or phone of nobody cannot be shown as anyone's: the file is wrong.
        return [("rights_holder_relationship" if relationship is not None else "rights_holder_phone",
                 "is given without education_rights_holder")]
    return _placement_check(v)


# The optional placement columns (school-of-origin travel plans, DCFS 0900-520.20). The location
# is used only for a distance estimate: a bad value is reported by column, never echoed.
PLACEMENT_FIELDS = (
    ("placement_start_date", partial(f.date, required=False)),
    ("placement_type", partial(f.choice, allowed=PLACEMENT_TYPES, required=False)),
    ("placement_latitude", partial(f.coordinate, limit=90)),
    ("placement_longitude", partial(f.coordinate, limit=180)),
)
PLACEMENT_COLUMNS = tuple(column for column, _ in PLACEMENT_FIELDS)


def _placement_check(v: Sequence[Any]) -> list[tuple[str, str]] | None:
    # By name, so columns other kinds add to the DCFS row keep these checks right.
    start, kind, latitude, longitude = (v[_CASE_POSITION[c]] for c in PLACEMENT_COLUMNS)
    if (latitude is None) != (longitude is None):
        return [("placement_longitude" if longitude is None else "placement_latitude",
                 "placement_latitude and placement_longitude go together")]
    if start is None and (kind is not None or latitude is not None):
        return [("placement_start_date", "is required when a placement type or location is given")]
    return None


DCFS_CASE = RowParser((
    ("ssid", f.ssid), ("case_id", partial(f.digits, max_length=19, required=True)),
    ("case_type", partial(f.code, max_length=20)),
    ("case_status", partial(f.choice, allowed=f.CASE_STATUSES, upper=False)),
    ("csw_employee_id", f.employee_id), ("assignment_start", f.date),
    ("assignment_end", partial(f.date, required=False)), ("education_rights_holder", _text(200, False)),
    # Optional columns: the rest of the education rights holder (issue 16; docs/data-formats.md).
    ("rights_holder_relationship", _text(60, False)), ("rights_holder_phone", f.phone),
    ("jv535_order_date", partial(f.date, required=False)),
    ("parent_rights_limited", partial(f.boolean, required=False, default=None)),
    *PLACEMENT_FIELDS,
), _case_check)
_CASE_POSITION = {column: index + 1 for index, (column, _) in enumerate(DCFS_CASE.fields)}  # after ``line``


def _enrollment_check(v: Sequence[Any]) -> list[tuple[str, str]] | None:
    start, exit_date, reason = v[6], v[7], v[8]
    if exit_date is None and reason is None:
        return None
    if exit_date is not None and exit_date < start:
        return [("exit_date", "is before start_date")]
    if reason is None:
        return [("exit_reason_code", "is required when exit_date is given")]
    if exit_date is None:
        return [("exit_date", "is required when exit_reason_code is given")]
    code = EXIT_CODES[reason]
    if not code.accepts(exit_date):
        return [("exit_reason_code", (f"{reason} was retired after {code.retired_after.isoformat()} "
                                     "(CALPADS Data Guide Appendix C); it is accepted only on older exits"))]
    return None


ENROLLMENT = RowParser((
    ("ssid", f.ssid), ("cds_code", f.cds_code), ("academic_year", f.academic_year),
    ("enrollment_status", partial(f.choice, allowed=f.ENROLLMENT_STATUSES)), ("grade_level", f.grade_level),
    ("start_date", f.date), ("exit_date", partial(f.date, required=False)),
    ("exit_reason_code", partial(f.choice, allowed=f.EXIT_REASON_CODES, required=False)),
), _enrollment_check)

ABSENCE_COLUMNS = ("days_absent_excused", "days_absent_unexcused", "days_suspended_out", "days_suspended_in",
                   "days_incomplete_study")


def _attendance_check(v: Sequence[Any]) -> list[tuple[str, str]] | None:
    expected, attended, excused, unexcused, oss, iss, incomplete = v[5:12]
    if attended > expected:
        return [("days_attended", f"{attended} is more than days_expected ({expected})")]
    if excused + unexcused + oss + incomplete > expected - attended:
        return [("days_absent_excused", ("absence, suspension and incomplete-study days add up to more than "
                                        f"the {expected - attended} days not attended"))]
    if iss > attended:
        return [("days_suspended_in", f"{iss} in-school suspension days exceed days_attended ({attended})")]
    return None


ATTENDANCE = RowParser((
    ("ssid", f.ssid), ("cds_code", f.cds_code), ("academic_year", f.academic_year), ("as_of_date", f.date),
    ("days_expected", f.count), ("days_attended", f.count),
    *((column, partial(f.count, required=False)) for column in ABSENCE_COLUMNS),
), _attendance_check)


def _mark_check(v: Sequence[Any]) -> list[tuple[str, str]] | None:
    attempted, earned = v[9], v[10]
    if attempted is not None and earned is not None and earned > attempted:
        return [("credits_earned", f"{earned} is more than credits_attempted ({attempted})")]
    return None


PROGRESS_MARK = RowParser((
    ("ssid", f.ssid), ("cds_code", f.cds_code), ("academic_year", f.academic_year), ("term", partial(f.local_code, max_length=20)),
    ("report_date", f.date), ("course_code", partial(f.local_code, max_length=20)), ("course_title", _text(120)),
    ("mark", partial(f.choice, allowed=f.MARKS)), ("credits_attempted", f.credits), ("credits_earned", f.credits),
), _mark_check)


def _user_check(v: Sequence[Any]) -> list[tuple[str, str]] | None:
    email, role, employee_id, supervisor = v[1], v[3], v[4], v[6]
    problems = []
    if role in ("csw", "scsw") and employee_id is None:
        problems.append(("dcfs_employee_id", f"is required for role {role}"))
    if supervisor is not None and role != "csw":
        problems.append(("supervisor_email", "only a csw has a supervisor"))
    elif supervisor is not None and supervisor == email:
        problems.append(("supervisor_email", "a user cannot supervise themself"))
    return problems or None


USER = RowParser((
    ("email", f.email), ("display_name", _text(200)), ("role", partial(f.choice, allowed=f.ROLES, upper=False)),
    ("dcfs_employee_id", partial(f.employee_id, required=False)),
    ("office", _text(100, False)), ("supervisor_email", partial(f.email, required=False)),
    ("pilot_cohort", _text(60, False)), ("active", f.boolean),
), _user_check)
