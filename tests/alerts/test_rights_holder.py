"""The education rights holder in full (issue 16): feed columns, all or nothing, demographics, the alert."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from mobile_service import rights_holder
from mobile_service.extensions import db
from mobile_service.importing import ImportRejected, run_import
from mobile_service.models import Student
from tests.alerts.alert_helpers import ANA, CASES, HOLDER_CASES, TOM, alerts_of, daily
from tests.importing.import_helpers import snapshot

CASE = "0000000000000000001"


def _cases(csv_file, body: str, name: str = "cases.csv"):
    return run_import("dcfs-cases", csv_file(HOLDER_CASES + body, name))


def _holder(ssid: str) -> rights_holder.RightsHolder | None:
    student_id = db.session.execute(select(Student.id).where(Student.ssid == ssid)).scalar_one()
    found = rights_holder.rights_holder(student_id)
    db.session.rollback()
    return found


def test_the_feed_gives_the_holder_in_full(ctx, loaded, csv_file, frozen):
    _cases(csv_file, f"{ANA},{CASE},FR,open,E000001,2025-01-06,,Rosa Diaz,Grandmother,(909) 555-0142,2025-02-03,Y\n"
                     f"{TOM},0000000000000000002,FR,open,E000001,2025-01-06,,Parent,,,,N\n")
    assert _holder(ANA) == rights_holder.RightsHolder(name="Rosa Diaz", relationship="Grandmother",
                                                      phone="(909) 555-0142", jv535_order_date=dt.date(2025, 2, 3),
                                                      parent_rights_limited=True)
    assert _holder(TOM) == rights_holder.RightsHolder("Parent", None, None, None, False)


def test_the_columns_are_optional(ctx, loaded, csv_file, frozen):
    run_import("dcfs-cases", csv_file(CASES + f"{ANA},{CASE},FR,open,E000001,2025-01-06,,Parent\n"))
    assert _holder(ANA) == rights_holder.RightsHolder("Parent", None, None, None, None)


def test_the_current_case_decides_the_holder(ctx, loaded, csv_file, frozen):
    # Same rule as the foster status: a qualifying open case first, then the latest assignment.
    _cases(csv_file, f"{ANA},{CASE},VOLUNTARY,open,E000001,2026-09-01,,Aunt May,Aunt,,,\n"
                     f"{ANA},0000000000000000002,FR,open,E000002,2025-01-06,,Rosa Diaz,Grandmother,,2025-02-03,Y\n"
                     f"{ANA},0000000000000000003,FR,closed,E000003,2026-10-01,,Old Holder,Parent,,,\n")
    assert _holder(ANA).name == "Rosa Diaz"


@pytest.mark.parametrize(("row", "column"), [
    ("Rosa Diaz,Grandmother,call me,2025-02-03,Y", "rights_holder_phone"),
    ("Rosa Diaz,Grandmother,,2025-13-03,Y", "jv535_order_date"),
    ("Rosa Diaz,Grandmother,,2025-02-03,maybe", "parent_rights_limited"),
    (",Grandmother,,,", "rights_holder_relationship"),  # a relationship of nobody
    (",,909-555-0142,,", "rights_holder_phone"),
    ("Rosa Diaz," + "x" * 61 + ",,,", "rights_holder_relationship"),
])
def test_a_malformed_holder_value_rejects_the_whole_file(ctx, loaded, csv_file, frozen, row, column):
    before = snapshot()
    with pytest.raises(ImportRejected) as rejected:
        _cases(csv_file, f"{TOM},0000000000000000002,FR,open,E000001,2025-01-06,,Parent,,,,N\n"
                         f"{ANA},{CASE},FR,open,E000001,2025-01-06,,{row}\n")
    assert any(f"line 3: {column}:" in message for message in rejected.value.errors), rejected.value.errors
    assert snapshot() == before  # all or nothing: the good line is not loaded either


def test_demographics_show_the_holder_in_full(client, app, frozen):
    from tests.api.caseload_helpers import bearer
    from tests.factories import app_token_for, make_case, make_student, make_user

    with app.app_context():
        worker = make_user("csw")
        kid = make_student(education_rights_holder="Rosa Diaz", rights_holder_relationship="Grandmother",
                           rights_holder_phone="909-555-0142", jv535_order_date=dt.date(2025, 2, 3),
                           parent_rights_limited=True)
        make_case(kid, worker)
        db.session.commit()
        key, token = kid.student_key, app_token_for(worker)
    body = client.get(f"/api/v1/students/{key}", headers=bearer(token)).get_json()
    assert body["rights_holder"] == {"name": "Rosa Diaz", "relationship": "Grandmother", "phone": "909-555-0142",
                                     "jv535_order_date": "2025-02-03", "parent_rights_limited": True}
    assert body["education_rights_holder"] == "Rosa Diaz"


# --- the alert -----------------------------------------------------------------------------------

def test_a_new_holder_raises_one_alert_that_clears_after_30_days(app, ctx, loaded, csv_file, frozen):
    first = f"{ANA},{CASE},FR,open,E000001,2025-01-06,,Rosa Diaz,Grandmother,,,Y\n"
    _cases(csv_file, first)
    assert alerts_of(ANA, "rights_holder_changed") == []  # the first appearance in the feed is not a change

    _cases(csv_file, f"{ANA},{CASE},FR,open,E000001,2025-01-06,,  rosa  DIAZ ,Grandmother,909-555-0100,,Y\n", "b.csv")
    assert alerts_of(ANA, "rights_holder_changed") == []  # same person, new phone: not a change of holder

    changed = f"{ANA},{CASE},FR,open,E000001,2025-01-06,,Luis Ortega,Foster parent,,2026-10-14,Y\n"
    _cases(csv_file, changed, "c.csv")
    _cases(csv_file, changed, "d.csv")  # the same file again
    daily(app)
    [(kind, audience, basis, is_open)] = alerts_of(ANA, "rights_holder_changed")
    assert (kind, audience, is_open) == ("rights_holder_changed", "", True)
    assert "ortega" not in basis.lower()  # no names in an alert

    frozen.advance(days=31)
    daily(app)
    assert alerts_of(ANA, "rights_holder_changed")[0][3] is False


def test_a_holder_designated_later_for_a_student_who_had_none_raises_an_alert(ctx, loaded, csv_file, frozen):
    _cases(csv_file, f"{ANA},{CASE},FR,open,E000001,2025-01-06,,,,,,\n")  # in the feed, no holder yet
    assert alerts_of(ANA, "rights_holder_changed") == []
    _cases(csv_file, f"{ANA},{CASE},FR,open,E000001,2025-01-06,,Rosa Diaz,Grandmother,,2026-10-14,Y\n", "b.csv")
    [(_, audience, basis, is_open)] = alerts_of(ANA, "rights_holder_changed")
    assert (audience, basis.startswith("holder:") and basis != "holder:none", is_open) == ("", True, True)


def test_a_new_case_naming_a_holder_raises_for_a_student_already_in_the_feed(ctx, loaded, csv_file, frozen):
    # A new JV-535 order arrives with a new case row; the file no longer lists the old case.
    _cases(csv_file, f"{ANA},{CASE},FR,open,E000001,2025-01-06,,,,,,\n")
    _cases(csv_file, f"{ANA},0000000000000000002,FR,open,E000002,2026-10-01,,Luis Ortega,Foster parent,,"
                     "2026-10-14,Y\n", "b.csv")
    assert [a[3] for a in alerts_of(ANA, "rights_holder_changed")] == [True]


def test_a_first_appearance_with_several_cases_raises_nothing(ctx, loaded, csv_file, frozen):
    _cases(csv_file, f"{ANA},{CASE},FR,open,E000001,2025-01-06,2025-06-30,,,,,\n"
                     f"{ANA},0000000000000000002,FR,open,E000002,2025-07-01,,Rosa Diaz,Grandmother,,,Y\n"
                     f"{TOM},0000000000000000003,FR,open,E000001,2025-01-06,,Parent,,,,N\n")
    assert alerts_of(ANA, "rights_holder_changed") == alerts_of(TOM, "rights_holder_changed") == []


def test_the_holder_removed_is_a_change_and_a_newer_change_replaces_the_alert(ctx, loaded, csv_file, frozen):
    _cases(csv_file, f"{ANA},{CASE},FR,open,E000001,2025-01-06,,Rosa Diaz,Grandmother,,,\n")
    _cases(csv_file, f"{ANA},{CASE},FR,open,E000001,2025-01-06,,,,,,\n", "b.csv")
    assert [a[2:] for a in alerts_of(ANA, "rights_holder_changed")] == [("holder:none", True)]
    _cases(csv_file, f"{ANA},{CASE},FR,open,E000001,2025-01-06,,Luis Ortega,Foster parent,,,\n", "c.csv")
    [removed, named] = alerts_of(ANA, "rights_holder_changed")  # after a removal, a new holder is news
    assert (removed[2:], named[3]) == (("holder:none", False), True)
    _cases(csv_file, f"{ANA},{CASE},FR,open,E000001,2025-01-06,,Rosa Diaz,Grandmother,,,\n", "d.csv")
    assert [a[3] for a in alerts_of(ANA, "rights_holder_changed")] == [False, False, True]
