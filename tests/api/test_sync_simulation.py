"""The app-simulation test of the offline caseload sync (issue 15, "the offline contract").

A phone syncs, the data changes through imports, caseload adds and removals, supervision and
scope changes and a manual add lapsing, the phone syncs again, and each time its local copy
(deltas applied, tombstones deleted) equals a fresh full sync. Runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobile_service import manual_adds, user_registry
from mobile_service.extensions import db
from mobile_service.models import AuditEvent, AuditEventStudent, User
from tests.api.caseload_helpers import add_student, student_key_of
from tests.api.sync_helpers import PhoneApp, fresh_copy, load
from tests.factories import app_token_for, make_supervision, make_user

SSIDS = [f"{6200000000 + i}" for i in range(7)]
SCHOOL_A, SCHOOL_B = "19647330000001", "19647331932334"
H_SCHOOLS = "cds_code,school_name,district_name,address,city,zip,phone,latitude,longitude"
H_STUDENTS = ("ssid,legal_first_name,legal_middle_name,legal_last_name,alias_first_name,alias_last_name,"
              "birth_date,gender_code,primary_language,foster_client_id,homeless")
H_CASES = "ssid,case_id,case_type,case_status,csw_employee_id,assignment_start,assignment_end,education_rights_holder"
H_ENROLL = "ssid,academic_year,cds_code,enrollment_status,grade_level,start_date,exit_date,exit_reason_code"
H_ATTEND = ("ssid,academic_year,cds_code,as_of_date,days_expected,days_attended,days_absent_excused,"
            "days_absent_unexcused,days_suspended_out,days_suspended_in,days_incomplete_study")
H_MARKS = ("ssid,academic_year,cds_code,term,report_date,course_code,course_title,mark,credits_attempted,"
           "credits_earned")


def csv(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


class Feed:
    """The DCFS feed as a county-wide snapshot: the test edits the cases, each load sends them all."""

    def __init__(self, tmp_path, employee: dict[str, str]):
        self.tmp_path, self.employee, self.cases = tmp_path, employee, {}

    def assign(self, ssid: str, case_id: str, who: str, start: str = "2025-01-05", end: str = "") -> None:
        number = 1920250000000 + sum(ord(c) << (8 * i) for i, c in enumerate(case_id))  # digits, as the feed's
        self.cases[case_id] = f"{ssid},{number},FR,open,{self.employee[who]},{start},{end},"

    def load(self) -> None:
        load(self.tmp_path, "dcfs-cases", csv(H_CASES, list(self.cases.values())), snapshot="all",
             allow_mass_delete=True)


@pytest.fixture
def county(app, moving_clock, tmp_path):
    """Seven students; a CSW with four of them in the feed, a peer with one, their SCSW with one."""
    with app.app_context():
        app.config["MANUAL_ADD_DAYS"] = 1  # a manual add lapses tomorrow (the test moves the clock)
        load(tmp_path, "schools", csv(H_SCHOOLS, [f"{SCHOOL_A},Garey High,Pomona Unified,1 Main St,Pomona,91766,"
                                                  "909-555-0100,,",
                                                  f"{SCHOOL_B},Pomona High,Pomona Unified,475 Bangor St,Pomona,"
                                                  "91767,909-397-4800,,"]))
        load(tmp_path, "students", csv(H_STUDENTS, [f"{ssid},Kid{i},,Sync,,,2012-02-0{i + 1},F,English,,N"
                                                    for i, ssid in enumerate(SSIDS)]))
        csw, peer, scsw = make_user("csw"), make_user("csw"), make_user("scsw")
        make_supervision(scsw, csw)
        make_supervision(scsw, peer)
        db.session.commit()
        employee = {"csw": csw.dcfs_employee_id, "peer": peer.dcfs_employee_id, "scsw": scsw.dcfs_employee_id}
        feed = Feed(tmp_path, employee)
        for i in range(4):
            feed.assign(SSIDS[i], f"C{i}", "csw")
        feed.assign(SSIDS[4], "C4", "peer")
        feed.assign(SSIDS[5], "C5", "scsw")
        feed.load()
        load(tmp_path, "enrollments", csv(H_ENROLL, [f"{ssid},2026-27,{SCHOOL_A},10,07,2026-08-13,,"
                                                     for ssid in SSIDS]))
        load(tmp_path, "attendance", csv(H_ATTEND, [f"{ssid},2026-27,{SCHOOL_A},2026-10-09,40,38,2,0,0,0,0"
                                                    for ssid in SSIDS]))
        load(tmp_path, "progress-reports", csv(H_MARKS, [f"{ssid},2026-27,{SCHOOL_A},Q1,2026-10-02,ENG7,English 7,"
                                                         f"B,5,5" for ssid in SSIDS]))
        ids = {"csw": csw.id, "peer": peer.id, "scsw": scsw.id, "csw_email": csw.email}
        db.session.remove()

    def headers(who: str):
        def make() -> dict[str, str]:
            with app.app_context():
                user = db.session.get(User, ids[who])
                token = app_token_for(user)
                db.session.remove()
            return {"Authorization": f"Bearer {token}"}
        return make

    return feed, ids, headers


def keys(client, *indexes: int) -> set[str]:
    return {student_key_of(client, SSIDS[i]) for i in indexes}


def delivered(app) -> list[tuple[int, list[int]]]:
    """Each caseload.sync audit row: its user and the students it names."""
    with app.app_context():
        events = db.session.execute(select(AuditEvent.id, AuditEvent.user_id)
                                    .where(AuditEvent.action == "caseload.sync").order_by(AuditEvent.id)).all()
        out = []
        for event_id, user_id in events:
            children = db.session.execute(select(AuditEventStudent.student_id)
                                          .where(AuditEventStudent.audit_event_id == event_id)).scalars().all()
            out.append((user_id, sorted(children)))
        db.session.remove()
    return out


def test_the_local_copy_always_equals_a_fresh_full_sync(app, client, county, tmp_path, moving_clock):
    feed, ids, headers = county
    phone = PhoneApp(client, headers("csw"))

    def synced_equals_fresh() -> list[dict]:
        pages = phone.sync(limit=2)
        assert phone.store == fresh_copy(client, headers("csw"))
        return pages

    # A full sync in pages of two: the four students the feed assigns to the CSW, nobody else's.
    pages = synced_equals_fresh()
    assert len(pages) == 2 and {p["kind"] for p in pages} == {"full"}
    assert set(phone.store) == keys(client, 0, 1, 2, 3)
    assert {len(p["students"]) for p in pages} == {2}

    # Nothing changed: an empty delta.
    pages = synced_equals_fresh()
    assert pages[0]["kind"] == "delta" and pages[0]["students"] == [] and pages[0]["tombstones"] == []

    # District loads: Kid0 moves school (two tabs), Kid1's attendance row is withdrawn by a
    # snapshot (a deletion counts), Kid2 gets a new mark. Only they come back, with those tabs.
    with app.app_context():
        load(tmp_path, "enrollments", csv(H_ENROLL, [f"{SSIDS[0]},2026-27,{SCHOOL_A},10,07,2026-08-13,2026-10-09,T160",
                                                     f"{SSIDS[0]},2026-27,{SCHOOL_B},10,07,2026-10-12,,"]))
        load(tmp_path, "attendance", csv(H_ATTEND, [f"{ssid},2026-27,{SCHOOL_A},2026-10-09,40,38,2,0,0,0,0"
                                                    for ssid in SSIDS if ssid != SSIDS[1]]),
             snapshot="district=1964733:2026-27", allow_mass_delete=True)
        load(tmp_path, "progress-reports", csv(H_MARKS, [f"{SSIDS[2]},2026-27,{SCHOOL_A},Q1,2026-10-02,MATH7,"
                                                         "Math 7,D,5,5"]))
    pages = synced_equals_fresh()
    changed = {s["student_key"]: s["tabs_changed"] for p in pages for s in p["students"]}
    assert changed == {student_key_of(client, SSIDS[0]): ["demographics", "enrollments"],
                       student_key_of(client, SSIDS[1]): ["attendance"],
                       student_key_of(client, SSIDS[2]): ["progress_reports"]}
    assert phone.store[student_key_of(client, SSIDS[0])]["card"]["school"]["name"] == "Pomona High"

    # Caseload changes: the CSW adds Kid6 (not in the feed; pending review) and removes Kid3.
    assert add_student(client, headers("csw")(), SSIDS[6]).status_code == 201
    assert client.delete(f"/api/v1/caseload/{student_key_of(client, SSIDS[3])}",
                         headers=headers("csw")()).status_code == 204
    pages = synced_equals_fresh()
    assert [s["change"] for p in pages for s in p["students"]] == ["added"]
    assert [t["reason"] for p in pages for t in p["tombstones"]] == ["removed"]
    assert set(phone.store) == keys(client, 0, 1, 2, 6)

    # The DCFS feed withdraws Kid1's case (deleted at the source) and ends Kid0's assignment.
    with app.app_context():
        del feed.cases["C1"]
        feed.assign(SSIDS[0], "C0", "csw", end="2026-10-14")
        feed.load()
    pages = synced_equals_fresh()
    reasons = {t["student_key"]: t["reason"] for p in pages for t in p["tombstones"]}
    assert reasons == {student_key_of(client, SSIDS[0]): "access_ended",
                       student_key_of(client, SSIDS[1]): "record_deleted"}
    assert set(phone.store) == keys(client, 2, 6)

    # Kid0 comes back with a new assignment, with what changed while out of scope.
    with app.app_context():
        load(tmp_path, "attendance", csv(H_ATTEND, [f"{SSIDS[0]},2026-27,{SCHOOL_B},2026-10-14,3,1,2,0,0,0,0"]))
        feed.assign(SSIDS[0], "C0b", "csw", start="2026-10-15")
        feed.load()
    pages = synced_equals_fresh()
    assert [(s["student_key"], s["change"]) for p in pages for s in p["students"]] == \
        [(student_key_of(client, SSIDS[0]), "added")]

    # Leaving and coming back between two syncs: Kid2's case ends, a load changes Kid2, a new
    # case brings Kid2 back. The phone never saw the absence, but must get the change (and the
    # demographics: the foster status went inactive and back in between).
    with app.app_context():
        feed.assign(SSIDS[2], "C2", "csw", end="2026-10-14")
        feed.load()
        load(tmp_path, "progress-reports", csv(H_MARKS, [f"{SSIDS[2]},2026-27,{SCHOOL_A},Q1,2026-10-02,SCI7,"
                                                         "Science 7,F,5,5"]))
        feed.assign(SSIDS[2], "C2b", "csw", start="2026-10-15")
        feed.load()
    pages = synced_equals_fresh()
    assert [(s["change"], s["tabs_changed"]) for p in pages for s in p["students"]
            if s["student_key"] == student_key_of(client, SSIDS[2])] == [("changed", ["demographics", "progress_reports"])]
    assert not [t for p in pages for t in p["tombstones"]]

    # A supervision change: the CSW's scope changes (cards refresh) and nothing is lost.
    with app.app_context():
        user_registry.end_supervision(ids["csw_email"])
    synced_equals_fresh()

    # A day later the pending add has lapsed: gone at once, before the daily job runs.
    moving_clock.advance(hours=25)
    pages = synced_equals_fresh()
    assert [t["reason"] for p in pages for t in p["tombstones"]] == ["access_ended"]
    assert set(phone.store) == keys(client, 0, 2)
    # A new day refreshes the day-based tabs of everyone held.
    assert {tuple(s["tabs_changed"]) for p in pages for s in p["students"]} == {("demographics", "enrollments")}
    # The daily job marks it lapsed and writes the log; the next delta agrees.
    with app.app_context():
        assert manual_adds.sweep().lapsed == 1
    pages = synced_equals_fresh()
    assert not [t for p in pages for t in p["tombstones"]]

    # One audit row per page, naming each student whose record it delivered once: the first
    # full sync's two pages of two, the fresh copy's one page of four, the empty delta none.
    rows = [children for user, children in delivered(app) if user == ids["csw"]]
    assert [len(children) for children in rows[:4]] == [2, 2, 4, 0]
    assert all(len(children) == len(set(children)) for children in rows)


def test_a_supervisor_syncs_only_their_own_caseload(app, client, county):
    feed, ids, headers = county
    phone = PhoneApp(client, headers("scsw"))
    phone.sync()
    # The SCSW sees the CSW's and the peer's students online, but syncs only their own.
    assert set(phone.store) == keys(client, 5)
    with app.app_context():
        user_registry.end_supervision(ids["csw_email"])
    phone.sync()
    assert set(phone.store) == keys(client, 5) and phone.store == fresh_copy(client, headers("scsw"))
