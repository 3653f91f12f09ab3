"""Identifiers are ASCII digits everywhere (issue 12, item 3), with one SSID rule (mobile_service/identifiers.py).

Python's ``\\d``, ``isdigit()`` and ``int()`` take Arabic-Indic (``٠١٢``) and fullwidth (``０１２``)
digits. An SSID in such digits used to import and then be refused by the API, so the child could
never be opened. Every identifier column of every kind now rejects them, and the whole file with
them (all or nothing).
"""
from __future__ import annotations

import pytest

from mobile_service import identifiers
from mobile_service.importing import ImportRejected, run_import
from tests.importing.import_helpers import SCHOOLS, STUDENTS, count, snapshot
from tests.importing.test_import_kinds import CASES

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
EXTENDED_ARABIC = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SCRIPTS = {"arabic-indic": ARABIC_INDIC, "fullwidth": FULLWIDTH, "extended-arabic-indic": EXTENDED_ARABIC}

# Kind -> every column of its first good row that holds digits (identifiers, dates, counts, codes).
COLUMNS = {
    "schools": ("cds_code", "zip", "phone", "latitude", "longitude"),
    "students": ("ssid", "birth_date", "foster_client_id", "previous_ssids"),
    "dcfs-cases": ("ssid", "case_id", "csw_employee_id", "assignment_start"),
    "enrollments": ("ssid", "academic_year", "cds_code", "enrollment_status", "grade_level", "start_date"),
    "attendance": ("ssid", "academic_year", "cds_code", "as_of_date", "days_expected", "days_attended",
                   "days_absent_excused"),
    "progress-reports": ("ssid", "academic_year", "cds_code", "term", "report_date", "course_code",
                         "credits_attempted"),
    "users": ("dcfs_employee_id",),
}
# Columns whose message names the ASCII rule (code lists just say the value is not a code).
SAYS_ASCII = {"ssid", "cds_code", "case_id", "csw_employee_id", "dcfs_employee_id", "foster_client_id",
              "previous_ssids", "birth_date", "assignment_start", "start_date", "as_of_date", "report_date",
              "academic_year", "zip", "phone", "latitude", "longitude", "days_expected", "days_attended",
              "days_absent_excused", "term", "course_code", "credits_attempted"}
CELLS = [(kind, column) for kind, columns in COLUMNS.items() for column in columns]


def _with_foreign_digits(kind: str, column: str, table: dict) -> str:
    lines = CASES[kind].good.splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    index = header.index(column)
    assert any(ch.isdigit() for ch in row[index]), (kind, column, row[index])
    row[index] = row[index].translate(table)
    return "\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n"


@pytest.mark.parametrize("script", sorted(SCRIPTS))
@pytest.mark.parametrize(("kind", "column"), CELLS)
def test_non_ascii_digits_reject_the_file(ctx, csv_file, kind, column, script):
    if CASES[kind].needs_prerequisites:
        run_import("schools", csv_file(SCHOOLS, "schools.csv"))
        run_import("students", csv_file(STUDENTS, "students.csv"))
    before = snapshot()
    with pytest.raises(ImportRejected) as rejected:
        run_import(kind, csv_file(_with_foreign_digits(kind, column, SCRIPTS[script]), f"{kind}.csv"))
    errors = [e for e in rejected.value.errors if e.startswith(f"line 2: {column}: ")]
    assert errors, rejected.value.errors
    if column in SAYS_ASCII:
        assert "ASCII" in errors[0], errors
    assert snapshot() == before


def test_an_arabic_indic_ssid_no_longer_imports(ctx, csv_file):
    arabic = "١٢٣٤٥٦٧٨٩٠"
    header = STUDENTS.splitlines()[0]
    with pytest.raises(ImportRejected) as rejected:
        run_import("students", csv_file(f"{header}\n{arabic},Ana,,García,,,2012-01-02,F,Spanish,,N,\n"))
    assert rejected.value.errors == [
        "line 2: ssid: must be exactly 10 digits; must be ASCII digits 0-9 (other scripts' digits are not accepted)"]
    assert count("students") == 0


@pytest.mark.parametrize("value", ["1234567890", "0000000000"])
def test_the_ssid_rule_accepts_ten_ascii_digits(value):
    assert identifiers.is_ssid(value)


@pytest.mark.parametrize("value", ["١٢٣٤٥٦٧٨٩٠", "１２３４５６７８９０", "123456789０", "1234567890\n", " 1234567890",
                                   "123456789", "12345678901", "12345_6789", "+123456789", "", None, 1234567890])
def test_the_ssid_rule_refuses_everything_else(value):
    assert not identifiers.is_ssid(value)


def test_the_digit_rules_are_ascii():
    assert identifiers.is_cds_code("19647331932334") and not identifiers.is_cds_code("1964733193233٤")
    assert identifiers.is_district_prefix("1964733") and not identifiers.is_district_prefix("１964733")
    assert identifiers.is_employee_id("E000001") and not identifiers.is_employee_id("E00000١")
    assert not identifiers.is_employee_id("Ｅ000001") and not identifiers.is_employee_id("E0000010000000000000X")
    assert identifiers.is_ascii_digits("42") and not identifiers.is_ascii_digits("٤٢")
    assert not identifiers.is_ascii_digits("4_2") and not identifiers.is_ascii_digits("42\n")
    assert identifiers.is_ascii_digits("42", max_length=2) and not identifiers.is_ascii_digits("421", max_length=2)
