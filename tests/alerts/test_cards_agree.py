"""The caseload cards' ``alerts`` and the stored feed agree: the same rule on the same records.

Loaded through the real importers, then read through the real API, the day of the loads and
again after the daily job a month and a half later (the 30-day school-change window closed).
"""
from __future__ import annotations

from mobile_service.alerts import EDUCATION_KINDS
from mobile_service.extensions import db
from mobile_service.importing import run_import
from tests.alerts.alert_helpers import ANA, ATTEND, CASES, ENROLL, GARCIA, GAREY, MARKS, POMONA, TOM, daily
from tests.api.caseload_helpers import bearer
from tests.factories import app_token_for, make_user

FILES = {
    "dcfs-cases": CASES + "".join(f"{ssid},000000000000000000{n},FR,open,E000001,2025-01-06,,Parent\n"
                                  for n, ssid in enumerate((ANA, TOM, GARCIA), start=1)),
    "enrollments": ENROLL + (
        f"{ANA},2026-27,{POMONA},10,07,2026-08-13,2026-09-30,T160\n"  # a move within the year
        f"{ANA},2026-27,{GAREY},10,07,2026-10-01,,\n"
        f"{TOM},2025-26,{POMONA},10,06,2025-08-13,2026-06-05,E155\n"  # year-end exit, back in August: no move
        f"{TOM},2026-27,{POMONA},10,07,2026-08-13,,\n"
        f"{TOM},2026-27,{GAREY},30,07,2026-07-01,2026-07-30,E490\n"),  # summer school: not a move either
    "attendance": ATTEND + (f"{ANA},2026-27,{POMONA},2026-09-30,32,28,4,0,0,0,0\n"  # 12.5 % over 32 days
                            f"{TOM},2026-27,{POMONA},2026-10-09,30,20,10,0,0,0,0\n"),  # 30 days: not counted
    "progress-reports": MARKS + f"{TOM},2026-27,{POMONA},Q1,2026-10-02,ENG7,English 7,D+,5,5\n",
}


def _compare(client, headers) -> dict[str, list[str]]:
    cards = client.get("/api/v1/caseload", headers=headers).get_json()["items"]
    feed = client.get("/api/v1/alerts", headers=headers).get_json()["items"]
    stored = {(i["student_key"], i["kind"]) for i in feed if i["kind"] in EDUCATION_KINDS}
    by_card = {card["ssid"]: card["alerts"] for card in cards}
    for card in cards:
        assert card["alerts"] == [k for k in EDUCATION_KINDS if (card["student_key"], k) in stored], card["ssid"]
    assert len(stored) == sum(len(v) for v in by_card.values())
    return by_card


def test_cards_and_feed_agree_after_the_loads_and_after_the_daily_job(app, client, ctx, loaded, csv_file, frozen):
    worker = make_user("csw", dcfs_employee_id="E000001")
    db.session.commit()
    headers = bearer(app_token_for(worker))
    for kind, body in FILES.items():
        run_import(kind, csv_file(body, f"{kind}.csv"))

    assert _compare(client, headers) == {ANA: ["school_change_30d", "chronic_absence"], TOM: ["failing_marks"],
                                         GARCIA: ["no_current_enrollment"]}
    frozen.advance(days=45)
    daily(app)
    headers = bearer(app_token_for(worker))  # a new session: the first token expired meanwhile
    assert _compare(client, headers)[ANA] == ["chronic_absence"]
