"""Whole-file rules: header, encoding, empty files, date formats, malformed rows, the error cap."""
from __future__ import annotations

import pytest

from mobile_service.importing import ImportRejected, run_import
from tests.importing.import_helpers import count, rows, snapshot

HEADER = "cds_code,school_name,district_name,address,city,zip,phone,latitude,longitude"
ROW = "19647331932334,Pomona High,Pomona Unified,475 Bangor St,Pomona,91767,909-397-4800,34.07,-117.75"
ENROLL_HEADER = "ssid,academic_year,cds_code,enrollment_status,grade_level,start_date,exit_date,exit_reason_code"


def _reject(kind, path) -> list[str]:
    with pytest.raises(ImportRejected) as rejected:
        run_import(kind, path)
    return rejected.value.errors


def test_missing_header_column_rejects_before_writing(ctx, csv_file):
    path = csv_file("cds_code,school_name,address,city,zip,phone,latitude\n" + "1,2,3,4,5,6,7\n")

    errors = _reject("schools", path)

    assert errors == ["line 1: header: missing required column(s): district_name, longitude"]
    assert count("schools") == 0 and count("source_loads") == 0


def test_missing_header_column_through_the_cli(ctx, runner, csv_file):
    path = csv_file("ssid,academic_year\n1234567890,2025-26\n")

    result = runner.invoke(args=["import", "enrollments", str(path)])

    assert result.exit_code == 1
    assert "missing required column(s): cds_code, enrollment_status" in result.output


def test_extra_columns_and_column_order_do_not_matter(ctx, csv_file):
    path = csv_file("note,longitude,latitude,phone,zip,city,address,district_name,school_name,cds_code\n"
                    "hello,-117.75,34.07,,91767,Pomona,,Pomona Unified,Pomona High,19647331932334\n")

    result = run_import("schools", path)

    assert result.inserted == 1
    assert rows("SELECT name, zip, latitude FROM schools") == [("Pomona High", "91767", 34.07)]


def test_byte_order_mark_is_accepted(ctx, csv_file):
    path = csv_file(("\ufeff" + HEADER + "\r\n" + ROW + "\r\n").encode("utf-8"))

    assert run_import("schools", path).inserted == 1


def test_non_utf8_file_is_rejected(ctx, runner, csv_file):
    path = csv_file((HEADER + "\n" + ROW.replace("Pomona High", "Pomoña High") + "\n").encode("latin-1"))

    errors = _reject("schools", path)
    result = runner.invoke(args=["import", "schools", str(path)])

    assert errors[0].startswith("line 2: file is not UTF-8 text")
    assert result.exit_code == 1 and "not UTF-8" in result.output
    assert count("schools") == 0


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \n"])
def test_empty_file_is_rejected(ctx, runner, csv_file, content):
    path = csv_file(content)

    result = runner.invoke(args=["import", "schools", str(path)])

    assert result.exit_code == 1
    assert "file: is empty" in result.output


def test_header_only_file_loads_nothing(ctx, csv_file):
    result = run_import("schools", csv_file(HEADER + "\n"))

    assert (result.total, result.inserted) == (0, 0)
    assert count("source_loads") == 1


def test_us_dates_are_accepted(ctx, loaded, csv_file):
    path = csv_file(ENROLL_HEADER + "\n1234567890,2025-26,19647331932334,10,9,08/12/2025,1/5/2026,T160\n")

    run_import("enrollments", path)

    assert [tuple(str(v) for v in r) for r in rows("SELECT start_date, exit_date FROM enrollments")] == \
        [("2025-08-12", "2026-01-05")]


@pytest.mark.parametrize("value,reason", [
    ("2025-02-30", "is not a real calendar date"),
    ("13/01/2025", "is not a real calendar date"),
    ("2025/08/12", "must be a date as YYYY-MM-DD or MM/DD/YYYY"),
    ("1850-01-01", "year must be between"),
])
def test_bad_dates(ctx, loaded, csv_file, value, reason):
    path = csv_file(ENROLL_HEADER + f"\n1234567890,2025-26,19647331932334,10,9,{value},,\n")

    errors = _reject("enrollments", path)

    assert errors[0].startswith(f"line 2: start_date: {reason}")


def test_field_count_mismatch_nul_bytes_and_absurd_lengths(ctx, csv_file):
    long_name = "x" * 5000
    path = csv_file(HEADER + "\n"
                    + "19647331932334,Pomona High\n"
                    + "19647331932335,Pom\x00ona,Pomona Unified,,,,,,\n"
                    + f"19647331932336,{long_name},Pomona Unified,,,,,,\n"
                    + "1964733193233\x00,School,Pomona Unified,,,,,,\n")

    errors = _reject("schools", path)

    assert errors == [
        "line 2: row: has 2 fields but the header has 9",
        "line 3: school_name: contains a NUL byte",
        "line 4: school_name: is too long (5000 characters, at most 200)",
        "line 5: cds_code: must be exactly 14 digits",
    ]


def test_line_numbers_are_physical_lines(ctx, csv_file):
    path = csv_file(HEADER + "\n"
                    + '19647331932334,"Pomona\nHigh",Pomona Unified,,,,,,\n'
                    + "\n"
                    + "1964733193233,Bad,Pomona Unified,,,,,,\n")

    errors = _reject("schools", path)

    # The quoted field spans lines 2-3 (and a line break is no part of a name); line 4 is blank.
    assert errors == ["line 2: school_name: contains a control character",
                      "line 5: cds_code: must be exactly 14 digits"]


def test_error_list_is_capped(ctx, csv_file):
    path = csv_file(HEADER + "\n" + "".join(f"{n},School,District,,,,,,\n" for n in range(60)))

    with pytest.raises(ImportRejected) as rejected:
        run_import("schools", path, max_errors=5)

    errors = rejected.value.errors
    assert errors[:5] == [f"line {n}: cds_code: must be exactly 14 digits" for n in range(2, 7)]
    assert errors[5] == "... and 55 more"


def test_broken_quote_is_reported(ctx, csv_file):
    path = csv_file(HEADER + "\n" + ROW + "\n" + '19647331932335,"Unclosed,Pomona Unified,,,,,,\n')

    errors = _reject("schools", path)

    assert errors[0].startswith("line 3: row:")
    assert count("schools") == 0


def test_unknown_kind_and_missing_file(ctx, tmp_path):
    with pytest.raises(ImportRejected, match="kind"):
        run_import("grades", tmp_path / "x.csv")
    with pytest.raises(ImportRejected, match="cannot be read"):
        run_import("schools", tmp_path / "missing.csv")


def test_rejected_file_leaves_database_exactly_as_before(ctx, loaded, csv_file):
    before = snapshot()
    # Valid rows first, then one bad row at the end: nothing of the valid rows may remain.
    good = "".join(f"1234567890,2025-26,19647331932334,10,09,2025-08-{d:02d},,\n" for d in range(1, 20))
    path = csv_file(ENROLL_HEADER + "\n" + good + "1234567890,2025-26,19647331932334,10,09,2025-09-01,,E999\n")

    errors = _reject("enrollments", path)

    assert errors == ["line 21: exit_reason_code: 'E999' is not one of the documented code list"]
    assert snapshot() == before


def test_progress_bar_is_written_to_stderr_for_large_files(ctx, loaded, csv_file, capsys):
    body = "".join(f"1234567890,2025-26,19647331932334,10,09,{2000 + n // 365:04d}-01-01,,\n"
                   for n in range(1))
    path = csv_file(ENROLL_HEADER + "\n" + body + "\n" * 10_050)

    run_import("enrollments", path, progress=True)

    captured = capsys.readouterr()
    assert "import enrollments" in captured.err
    assert captured.out == ""


def test_exit_codes_come_from_the_one_table_with_retired_codes_only_on_old_exits(ctx, loaded, csv_file):
    """T270, T310, T460: "retired at the end of the 2017–18 school year" (Guide Appendix C).

    The importer reads the codes of ``education/codes.py`` (no list of its own); a retired code
    loads on an exit up to 30 June 2018 and is a row error on a later exit.
    """
    from mobile_service.education.codes import EXIT_CODES
    from mobile_service.source_values import EXIT_REASON_CODES

    assert frozenset(EXIT_CODES) == EXIT_REASON_CODES
    old = csv_file(ENROLL_HEADER + "\n1234567890,2017-18,19647331932334,10,09,2017-08-14,2018-03-02,T310\n"
                   "1234567890,2017-18,19647330000001,10,09,2018-03-05,2018-06-08,t460\n")
    result = run_import("enrollments", old)
    assert result.inserted == 2
    late = csv_file(ENROLL_HEADER + "\n1234567890,2025-26,19647331932334,10,09,2025-08-14,2025-10-02,T270\n")
    before = snapshot()
    errors = _reject("enrollments", late)
    assert errors == [("line 2: exit_reason_code: T270 was retired after 2018-06-30 (CALPADS Data Guide "
                      "Appendix C); it is accepted only on older exits")]
    assert snapshot() == before
