"""School-of-origin assessment and travel plans over HTTP, with real tokens (issue 16 item 1)."""
from __future__ import annotations

import datetime as dt

import pytest

from mobile_service.extensions import db
from mobile_service.models import Supervision
from tests.api.caseload_helpers import UNKNOWN_KEY, audit_rows, without_request_id
from tests.api.travel_helpers import (
    EARLIER_CDS,
    GOOD_PLAN,
    LOCATION_TOKENS,
    ORIGIN_CDS,
    OTHER_CDS,
    build_world,
    plans_url,
    sor_url,
)


@pytest.fixture
def tw(app, fixed_today):
    """The travel world (today is 2026-10-15)."""
    return build_world(app)


def _no_location(text: str) -> None:
    for token in LOCATION_TOKENS:
        assert token not in text


def test_candidates_by_the_policys_definition(client, tw):
    response = client.get(sor_url(tw.key["kid"]), headers=tw.headers["csw"])
    assert response.status_code == 200, response.json
    body = response.json
    assert body["placement"] == {"start_date": "2026-02-01", "initial_start_date": "2026-02-01",
                                 "placement_type": "RFA", "placement_type_label": "Resource Family Approved Homes",
                                 "situation": "newly_detained", "location_known": True}
    assert body["definition"]["window_start"] == "2024-11-01" and body["definition"]["window_end"] == "2026-01-31"
    assert body["definition"]["policy"].startswith("For newly-detained")
    assert [(c["cds_code"], c["bases"]) for c in body["candidates"]] == [
        (ORIGIN_CDS, ["prior_school", "within_15_months"]), (EARLIER_CDS, ["within_15_months"])]
    assert body["candidates"][1]["enrollments"] == [{"start_date": "2024-08-14", "exit_date": "2025-06-05",
                                                     "grade_level": "03"}]
    assert body["chosen"] is None and body["reason"] is None
    _no_location(response.get_data(as_text=True))
    [row] = audit_rows(client.application, "student.school_of_origin.view")
    assert row.student_id == tw.student_id["kid"] and row.basis == "dcfs_assignment"


def test_a_chosen_school_without_mileage_is_a_labelled_estimate(client, tw):
    body = client.get(sor_url(tw.key["kid"]), query_string={"cds_code": ORIGIN_CDS},
                      headers=tw.headers["csw"]).json
    chosen = body["chosen"]
    assert chosen["distance"]["source"] == "straight_line_estimate" and chosen["distance"]["estimate"] is True
    # 34.0551234,-117.6012345 to 34.07,-117.75: about 8.6 miles as the crow flies -> 9 -> $154.
    assert 8.4 < chosen["distance"]["one_way_miles"] < 8.8
    assert chosen["rate"]["rounded_miles"] == 9 and chosen["rate"]["monthly_amount"] == 154
    assert chosen["rate"]["table_effective_date"] == "2018-07-26"
    assert chosen["checklist"]["eligible"] is None
    assert chosen["checklist"]["unknown"] == ["transport_not_in_iep", "not_temporarily_absent"]
    assert chosen["effective_start_date"] == "2026-02-01" and chosen["payment_route"] == "caregiver"
    _no_location(str(body))


def test_a_mapped_mileage_is_used_as_the_policy_asks(client, tw):
    query = {"cds_code": ORIGIN_CDS, "mileage": "13.5", "iep_transport": "false", "temporarily_absent": "false"}
    chosen = client.get(sor_url(tw.key["kid"]), query_string=query, headers=tw.headers["csw"]).json["chosen"]
    assert chosen["distance"] == {"one_way_miles": 13.5, "source": "mapping_service", "estimate": False,
                                  "reason": None, "policy": chosen["distance"]["policy"]}
    assert chosen["rate"]["rounded_miles"] == 14 and chosen["monthly_rate"] == 250
    assert chosen["checklist"]["eligible"] is True and chosen["checklist"]["failing"] == []
    passes = client.get(sor_url(tw.key["kid"]), query_string={**query, "transport": "public_transport"},
                        headers=tw.headers["csw"]).json["chosen"]
    assert passes["monthly_rate"] is None and passes["transport"]["etr_paid"] is False
    assert passes["transport"]["passes_for_child"] is True


def test_missing_coordinates_mean_no_estimate_with_the_reason(client, tw):
    chosen = client.get(sor_url(tw.key["kid"]), query_string={"cds_code": EARLIER_CDS},
                        headers=tw.headers["csw"]).json["chosen"]
    assert chosen["distance"]["one_way_miles"] is None and chosen["rate"] is None
    assert chosen["distance"]["reason"] == "the school directory gives no coordinates for this school"
    nowhere = client.get(sor_url(tw.key["nowhere"]), query_string={"cds_code": ORIGIN_CDS},
                         headers=tw.headers["csw"]).json
    assert nowhere["chosen"]["distance"]["reason"] == "the DCFS feed gives no location for the current placement"
    assert nowhere["placement"]["location_known"] is False
    assert nowhere["chosen"]["checklist"]["failing"] == ["eligible_placement"]  # an STRTP is not on the list


def test_no_placement_says_so(client, tw):
    body = client.get(sor_url(tw.key["unplaced"]), headers=tw.headers["csw"]).json
    assert body["placement"] is None and body["candidates"] == []
    assert body["reason"] == "the DCFS feed gives no placement start date for the child's current case"


@pytest.mark.parametrize("mileage", ["-0.01", "-5", "200.01", "1000", "nan", "inf", "twelve"])
def test_negative_or_absurd_mileage_is_422(client, tw, mileage):
    response = client.get(sor_url(tw.key["kid"]), query_string={"cds_code": ORIGIN_CDS, "mileage": mileage},
                          headers=tw.headers["csw"])
    assert response.status_code == 422 and "mileage" in str(response.json["errors"])
    post = client.post(plans_url(tw.key["kid"]), json={**GOOD_PLAN, "mileage": mileage}, headers=tw.headers["csw"])
    assert post.status_code == 422


@pytest.mark.parametrize("mileage", ["0", "200"])
def test_mileage_bounds_are_accepted(client, tw, mileage):
    response = client.get(sor_url(tw.key["kid"]), query_string={"cds_code": ORIGIN_CDS, "mileage": mileage},
                          headers=tw.headers["csw"])
    assert response.status_code == 200


def test_a_school_that_is_no_candidate_is_422(client, tw):
    response = client.get(sor_url(tw.key["kid"]), query_string={"cds_code": OTHER_CDS}, headers=tw.headers["csw"])
    assert response.status_code == 422 and "cds_code" in response.json["errors"]["query"]
    post = client.post(plans_url(tw.key["kid"]), json={**GOOD_PLAN, "cds_code": OTHER_CDS}, headers=tw.headers["csw"])
    assert post.status_code == 422


def test_out_of_scope_is_the_usual_identical_404(client, tw):
    bodies = []
    for key in (tw.key["foreign"], UNKNOWN_KEY, "not-a-key"):
        for response in (client.get(sor_url(key), headers=tw.headers["csw"]),
                         client.post(plans_url(key), json=GOOD_PLAN, headers=tw.headers["csw"]),
                         client.get(plans_url(key), headers=tw.headers["csw"])):
            assert response.status_code == 404
            bodies.append(without_request_id(response.json))
    assert all(body == bodies[0] for body in bodies)
    assert audit_rows(client.application) == []


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
        _no_location(str(row.details))
    _no_location(caplog.text)


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
        _no_location(text)
    _no_location(caplog.text)


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
