"""Review findings, pinned: CLI reports audit before they show, dead connections are 503s,
CSV cells never run as formulas, and the caseload list counts a removal's Los Angeles day."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import DBAPIError, InterfaceError

from api.report_cli import safe_cell
from mobile_service import audit, caseload_list
from mobile_service.errors import unavailable


def _refuse_commit():
    raise unavailable("The service cannot record this access right now; retry shortly.")


@pytest.mark.parametrize("args", [["audit", "student", "SSID"], ["caseload", "manual-adds", "--format", "csv"]])
def test_a_cli_report_whose_audit_row_cannot_be_written_shows_nothing(runner, world, monkeypatch, args):
    args = [world.ssid["unrelated"] if a == "SSID" else a for a in args]
    monkeypatch.setattr(audit, "commit", _refuse_commit)
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "Nothing was shown" in result.output


@pytest.mark.parametrize("error", [
    InterfaceError("SELECT 1", {}, Exception("connection already closed")),
    DBAPIError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True),
], ids=["interface-error", "invalidated-connection"])
def test_a_connection_that_died_under_a_request_is_a_503_not_a_500(client, world, monkeypatch, error):
    def broken(_principal):
        raise error

    monkeypatch.setattr("api.me.service.profile", broken)
    response = client.get("/api/v1/me", headers=world.headers["csw"])
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.mimetype == "application/problem+json"


def test_csv_cells_are_formula_safe_and_empty_cells_stay_empty():
    assert safe_cell("") == ""
    assert safe_cell("Covering for Ana") == "Covering for Ana"
    for start in "=+-@\t\r":
        assert safe_cell(start + "SUM(A1)") == "'" + start + "SUM(A1)"


def test_a_removal_counts_on_its_los_angeles_day():
    """Removed at 17:30 PT on 20 Oct (00:30 UTC on 21 Oct): a new assignment starting 21 Oct lists again."""
    removed = dt.datetime(2026, 10, 21, 0, 30, tzinfo=dt.UTC)
    assert caseload_list._listed(dt.date(2026, 10, 21), removed, open_add=False)
    assert not caseload_list._listed(dt.date(2026, 10, 20), removed, open_add=False)
    assert caseload_list._listed(dt.date(2026, 10, 21), removed.replace(tzinfo=None), open_add=False)
