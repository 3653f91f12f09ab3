"""Issue 14: the record tabs' ETag is a version stamp on PostgreSQL (row ids and versions, date,
freshness, role), not a hash of the body, and it is still a STRONG tag: an oracle that hashes every
body checks, after each of many changes (every import kind through the real importer, edits the
importer cannot make, the date, a data load, two callers), that one tag never stands for two bodies
and that a changed body always has a changed tag. On SQLite the tag is the body hash (the oracle
holds trivially there). A revalidation that matches is a 304 with the audit row and the usage event
committed, without shaping or serializing the body."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, text

from mobile_service.extensions import db
from mobile_service.importing import run_import
from mobile_service.models import (
    AttendanceSummary,
    Enrollment,
    ProgressMark,
    School,
    Student,
    StudentSsid,
    Supervision,
    User,
)
from tests.api.caseload_helpers import audit_rows, bearer, usage_rows
from tests.api.student_helpers import add_to_caseload, enroll, source_load
from tests.api.test_one_round_trip import Statements
from tests.factories import app_token_for, make_case, make_student, make_user
from tests.importing.import_helpers import SCHOOLS, STUDENTS
from tests.importing.test_import_kinds import CASES

TABS = ("", "/enrollments", "/attendance", "/progress-reports")
BASE = "/api/v1/students/"
# Later than any load the test's imports stamp: an import then changes rows, not the freshness
# stamps (which would change every tag by themselves and hide a missing row version).
FUTURE = dt.datetime(2030, 1, 1, 6, 0, tzinfo=dt.UTC)


class Oracle:
    """Every (tag -> body hash) the service answered, and each view's last answer."""

    def __init__(self, client) -> None:
        self.client, self.bodies, self.last, self.changes = client, {}, {}, []

    def observe(self, step: str, callers: dict[str, str], keys: dict[str, str]) -> set[tuple]:
        """Read every tab of every student as every caller; return the views whose body changed."""
        changed = set()
        for who, token in callers.items():
            for name, key in keys.items():
                for tab in TABS:
                    response = self.client.get(BASE + key + tab, headers=bearer(token))
                    view = (who, name, tab)
                    if response.status_code == 404:  # out of scope now: nothing to compare
                        self.last.pop(view, None)
                        continue
                    assert response.status_code == 200, (step, view, response.status_code)
                    tag, body = response.headers["ETag"], hashlib.sha256(response.get_data()).hexdigest()
                    # Equal tag, byte-identical body: a tag never stands for two bodies (any view, caller).
                    assert self.bodies.setdefault(tag, body) == body, f"{step}: tag {tag} reused for another body of {view}"
                    before = self.last.get(view)
                    if before is not None and before[1] != body:
                        # A changed body has a changed tag (implied by the line above; said for the reader).
                        assert before[0] != tag, f"{step}: body of {view} changed, tag did not"
                        changed.add(view)
                    self.last[view] = (tag, body)
        self.changes.append((step, changed))
        return changed


def _import(csv_file, kind: str, content: str) -> None:
    run_import(kind, csv_file(content, f"{kind}.csv"))
    db.session.commit()


@pytest.fixture
def csv_file(tmp_path):
    """Write a CSV file for the importer."""
    def write(content: str, name: str):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8", newline="")
        return path
    return write


def test_the_tag_is_strong_through_every_kind_of_change(app, client, ctx, fixed_today, service_clock, csv_file):
    for source in ("calpads", "dcfs", "district"):
        source_load(source, FUTURE)
    db.session.commit()
    _import(csv_file, "schools", SCHOOLS)
    _import(csv_file, "students", STUDENTS)
    _import(csv_file, "users", CASES["users"].good)  # worker (E000001), boss (scsw, supervises worker)
    worker = db.session.execute(select(User).where(User.email == "worker@dcfs.lacounty.gov")).scalar_one()
    boss = db.session.execute(select(User).where(User.email == "boss@dcfs.lacounty.gov")).scalar_one()
    callers = {"worker": app_token_for(worker), "boss": app_token_for(boss)}
    db.session.commit()
    _import(csv_file, "dcfs-cases", CASES["dcfs-cases"].good)  # both students assigned to the worker
    students = {s.ssid: s for s in db.session.execute(select(Student)).scalars()}
    s1, s2 = students["1234567890"], students["2345678901"]
    keys = {"s1": s1.student_key, "s2": s2.student_key}
    s1_id = s1.id
    oracle = Oracle(client)
    step = oracle.observe

    def must_change(name: str, changed: set, *views) -> None:
        # The oracle has teeth only if the changes reach the bodies: each step names views it changes.
        for view in views:
            assert view in changed, f"{name}: expected {view} to change; changed: {sorted(changed)}"

    step("assigned", callers, keys)
    for kind in ("enrollments", "attendance", "progress-reports"):
        _import(csv_file, kind, CASES[kind].good)
        step(f"import {kind}", callers, keys)
    must_change("imports", set().union(*(c for _, c in oracle.changes[-3:])),
                ("worker", "s1", "/enrollments"), ("worker", "s1", "/attendance"), ("boss", "s1", "/progress-reports"))
    # Every kind's update file, through the real importer (the freshness stamps stay put).
    for kind, views in (("schools", [("worker", "s2", "/enrollments")]),
                        ("students", [("worker", "s2", "")]),
                        ("enrollments", [("worker", "s1", "/enrollments"), ("worker", "s2", "")]),
                        ("attendance", [("worker", "s1", "/attendance")]),
                        ("progress-reports", [("worker", "s1", "/progress-reports")]),
                        ("users", [])):
        _import(csv_file, kind, CASES[kind].update)
        must_change(f"update {kind}", step(f"update {kind}", callers, keys), *views)
    # Changes the files cannot make, one table at a time.
    garey = db.session.execute(select(School).where(School.cds_code == "19647330000001")).scalar_one()
    garey.name = "Garey Senior High"
    db.session.commit()
    must_change("school rename", step("school rename", callers, keys), ("worker", "s2", "/attendance"))
    student = db.session.get(Student, s1_id)
    student.education_rights_holder, student.rights_holder_phone = "Aunt", "909-555-0199"
    db.session.commit()
    must_change("rights holder", step("rights holder", callers, keys), ("worker", "s1", ""), ("boss", "s1", ""))
    db.session.add(StudentSsid(ssid="3333333333", student_id=s1_id, is_primary=False))
    db.session.commit()
    must_change("retired ssid", step("retired ssid", callers, keys), ("worker", "s1", ""))
    # Two rows written in one transaction (they share the version: their ids tell them apart).
    rows = db.session.execute(select(AttendanceSummary).where(AttendanceSummary.student_id == s1_id)).scalars().all()
    for row in rows:
        row.days_attended = (row.days_attended or 0) - 1
    pomona = db.session.execute(select(School).where(School.cds_code == "19647331932334")).scalar_one()
    enroll(db.session.get(Student, s1_id), pomona, dt.date(2026, 9, 1), status="20", grade="09")
    db.session.commit()
    must_change("one transaction", step("one transaction", callers, keys),
                ("worker", "s1", "/attendance"), ("worker", "s1", "/enrollments"))
    mark = db.session.execute(select(ProgressMark).where(ProgressMark.course_code == "ART")).scalar_one()
    mark.mark = "B"
    db.session.commit()
    must_change("mark", step("mark", callers, keys), ("worker", "s1", "/progress-reports"))
    db.session.delete(db.session.execute(select(ProgressMark).where(ProgressMark.course_code == "ART")).scalar_one())
    db.session.commit()
    must_change("mark deleted", step("mark deleted", callers, keys), ("boss", "s1", "/progress-reports"))
    newest = db.session.execute(select(Enrollment).where(Enrollment.student_id == s1_id)
                                .order_by(Enrollment.id.desc())).scalars().first()
    db.session.delete(newest)
    db.session.commit()
    must_change("enrollment deleted", step("enrollment deleted", callers, keys), ("worker", "s1", "/enrollments"))
    db.session.execute(text("UPDATE students SET ssid = ssid WHERE id = :id"), {"id": s1_id})  # a version, same values
    db.session.commit()
    step("rewrite, same values", callers, keys)
    # Caseload list: the worker removes a feed student; the boss gets a case of their own, then adds one.
    db.session.add(CaseloadEntryFeedRemoval(worker.id, s1_id))
    db.session.commit()
    must_change("caseload removal", step("caseload removal", callers, keys), ("worker", "s1", ""))
    make_case(db.session.get(Student, s1_id), db.session.get(User, boss.id), assignment_start=dt.date(2026, 2, 1))
    db.session.commit()
    must_change("basis: own case", step("basis: own case", callers, keys), ("boss", "s1", ""))
    link = db.session.execute(select(Supervision).where(Supervision.supervisor_id == boss.id)).scalar_one()
    link.end_date = dt.date(2026, 10, 1)
    db.session.commit()
    step("supervision ended", callers, keys)
    assert ("boss", "s2", "") not in oracle.last  # out of scope now
    add_to_caseload(db.session.get(User, boss.id), db.session.get(Student, s1_id))
    db.session.commit()
    must_change("basis: caseload add", step("basis: caseload add", callers, keys), ("boss", "s1", ""))
    # The service date: day counts move daily, an age on the birthday.
    service_clock.fix_today(dt.date(2026, 10, 16))
    must_change("next day", step("next day", callers, keys), ("worker", "s2", "/enrollments"))
    service_clock.fix_today(dt.date(2027, 5, 5))
    step("birthday eve", callers, keys)
    service_clock.fix_today(dt.date(2027, 5, 6))
    must_change("birthday", step("birthday", callers, keys), ("worker", "s1", ""))
    # A newer data load: every body carries its stamp.
    source_load("district", FUTURE + dt.timedelta(days=1))
    db.session.commit()
    must_change("data load", step("data load", callers, keys), *[("worker", "s1", tab) for tab in TABS])
    # The DCFS file's update closes the second student's case: out of the worker's scope.
    _import(csv_file, "dcfs-cases", CASES["dcfs-cases"].update)
    step("update dcfs-cases", callers, keys)
    assert ("worker", "s2", "") not in oracle.last
    # And nothing changed: the same tags (a version stamp must not change by itself).
    tags = {view: tag for view, (tag, _) in oracle.last.items()}
    assert not step("nothing", callers, keys)
    assert {view: tag for view, (tag, _) in oracle.last.items()} == tags
    assert len(oracle.bodies) > 40  # many distinct tags (and bodies) went through the oracle


def CaseloadEntryFeedRemoval(user_id: int, student_id: int):  # noqa: N802 (reads as the row it makes)
    """A removal of a feed-assigned student from the worker's list (origin ``feed``)."""
    from mobile_service import clock
    from mobile_service.models import CaseloadEntry

    return CaseloadEntry(user_id=user_id, student_id=student_id, origin="feed", removed_at=clock.utcnow(),
                         removed_reason="moved", expires_at=None, review_state=None)


# --- revalidation --------------------------------------------------------------------------------

@pytest.fixture
def assigned(app, fixed_today):
    """A CSW and a student the DCFS feed assigns to them, with one enrollment."""
    with app.app_context():
        csw = make_user("csw")
        kid = make_student()
        make_case(kid, csw)
        from tests.factories import make_school

        enroll(kid, make_school(), dt.date(2026, 8, 13), grade="09")
        db.session.commit()
        return {"token": app_token_for(csw), "key": kid.student_key, "ssid": kid.ssid}


def _postgres(application) -> bool:
    with application.app_context():
        return db.engine.dialect.name == "postgresql"


@pytest.mark.parametrize("match", ["tag", "weak", "star", "list"])
@pytest.mark.parametrize("route", TABS)
def test_a_matching_tag_is_a_304_without_shaping_and_still_audited(app, steady_app, assigned, monkeypatch, route,
                                                                    match):
    if not _postgres(steady_app):
        pytest.skip("SQLite tags the body (it shapes it to hash it)")
    from api import etags
    from api.students import one_trip

    client = steady_app.test_client()
    url, headers = BASE + assigned["key"] + route, bearer(assigned["token"])
    first = client.get(url, headers=headers)
    tag = first.headers["ETag"]
    sent = {"tag": tag, "weak": "W/" + tag, "star": "*", "list": f'"other", {tag}'}[match]

    def fail(*_a, **_k):
        raise AssertionError("a 304 shaped or serialized the body")

    monkeypatch.setattr(one_trip, "_shape_body", fail)
    monkeypatch.setattr(etags, "_dump", fail)
    audits, views = len(audit_rows(app)), len(usage_rows(app, "record_view"))
    with steady_app.app_context():
        engine = db.engine
    with Statements(engine) as seen:
        response = client.get(url, headers={**headers, "If-None-Match": sent})
    assert response.status_code == 304 and response.get_data() == b""
    assert response.headers["ETag"] == tag and response.headers["Cache-Control"] == "private, no-store"
    assert len(seen.sql) == 1 and seen.commits == 1, seen.sql  # the one statement and its commit
    assert len(audit_rows(app)) == audits + 1  # the disclosure ran: audited and counted
    assert len(usage_rows(app, "record_view")) == views + 1
    assert audit_rows(app)[-1].ssid == assigned["ssid"]


@pytest.mark.parametrize("route", TABS)
def test_a_stale_tag_gets_the_body_and_the_same_tag_a_304_would_carry(client, app, assigned, route):
    url, headers = BASE + assigned["key"] + route, bearer(assigned["token"])
    first = client.get(url, headers=headers)
    stale = client.get(url, headers={**headers, "If-None-Match": '"0000"'})
    assert stale.status_code == 200 and stale.get_data() == first.get_data()
    assert stale.headers["ETag"] == first.headers["ETag"]
    assert stale.headers["Cache-Control"] == "private, no-store"
    again = client.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]
    assert len(audit_rows(app)) == 3  # every request audited, the 304 too


def test_the_release_changes_the_tag(client, app, assigned, monkeypatch):
    """A deploy that changes the code never reuses a tag (the release is part of the stamp)."""
    if not _postgres(app):
        pytest.skip("SQLite tags the body itself")
    from api import etags

    url, headers = BASE + assigned["key"], bearer(assigned["token"])
    tag = client.get(url, headers=headers).headers["ETag"]
    monkeypatch.setattr(etags, "release", lambda: "another release")
    response = client.get(url, headers={**headers, "If-None-Match": tag})
    assert response.status_code == 200 and response.headers["ETag"] != tag


@pytest.mark.parametrize("route", TABS)
def test_a_matching_tag_whose_audit_row_cannot_be_committed_is_a_503(client, assigned, monkeypatch, route):
    """Fail closed holds for a revalidation too: no 304 (nor its ETag) without the committed audit row."""
    from mobile_service import audit
    from mobile_service.errors import unavailable

    url, headers = BASE + assigned["key"] + route, bearer(assigned["token"])
    tag = client.get(url, headers=headers).headers["ETag"]

    def refuse():
        raise unavailable("The service cannot record this access right now; retry shortly.")

    monkeypatch.setattr(audit, "commit", refuse)
    response = client.get(url, headers={**headers, "If-None-Match": tag})
    assert response.status_code == 503 and "ETag" not in response.headers
    assert assigned["ssid"] not in response.get_data(as_text=True)
