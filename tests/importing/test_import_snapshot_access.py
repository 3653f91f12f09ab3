"""A DCFS assignment that leaves the feed ends access at once (issue 12: snapshot loads, ``dcfs-cases``).

Access is computed from ``dcfs_cases`` rows (mobile_service/scoping.py), so a ``--snapshot all``
load that no longer lists an assignment must make the CSW's (and their supervisor's) record view
an identical 404 right after, recompute foster status and the name walk's active flag, and print
how many assignments it removed.
"""
from __future__ import annotations

import pytest

from mobile_service.extensions import db
from mobile_service.importing import ImportRejected, run_import
from tests.api.caseload_helpers import UNKNOWN_KEY, student_url
from tests.factories import app_token_for, make_supervision, make_user
from tests.importing.import_helpers import count, rows, snapshot

H_CASES = "ssid,case_id,case_type,case_status,csw_employee_id,assignment_start,assignment_end,education_rights_holder"
SSIDS = [f"{6100000000 + i}" for i in range(6)]


def csv(header: str, body: list[str]) -> str:
    return "\n".join([header, *body]) + "\n"


@pytest.fixture
def feed(app, csv_file):
    """Six students, all assigned to one CSW (supervised by an SCSW) in week 1 of the DCFS feed."""
    with app.app_context():
        run_import("students", csv_file(csv(
            "ssid,legal_first_name,legal_middle_name,legal_last_name,alias_first_name,alias_last_name,birth_date,"
            "gender_code,primary_language,foster_client_id,homeless",
            [f"{ssid},Ada{i},,Feedkid,,,2011-02-0{i + 1},F,English,,N" for i, ssid in enumerate(SSIDS)]),
            "students.csv"))
        csw, scsw = make_user("csw"), make_user("scsw")
        make_supervision(scsw, csw)
        db.session.commit()
        cases = [f"{ssid},19202500000{i:02d},FR,open,{csw.dcfs_employee_id},2025-01-05,," for i, ssid in enumerate(SSIDS)]
        run_import("dcfs-cases", csv_file(csv(H_CASES, cases), "week1.csv"))
        tokens = {"csw": app_token_for(csw), "scsw": app_token_for(scsw)}
        db.session.remove()
    return cases, tokens, csv_file


def view(client, token: str, ssid: str) -> int:
    return client.get(student_url(client, ssid), headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_removed_assignment_ends_access_at_once(app, client, runner, feed):
    cases, tokens, csv_file = feed
    gone = SSIDS[5]
    assert view(client, tokens["csw"], gone) == 200 and view(client, tokens["scsw"], gone) == 200
    with app.app_context():
        assert count("student_name_parts", "active AND student_id = (SELECT id FROM students WHERE ssid = :s)",
                     s=gone) > 0
    path = csv_file(csv(H_CASES, cases[:5]), "week2.csv")
    result = runner.invoke(args=["import", "dcfs-cases", str(path), "--snapshot", "all"])
    assert result.exit_code == 0, result.output
    assert "dcfs-cases: 5 rows: 0 inserted, 0 updated, 5 unchanged, 1 removed (snapshot all)" in result.output
    # Right after the load: an identical 404 for the worker and for the supervisor...
    assert view(client, tokens["csw"], gone) == 404 and view(client, tokens["scsw"], gone) == 404
    missing = client.get(f"/api/v1/students/{UNKNOWN_KEY}", headers={"Authorization": f"Bearer {tokens['csw']}"})
    removed = client.get(student_url(client, gone), headers={"Authorization": f"Bearer {tokens['csw']}"})
    assert {k: v for k, v in removed.get_json().items() if k != "request_id"} == \
           {k: v for k, v in missing.get_json().items() if k != "request_id"}
    # ...the others are still visible, and the caseload list no longer shows the child.
    assert all(view(client, tokens["csw"], ssid) == 200 for ssid in SSIDS[:5])
    listed = client.get("/api/v1/caseload", headers={"Authorization": f"Bearer {tokens['csw']}"}).get_json()
    assert {item["ssid"] for item in listed["items"]} == set(SSIDS[:5])
    with app.app_context():
        # The student stays (other sources refer to it) but is no longer an active foster youth,
        # and the name walk's copy of the status follows.
        assert rows("SELECT foster_status, case_type FROM students WHERE ssid = :s", s=gone) == [("inactive", None)]
        assert count("student_name_parts", "active AND student_id = (SELECT id FROM students WHERE ssid = :s)",
                     s=gone) == 0
        assert count("dcfs_cases") == 5


def test_a_truncated_feed_is_refused_and_access_stays(app, client, runner, feed):
    cases, tokens, csv_file = feed
    with app.app_context():
        before = snapshot()
    path = csv_file(csv(H_CASES, cases[:2]), "truncated.csv")  # 4 of 6 assignments would go
    result = runner.invoke(args=["import", "dcfs-cases", str(path), "--snapshot", "all"])
    assert result.exit_code == 1
    assert "snapshot all: would remove 4 of the 6 dcfs_cases rows in scope (66.7 %)" in result.output
    with app.app_context():
        assert snapshot() == before
    assert all(view(client, tokens["csw"], ssid) == 200 for ssid in SSIDS)


def test_reloading_the_same_feed_removes_nothing(app, feed):
    cases, _tokens, csv_file = feed
    with app.app_context():
        result = run_import("dcfs-cases", csv_file(csv(H_CASES, cases), "week1-again.csv"), snapshot="all")
        assert (result.deleted, result.unchanged) == (0, 6)


def test_a_bad_row_in_the_feed_removes_nothing(app, client, feed):
    cases, tokens, csv_file = feed
    bad = [*cases[:4], cases[4].replace(",open,", ",reopened,")]
    with app.app_context():
        before = snapshot()
        with pytest.raises(ImportRejected) as exc:
            run_import("dcfs-cases", csv_file(csv(H_CASES, bad), "bad.csv"), snapshot="all")
        assert exc.value.errors[0].startswith("line 6: case_status:")
        assert snapshot() == before
    assert view(client, tokens["csw"], SSIDS[5]) == 200
