"""Travel plans over HTTP with real tokens: draft, submit, return, approve, stop, and the deny paths (issue 16 item 1)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mobile_service.extensions import db
from mobile_service.models import Supervision
from tests.api.caseload_helpers import UNKNOWN_KEY, audit_rows, without_request_id
from tests.api.travel_helpers import (
    GOOD_PLAN,
    ORIGIN_CDS,
    build_world,
    no_location,
    plans_url,
    sor_url,
)


@pytest.fixture
def tw(app, fixed_today):
    """The travel world (today is 2026-10-15)."""
    return build_world(app)


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_other_roles_see_nothing(client, tw, who):
    assert client.get(sor_url(tw.key["kid"]), headers=tw.headers[who]).status_code == 403
    assert client.get("/api/v1/travel-plans/awaiting-approval", headers=tw.headers[who]).status_code == 403


def test_only_a_csw_drafts(client, tw):
    assert client.post(plans_url(tw.key["kid"]), json=GOOD_PLAN, headers=tw.headers["scsw"]).status_code == 403
    assert client.post(plans_url(tw.key["kid"]), json=GOOD_PLAN).status_code == 401


def _draft(client, tw, **changes) -> dict:
    response = client.post(plans_url(tw.key["kid"]), json={**GOOD_PLAN, **changes}, headers=tw.headers["csw"])
    assert response.status_code == 201, response.json
    return response.json


def test_end_to_end_draft_submit_returned_then_approved(client, tw, caplog):
    caplog.set_level("DEBUG")
    plan = _draft(client, tw)
    key = plan["plan_key"]
    assert plan["status"] == "draft" and plan["csw"]["display_name"] == "Carla Worker"
    assert plan["form_63b"]["school_of_origin"]["cds_code"] == ORIGIN_CDS
    assert plan["form_63b"]["one_way_miles"] == 12.4 and plan["form_63b"]["mileage_source"] == "mapping_service"
    assert plan["form_280"] == {"action": "start_etr", "school_of_origin": "Pomona High", "one_way_mileage": 12,
                                "rate": 154, "rate_table_effective_date": "2018-07-26",
                                "effective_start_date": "2026-02-01", "stop_date": None}
    # A second open plan for the same child is refused.
    assert client.post(plans_url(tw.key["kid"]), json=GOOD_PLAN, headers=tw.headers["csw"]).status_code == 409

    submitted = client.post(f"/api/v1/travel-plans/{key}/submit", headers=tw.headers["csw"])
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    queue = client.get("/api/v1/travel-plans/awaiting-approval", headers=tw.headers["scsw"]).json
    assert [i["plan_key"] for i in queue["items"]] == [key]
    assert queue["items"][0]["student"]["first_name"] == "Nina" and queue["items"][0]["monthly_rate"] == 154
    # Otto sees the child (through the peer) but does not supervise Carla: refused. Stan sees nothing: 404.
    assert client.get("/api/v1/travel-plans/awaiting-approval", headers=tw.headers["scsw_other"]).json["items"] == []
    other = client.post(f"/api/v1/travel-plans/{key}/approve", headers=tw.headers["scsw_other"])
    assert other.status_code == 403
    assert client.post(f"/api/v1/travel-plans/{key}/approve", headers=tw.headers["stranger"]).status_code == 404
    assert client.post(f"/api/v1/travel-plans/{key}/approve", headers=tw.headers["csw"]).status_code == 403

    returned = client.post(f"/api/v1/travel-plans/{key}/return", json={"comment": "Caregiver signature missing."},
                           headers=tw.headers["scsw"])
    assert returned.status_code == 200 and returned.json["status"] == "returned"
    seen = client.get(f"/api/v1/travel-plans/{key}", headers=tw.headers["csw"]).json
    assert seen["status"] == "returned" and seen["decision"]["comment"] == "Caregiver signature missing."
    assert seen["decision"]["by"]["display_name"] == "Sofia Supervisor"
    assert client.post(f"/api/v1/travel-plans/{key}/approve", headers=tw.headers["scsw"]).status_code == 409

    edited = client.put(f"/api/v1/travel-plans/{key}", json={**GOOD_PLAN, "mileage": 13.6}, headers=tw.headers["csw"])
    assert edited.status_code == 200 and edited.json["form_280"]["rate"] == 250
    assert client.put(f"/api/v1/travel-plans/{key}", json=GOOD_PLAN, headers=tw.headers["peer"]).status_code == 403
    assert client.post(f"/api/v1/travel-plans/{key}/submit", headers=tw.headers["csw"]).status_code == 200
    approved = client.post(f"/api/v1/travel-plans/{key}/approve", headers=tw.headers["scsw"])
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert approved.json["decision"]["by"]["user_id"] == tw.id["scsw"]
    assert client.get("/api/v1/travel-plans/awaiting-approval", headers=tw.headers["scsw"]).json["items"] == []
    assert client.put(f"/api/v1/travel-plans/{key}", json=GOOD_PLAN, headers=tw.headers["csw"]).status_code == 409

    # The child left the school of origin: the 280 now stops the ETR.
    future = client.post(f"/api/v1/travel-plans/{key}/stop", json={"ended_on": "2026-10-16"},
                         headers=tw.headers["csw"])
    assert future.status_code == 422
    stopped = client.post(f"/api/v1/travel-plans/{key}/stop", json={"ended_on": "2026-10-09", "reason": "moved"},
                          headers=tw.headers["csw"])
    assert stopped.status_code == 200 and stopped.json["status"] == "stopped"
    assert stopped.json["end"] == {"ended_on": "2026-10-09", "reason": "moved"}
    assert stopped.json["form_280"]["action"] == "stop_etr" and stopped.json["form_280"]["stop_date"] == "2026-10-09"
    history = client.get(plans_url(tw.key["kid"]), headers=tw.headers["scsw"]).json["items"]
    assert [p["status"] for p in history] == ["stopped"]

    actions = [(r.action, r.user_id) for r in audit_rows(client.application) if r.action.startswith("travel_plan")]
    assert ("travel_plan.draft", tw.id["csw"]) in actions and ("travel_plan.approve", tw.id["scsw"]) in actions
    assert [a for a, _ in actions if a in ("travel_plan.submit", "travel_plan.return", "travel_plan.approve",
                                           "travel_plan.stop")] == [
        "travel_plan.submit", "travel_plan.return", "travel_plan.submit", "travel_plan.approve", "travel_plan.stop"]
    for row in audit_rows(client.application):
        no_location(str(row.details))
    no_location(caplog.text)


@pytest.mark.parametrize(("changes", "says"), [
    ({"mileage": None}, "mapping service"),
    ({"iep_transport": True}, "transport_not_in_iep fails"),
    ({"temporarily_absent": True}, "not_temporarily_absent fails"),
    ({"temporarily_absent": None}, "answer the checklist first: not_temporarily_absent"),
    ({"mileage": 3.49}, "distance fails"),
])
def test_submission_names_what_is_missing(client, tw, changes, says):
    plan = _draft(client, tw, **changes)
    response = client.post(f"/api/v1/travel-plans/{plan['plan_key']}/submit", headers=tw.headers["csw"])
    assert response.status_code == 422 and says in response.json["detail"]
    assert client.get(f"/api/v1/travel-plans/{plan['plan_key']}", headers=tw.headers["csw"]).json["status"] == "draft"


def test_a_csw_without_supervisor_cannot_submit(client, tw):
    plan = client.post(plans_url(tw.key["lonely"]), json=GOOD_PLAN, headers=tw.headers["lone"]).json
    response = client.post(f"/api/v1/travel-plans/{plan['plan_key']}/submit", headers=tw.headers["lone"])
    assert response.status_code == 409


def test_the_approver_is_the_current_supervisor(app, client, tw):
    plan = _draft(client, tw)
    client.post(f"/api/v1/travel-plans/{plan['plan_key']}/submit", headers=tw.headers["csw"])
    with app.app_context():
        link = db.session.execute(db.select(Supervision).where(Supervision.worker_id == tw.id["csw"])).scalar_one()
        link.end_date = dt.date(2026, 10, 1)
        db.session.add(Supervision(supervisor_id=tw.id["scsw_other"], worker_id=tw.id["csw"],
                                   start_date=dt.date(2026, 10, 2)))
        db.session.commit()
    # Sofia no longer supervises Carla (and so no longer sees the child); Otto now does.
    assert client.post(f"/api/v1/travel-plans/{plan['plan_key']}/approve", headers=tw.headers["scsw"]).status_code == 404
    approved = client.post(f"/api/v1/travel-plans/{plan['plan_key']}/approve", headers=tw.headers["scsw_other"])
    assert approved.status_code == 200


def test_unknown_plan_is_404(client, tw):
    for url in (f"/api/v1/travel-plans/{UNKNOWN_KEY}", "/api/v1/travel-plans/nope"):
        assert client.get(url, headers=tw.headers["csw"]).status_code == 404
    plan = _draft(client, tw)
    # The stranger SCSW cannot even tell the plan exists.
    assert client.get(f"/api/v1/travel-plans/{plan['plan_key']}", headers=tw.headers["stranger"]).status_code == 404


def test_return_needs_a_comment(client, tw):
    plan = _draft(client, tw)
    client.post(f"/api/v1/travel-plans/{plan['plan_key']}/submit", headers=tw.headers["csw"])
    for body in ({}, {"comment": ""}, {"comment": "   "}):
        response = client.post(f"/api/v1/travel-plans/{plan['plan_key']}/return", json=body,
                               headers=tw.headers["scsw"])
        assert response.status_code == 422


def test_no_endpoint_returns_the_placement_location(client, tw, caplog):
    """The record tabs, the caseload, search and the travel routes: the location is in none of them."""
    caplog.set_level("DEBUG")
    key = tw.key["kid"]
    urls = [f"/api/v1/students/{key}", f"/api/v1/students/{key}/enrollments", f"/api/v1/students/{key}/attendance",
            f"/api/v1/students/{key}/progress-reports", "/api/v1/caseload", sor_url(key), plans_url(key),
            f"{sor_url(key)}?cds_code={ORIGIN_CDS}"]
    texts = [client.get(url, headers=tw.headers["csw"]).get_data(as_text=True) for url in urls]
    texts.append(client.get(f"/api/v1/supervisees/{tw.id['csw']}/caseload",
                            headers=tw.headers["scsw"]).get_data(as_text=True))
    texts.append(client.post("/api/v1/students/search", json={"name": "nina"},
                             headers=tw.headers["csw"]).get_data(as_text=True))
    assert "Nina" in texts[0]
    for text in texts:
        no_location(text)
    no_location(caplog.text)


def test_the_database_keeps_one_open_plan_per_child(app, client, tw):
    """The unique index behind the 409: a concurrent second draft cannot land; a stopped plan leaves room."""
    from sqlalchemy.exc import IntegrityError

    from mobile_service.models import TravelPlan

    with app.app_context():
        def plan(status: str) -> TravelPlan:
            return TravelPlan(student_id=tw.student_id["kid"], csw_user_id=tw.id["csw"], school_id=tw.other_school_id,
                              status=status, transport="etr")
        db.session.add_all([plan("stopped"), plan("stopped"), plan("draft")])
        db.session.commit()
        db.session.add(plan("submitted"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_plan_changes_are_rate_limited_per_user(make_app, app, base_env, tw):
    """Writes draw on a per-user quota (api/quotas.py); a refusal writes nothing."""
    from mobile_service.extensions import limiter

    saved = limiter.enabled
    limited = make_app(dict(base_env, RATELIMIT_ENABLED="true", CASELOAD_CHANGE_RATE_LIMIT="1 per minute"))
    try:
        client = limited.test_client()
        plan = client.post(plans_url(tw.key["kid"]), json=GOOD_PLAN, headers=tw.headers["csw"])
        assert plan.status_code == 201
        refused = client.post(f"/api/v1/travel-plans/{plan.json['plan_key']}/submit", headers=tw.headers["csw"])
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert client.get(f"/api/v1/travel-plans/{plan.json['plan_key']}",
                          headers=tw.headers["csw"]).json["status"] == "draft"
    finally:
        limiter.reset()
        limiter.enabled = saved


def test_each_travel_route_states_its_roles(app):
    """Reading is for both field roles; drafting, submitting and stopping for CSWs; deciding for SCSWs."""
    expected = {("/api/v1/students/<student_key>/school-of-origin", "get"): {"csw", "scsw"},
                ("/api/v1/students/<student_key>/travel-plans", "get"): {"csw", "scsw"},
                ("/api/v1/students/<student_key>/travel-plans", "post"): {"csw"},
                ("/api/v1/travel-plans/awaiting-approval", "get"): {"scsw"},
                ("/api/v1/travel-plans/<plan_key>", "get"): {"csw", "scsw"},
                ("/api/v1/travel-plans/<plan_key>", "put"): {"csw"},
                ("/api/v1/travel-plans/<plan_key>/submit", "post"): {"csw"},
                ("/api/v1/travel-plans/<plan_key>/approve", "post"): {"scsw"},
                ("/api/v1/travel-plans/<plan_key>/return", "post"): {"scsw"},
                ("/api/v1/travel-plans/<plan_key>/stop", "post"): {"csw"}}
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/travel-plans") or rule.rule.endswith(("/school-of-origin", "/travel-plans")):
            view = app.view_functions[rule.endpoint].view_class
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found[(rule.rule, method.lower())] = set(getattr(view, method.lower())._required_roles)
    assert found == expected


# --- no estimate on a plan (the placement cannot be triangulated from plans) -------------------------

def _stored(app, plan_key: str):
    from mobile_service.models import TravelPlan

    with app.app_context():
        return db.session.execute(db.select(TravelPlan).where(TravelPlan.plan_key == plan_key)).scalar_one()


def test_a_plan_saved_without_a_mapped_mileage_stores_no_estimate(app, client, tw):
    plan = _draft(client, tw, mileage=None)
    assert plan["form_63b"]["one_way_miles"] is None and plan["form_63b"]["mileage_source"] is None
    assert plan["form_63b"]["monthly_rate"] is None
    assert plan["form_280"]["one_way_mileage"] is None and plan["form_280"]["rate"] is None
    assert plan["form_280"]["rate_table_effective_date"] is None
    stored = _stored(app, plan["plan_key"])
    assert (stored.one_way_miles, stored.mileage_source, stored.rounded_miles, stored.monthly_rate,
            stored.rate_table_effective) == (None, None, None, None, None)
    # The distance item waits for the mapped mileage; it is not judged on an estimate.
    assert stored.eligible is None and stored.failing_items is None
    changed = client.put(f"/api/v1/travel-plans/{plan['plan_key']}", json={**GOOD_PLAN, "mileage": None},
                         headers=tw.headers["csw"])
    assert changed.status_code == 200 and changed.json["form_63b"]["one_way_miles"] is None
    assert _stored(app, plan["plan_key"]).one_way_miles is None
    refused = client.post(f"/api/v1/travel-plans/{plan['plan_key']}/submit", headers=tw.headers["csw"])
    assert refused.status_code == 422 and "mapping service" in refused.json["detail"]
    assert _stored(app, plan["plan_key"]).one_way_miles is None
    mapped = client.put(f"/api/v1/travel-plans/{plan['plan_key']}", json=GOOD_PLAN, headers=tw.headers["csw"]).json
    assert mapped["form_63b"]["one_way_miles"] == 12.4 and mapped["form_63b"]["mileage_source"] == "mapping_service"
    stored = _stored(app, plan["plan_key"])
    assert str(stored.one_way_miles) == "12.40" and stored.rounded_miles == 12 and stored.monthly_rate == 154


def test_no_plan_response_or_list_shows_a_stored_estimate(app, client, tw):
    """A plan row holding an estimate (as drafts did before) shows no miles in the plan, the child's plans
    or the SCSW's awaiting-approval list."""
    from mobile_service.models import TravelPlan

    with app.app_context():
        row = TravelPlan(student_id=tw.student_id["kid"], csw_user_id=tw.id["csw"], school_id=tw.other_school_id,
                         status="submitted", transport="etr", one_way_miles=Decimal("8.63"),
                         mileage_source="straight_line_estimate", submitted_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
        db.session.add(row)
        db.session.commit()
        key = row.plan_key
    texts = [client.get(f"/api/v1/travel-plans/{key}", headers=tw.headers["csw"]),
             client.get(plans_url(tw.key["kid"]), headers=tw.headers["csw"]),
             client.get("/api/v1/travel-plans/awaiting-approval", headers=tw.headers["scsw"])]
    assert all(r.status_code == 200 for r in texts)
    assert texts[0].json["form_63b"]["one_way_miles"] is None
    assert texts[2].json["items"][0]["plan_key"] == key and texts[2].json["items"][0]["one_way_miles"] is None
    for response in texts:
        assert "8.63" not in response.get_data(as_text=True)


# --- who acts on a plan: the case-carrying CSW (DCFS 0900-520.20) ----------------------------------

def test_a_manual_add_only_csw_cannot_draft(client, tw):
    """The peer sees the child through a pending self-granted manual add: 403 saying why, nothing written."""
    assert client.get(plans_url(tw.key["kid"]), headers=tw.headers["peer"]).status_code == 200
    response = client.post(plans_url(tw.key["kid"]), json=GOOD_PLAN, headers=tw.headers["peer"])
    assert response.status_code == 403
    assert "case-carrying CSW" in response.json["detail"] and "manual caseload add" in response.json["detail"]
    assert client.get(plans_url(tw.key["kid"]), headers=tw.headers["csw"]).json["items"] == []
    assert [r for r in audit_rows(client.application) if r.action == "travel_plan.draft"] == []


def test_an_approved_manual_add_does_not_make_a_case_carrier(app, client, tw):
    from mobile_service.models import CaseloadEntry

    with app.app_context():
        entry = db.session.execute(db.select(CaseloadEntry).where(CaseloadEntry.user_id == tw.id["peer"])).scalar_one()
        entry.review_state = "approved"
        db.session.commit()
    assert client.post(plans_url(tw.key["kid"]), json=GOOD_PLAN, headers=tw.headers["peer"]).status_code == 403


def test_drafting_out_of_scope_stays_404(client, tw):
    """The peer cannot see Uma at all: the identical 404, not a 403 (the 403 is for children one sees)."""
    response = client.post(plans_url(tw.key["unplaced"]), json=GOOD_PLAN, headers=tw.headers["peer"])
    unknown = client.post(plans_url(UNKNOWN_KEY), json=GOOD_PLAN, headers=tw.headers["peer"])
    assert response.status_code == unknown.status_code == 404
    assert without_request_id(response.json) == without_request_id(unknown.json)


def _approved(client, tw) -> str:
    key = _draft(client, tw)["plan_key"]
    assert client.post(f"/api/v1/travel-plans/{key}/submit", headers=tw.headers["csw"]).status_code == 200
    assert client.post(f"/api/v1/travel-plans/{key}/approve", headers=tw.headers["scsw"]).status_code == 200
    return key


def test_another_in_scope_csw_cannot_stop_the_plan(client, tw):
    key = _approved(client, tw)
    refused = client.post(f"/api/v1/travel-plans/{key}/stop", json={"ended_on": "2026-10-09"},
                          headers=tw.headers["peer"])
    assert refused.status_code == 403 and "case-carrying CSW" in refused.json["detail"]
    assert client.get(f"/api/v1/travel-plans/{key}", headers=tw.headers["csw"]).json["status"] == "approved"
    assert [r for r in audit_rows(client.application) if r.action == "travel_plan.stop"] == []
    # A CSW who cannot see the child: the identical 404.
    lone = client.post(f"/api/v1/travel-plans/{key}/stop", json={"ended_on": "2026-10-09"}, headers=tw.headers["lone"])
    assert lone.status_code == 404
    stopped = client.post(f"/api/v1/travel-plans/{key}/stop", json={"ended_on": "2026-10-09"},
                          headers=tw.headers["csw"])
    assert stopped.status_code == 200 and stopped.json["status"] == "stopped"


def _hand_case_to_peer(app, tw) -> None:
    """The DCFS feed moves Nina's case from Carla to the peer (Carla keeps a manual add)."""
    from mobile_service.models import DcfsCase, Student, User
    from tests.api.student_helpers import add_to_caseload

    with app.app_context():
        case = db.session.execute(db.select(DcfsCase).where(DcfsCase.student_id == tw.student_id["kid"])).scalar_one()
        case.csw_employee_id = db.session.get(User, tw.id["peer"]).dcfs_employee_id
        add_to_caseload(db.session.get(User, tw.id["csw"]), db.session.get(Student, tw.student_id["kid"]))
        db.session.commit()


def test_the_current_case_carrier_can_stop_a_plan_another_csw_drafted(app, client, tw):
    key = _approved(client, tw)
    _hand_case_to_peer(app, tw)
    stopped = client.post(f"/api/v1/travel-plans/{key}/stop", json={"ended_on": "2026-10-09", "reason": "moved"},
                          headers=tw.headers["peer"])
    assert stopped.status_code == 200 and stopped.json["status"] == "stopped"
    assert stopped.json["csw"]["user_id"] == tw.id["csw"]
    [row] = [r for r in audit_rows(client.application) if r.action == "travel_plan.stop"]
    assert row.user_id == tw.id["peer"]


def test_the_author_who_no_longer_carries_the_case_cannot_change_or_submit(app, client, tw):
    key = _draft(client, tw)["plan_key"]
    _hand_case_to_peer(app, tw)
    for response in (client.put(f"/api/v1/travel-plans/{key}", json=GOOD_PLAN, headers=tw.headers["csw"]),
                     client.post(f"/api/v1/travel-plans/{key}/submit", headers=tw.headers["csw"]),
                     client.post(plans_url(tw.key["kid"]), json=GOOD_PLAN, headers=tw.headers["csw"])):
        assert response.status_code == 403 and "case-carrying CSW" in response.json["detail"]
    assert client.get(f"/api/v1/travel-plans/{key}", headers=tw.headers["csw"]).json["status"] == "draft"
    # Nor does the new carrier edit another CSW's draft (it is its author's).
    assert client.put(f"/api/v1/travel-plans/{key}", json=GOOD_PLAN, headers=tw.headers["peer"]).status_code == 403
