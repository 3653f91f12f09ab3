"""Students: SSID aliases and grams, name parts, SSID replacement, derived foster status."""
from __future__ import annotations

import datetime as dt

import pytest

from mobile_service import clock
from mobile_service.importing import ImportRejected, run_import
from mobile_service.text import ssid_grams
from tests.importing.import_helpers import STUDENTS, count, rows

CASES_HEADER = ("ssid,case_id,case_type,case_status,csw_employee_id,assignment_start,assignment_end,"
                "education_rights_holder")


def _student_id(ssid: str) -> int:
    return rows("SELECT student_id FROM student_ssids WHERE ssid = :s", s=ssid)[0][0]


def test_retired_ssids_are_kept_with_grams(ctx, loaded):
    maria = _student_id("1234567890")

    assert sorted(rows("SELECT ssid, is_primary FROM student_ssids WHERE student_id = :i", i=maria)) == [
        ("1111111111", False), ("1234567890", True), ("2222222222", False)]
    for ssid in ("1234567890", "1111111111", "2222222222"):
        grams = {r[0] for r in rows("SELECT gram FROM ssid_grams WHERE ssid = :s AND student_id = :i",
                                    s=ssid, i=maria)}
        assert grams == ssid_grams(ssid)


def test_name_parts_of_accented_and_hyphenated_names(ctx, loaded):
    def parts(ssid):
        return sorted(rows("SELECT field, part FROM student_name_parts WHERE student_id = :i", i=_student_id(ssid)))

    assert parts("1234567890") == [("first", "jose"), ("first", "maria"), ("first", "mariajose"),
                                   ("last", "cruz"), ("last", "de"), ("last", "delacruz"), ("last", "la")]
    assert parts("2345678901") == [("alias_first", "tommy"), ("first", "tom"), ("last", "jones"),
                                   ("last", "smith"), ("last", "smithjones")]
    assert rows("SELECT first_name_key, last_name_key FROM students WHERE ssid = '1234567890'") == [
        ("mariajose", "delacruz")]


def test_name_change_replaces_index_rows(ctx, loaded, csv_file):
    run_import("students", csv_file(STUDENTS.replace("García", "Smith-Jones"), "s2.csv"))

    ana = _student_id("3456789012")
    assert sorted(r[0] for r in rows("SELECT part FROM student_name_parts WHERE student_id = :i AND field = 'last'",
                                     i=ana)) == ["jones", "smith", "smithjones"]


def test_replacement_ssid_keeps_finding_the_child(ctx, loaded, csv_file):
    # CALPADS replaced Ana's SSID 3456789012 by 5555555555: the row names the new primary SSID.
    updated = STUDENTS.replace("3456789012,Ana,,García,,,2012-01-02,F,Spanish,,N,",
                               "5555555555,Ana,,García,,,2012-01-02,F,Spanish,,N,3456789012")
    ana = _student_id("3456789012")

    result = run_import("students", csv_file(updated, "s2.csv"))

    assert (result.inserted, result.updated) == (0, 1)
    assert rows("SELECT ssid FROM students WHERE id = :i", i=ana) == [("5555555555",)]
    assert sorted(rows("SELECT ssid, is_primary FROM student_ssids WHERE student_id = :i", i=ana)) == [
        ("3456789012", False), ("5555555555", True)]
    assert count("ssid_grams", "ssid = '5555555555' AND student_id = :i", i=ana) == 1
    assert count("students") == 3


def test_new_retired_ssid_alone_counts_as_an_update(ctx, loaded, csv_file):
    updated = STUDENTS.replace("2012-01-02,F,Spanish,,N,", "2012-01-02,F,Spanish,,N,7777777777")

    result = run_import("students", csv_file(updated, "s2.csv"))

    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    assert _student_id("7777777777") == _student_id("3456789012")


def test_ssids_of_two_children_in_one_row_are_rejected(ctx, loaded, csv_file):
    updated = STUDENTS.replace("2012-01-02,F,Spanish,,N,", "2012-01-02,F,Spanish,,N,2345678901")

    with pytest.raises(ImportRejected) as rejected:
        run_import("students", csv_file(updated, "s2.csv"))

    assert "line 3: ssid: SSID 2345678901 also appears on line 3" not in rejected.value.errors
    assert any(e.startswith("line 4: previous_ssids: ") for e in rejected.value.errors)


def test_two_rows_for_one_child_via_retired_ssid_are_rejected(ctx, loaded, csv_file):
    extra = STUDENTS.replace("1111111111;2222222222", "") + "1111111111,Maria,,Cruz,,,2010-05-06,F,Spanish,,N,\n"

    with pytest.raises(ImportRejected) as rejected:
        run_import("students", csv_file(extra, "s2.csv"))

    assert rejected.value.errors == ["line 5: ssid: same student as line 2 (through a retired SSID)"]


def test_ssid_repeated_in_the_file_is_rejected(ctx, csv_file):
    extra = STUDENTS + "1111111111,Maria,,Cruz,,,2010-05-06,F,Spanish,,N,\n"

    with pytest.raises(ImportRejected) as rejected:
        run_import("students", csv_file(extra, "s2.csv"))

    assert rejected.value.errors == ["line 5: ssid: SSID 1111111111 also appears on line 2"]


def _cases(csv_file, *lines: str) -> None:
    run_import("dcfs-cases", csv_file(CASES_HEADER + "\n" + "\n".join(lines) + "\n", "cases.csv"))


def _status(ssid: str) -> tuple:
    return rows("SELECT foster_status, case_type, education_rights_holder FROM students WHERE ssid = :s", s=ssid)[0]


def test_foster_status_follows_open_cases(ctx, loaded, csv_file, frozen_clock):
    _cases(csv_file,
           "1234567890,0000000000000000001,FR,open,E000001,2025-01-01,,Maria's mother",
           "2345678901,0000000000000000002,KIN-GAP,open,E000001,2025-01-01,,Grandmother",
           "3456789012,0000000000000000003,FR,closed,E000001,2024-01-01,2025-06-30,Foster parent")

    assert _status("1234567890") == ("active", "FR", "Maria's mother")
    assert _status("2345678901") == ("inactive", "KIN-GAP", "Grandmother")
    assert _status("3456789012") == ("inactive", None, None)


def test_voluntary_and_expired_cases_are_inactive(ctx, loaded, csv_file, frozen_clock):
    yesterday = (frozen_clock.date() - dt.timedelta(days=1)).isoformat()
    _cases(csv_file,
           "1234567890,0000000000000000001,VOLUNTARY,open,E000001,2025-01-01,,",
           f"2345678901,0000000000000000002,FR,open,E000001,2025-01-01,{yesterday},",
           f"3456789012,0000000000000000003,FR,open,E000001,2025-01-01,{frozen_clock.date().isoformat()},ERH")

    assert _status("1234567890")[0] == "inactive"
    assert _status("2345678901")[0] == "inactive"
    assert _status("3456789012") == ("active", "FR", "ERH")


def test_closing_the_case_makes_the_student_inactive(ctx, loaded, csv_file, frozen_clock):
    _cases(csv_file, "1234567890,0000000000000000001,FR,open,E000001,2025-01-01,,Parent")
    assert _status("1234567890")[0] == "active"

    _cases(csv_file, "1234567890,0000000000000000001,FR,closed,E000001,2025-01-01,2026-09-30,Parent")

    assert _status("1234567890") == ("inactive", None, None)


def test_open_fr_case_wins_over_kin_gap(ctx, loaded, csv_file, frozen_clock):
    _cases(csv_file,
           "1234567890,0000000000000000001,FR,open,E000001,2025-01-01,,Parent",
           "1234567890,0000000000000000009,KIN-GAP,open,E000001,2026-02-01,,Aunt")

    assert _status("1234567890") == ("active", "FR", "Parent")


def test_students_reload_keeps_foster_status(ctx, loaded, csv_file, frozen_clock):
    _cases(csv_file, "1234567890,0000000000000000001,FR,open,E000001,2025-01-01,,Parent")

    result = run_import("students", csv_file(STUDENTS, "again.csv"))

    assert result.unchanged == 3
    assert _status("1234567890")[0] == "active"
    assert clock.today() == frozen_clock.date()


def _part_flags(ssid: str) -> set:
    """The name walk's copies of the student's status, one per name part."""
    return {r[0] for r in rows("SELECT active FROM student_name_parts WHERE student_id = :i", i=_student_id(ssid))}


def test_name_parts_follow_foster_status_through_every_load(ctx, loaded, csv_file, frozen_clock):
    """``student_name_parts.active`` (the name walk's partial index) mirrors ``foster_status``."""
    assert {bool(f) for ssid in ("1234567890", "2345678901", "3456789012") for f in _part_flags(ssid)} == {False}

    _cases(csv_file, "1234567890,0000000000000000001,FR,open,E000001,2025-01-01,,Parent",
           "2345678901,0000000000000000002,KIN-GAP,open,E000001,2025-01-01,,Grandmother")
    assert {bool(f) for f in _part_flags("1234567890")} == {True}
    assert {bool(f) for f in _part_flags("2345678901")} == {False}  # KIN-GAP: not active

    # A renamed active student gets new parts, already flagged; the unchanged ones keep theirs.
    renamed = STUDENTS.replace("María José,,De La Cruz", "María José,,Cruz Ortega")
    run_import("students", csv_file(renamed, "renamed.csv"))
    parts = rows("SELECT part, active FROM student_name_parts WHERE student_id = :i", i=_student_id("1234567890"))
    assert {p for p, _ in parts} >= {"ortega", "cruzortega"} and {bool(a) for _, a in parts} == {True}

    _cases(csv_file, "1234567890,0000000000000000001,FR,closed,E000001,2025-01-01,2026-09-30,Parent")
    assert {bool(f) for f in _part_flags("1234567890")} == {False}
    everywhere = rows("SELECT COUNT(*) FROM student_name_parts p JOIN students s ON s.id = p.student_id "
                      "WHERE p.active <> (s.foster_status = 'active')")
    assert everywhere == [(0,)]


def test_new_students_get_random_keys_that_updates_and_ssid_replacements_keep(ctx, loaded, csv_file):
    """The opaque key of record URLs (migration 0005): assigned on insert, never changed, not from the SSID."""
    import re

    before = dict(rows("SELECT id, student_key FROM students"))
    assert before and all(re.fullmatch(r"[A-Za-z0-9_-]{22}", key) for key in before.values())
    assert len(set(before.values())) == len(before)
    for ssid, key in rows("SELECT ssid, student_key FROM students"):
        assert ssid not in key and ssid[-6:] not in key
    # A renamed child with a replacement SSID, then an unchanged re-import plus a new child.
    renamed = STUDENTS.replace("3456789012,Ana,,García,,,2012-01-02,F,Spanish,,N,",
                               "5555555555,Ana,,Smith-Jones,,,2012-01-02,F,Spanish,,N,3456789012")
    assert run_import("students", csv_file(renamed, "s2.csv")).updated == 1
    grown = renamed + "6666666666,Noa,,Park,,,2013-03-03,F,English,,N,\n"
    assert run_import("students", csv_file(grown, "s3.csv")).inserted == 1
    after = dict(rows("SELECT id, student_key FROM students"))
    assert {i: after[i] for i in before} == before
    [(new_key,)] = rows("SELECT student_key FROM students WHERE ssid = '6666666666'")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", new_key) and new_key not in before.values()
