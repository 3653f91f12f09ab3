"""``flask recompute-status``: the daily re-derivation of foster status as the calendar moves."""
from __future__ import annotations

import datetime as dt

from mobile_service.importing import run_import
from tests.importing.import_helpers import rows
from tests.importing.test_import_students import CASES_HEADER


def _state(ssid: str) -> tuple[str, set]:
    status = rows("SELECT foster_status FROM students WHERE ssid = :s", s=ssid)[0][0]
    flags = {bool(r[0]) for r in rows("SELECT p.active FROM student_name_parts p JOIN students s "
                                      "ON s.id = p.student_id WHERE s.ssid = :s", s=ssid)}
    return status, flags


def test_an_assignment_ending_makes_the_student_inactive_the_next_day(app, ctx, loaded, csv_file, service_clock):
    service_clock.freeze(dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC))
    run_import("dcfs-cases", csv_file(
        CASES_HEADER + "\n"
        "1234567890,0000000000000000001,FR,open,E000001,2025-01-01,2026-10-15,Parent\n"
        "2345678901,0000000000000000002,FR,open,E000001,2025-01-01,,Grandmother\n", "cases.csv"))
    assert _state("1234567890") == ("active", {True})
    runner = app.test_cli_runner()

    result = runner.invoke(args=["recompute-status"])  # same day: nothing to change
    assert result.exit_code == 0 and "0 students changed" in result.output

    service_clock.advance(days=1)
    result = runner.invoke(args=["recompute-status"])

    assert result.exit_code == 0, result.output
    assert "1 students changed" in result.output
    assert _state("1234567890") == ("inactive", {False})  # out of search, name walk included
    assert _state("2345678901") == ("active", {True})     # open-ended case: unchanged
    assert "0 students changed" in runner.invoke(args=["recompute-status"]).output


def test_the_daily_job_stores_the_days_county_baseline(app, ctx, loaded, csv_file, service_clock):
    service_clock.freeze(dt.datetime(2026, 10, 15, 16, 0, tzinfo=dt.UTC))
    run_import("dcfs-cases", csv_file(
        CASES_HEADER + "\n"
        "1234567890,0000000000000000001,FR,open,E000001,2025-01-01,,Parent\n"
        "2345678901,0000000000000000002,FR,open,E000001,2025-01-01,,Grandmother\n", "cases.csv"))
    runner = app.test_cli_runner()
    for day in (dt.date(2026, 10, 15), dt.date(2026, 10, 16)):
        result = runner.invoke(args=["recompute-status"])
        assert result.exit_code == 0, result.output
        assert "indicator baseline: 2 active foster youth" in result.output
        assert rows("SELECT students FROM indicator_baselines WHERE as_of = :d", d=day) == [(2,)]
        service_clock.advance(days=1)
