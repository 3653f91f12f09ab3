"""GET /api/v1/students/{key}/school-of-origin over HTTP: candidates, distance, rate, checklist (issue 16 item 1)."""
from __future__ import annotations

import pytest

from tests.api.caseload_helpers import UNKNOWN_KEY, audit_rows, without_request_id
from tests.api.travel_helpers import (
    EARLIER_CDS,
    GOOD_PLAN,
    ORIGIN_CDS,
    OTHER_CDS,
    build_world,
    no_location,
    plans_url,
    sor_url,
)


@pytest.fixture
def tw(app, fixed_today):
    """The travel world (today is 2026-10-15)."""
    return build_world(app)


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
    no_location(response.get_data(as_text=True))
    [row] = audit_rows(client.application, "student.school_of_origin.view")
    assert row.student_id == tw.student_id["kid"] and row.basis == "dcfs_assignment"


def test_a_chosen_school_without_mileage_is_a_labelled_estimate(client, tw):
    response = client.get(sor_url(tw.key["kid"]), query_string={"cds_code": ORIGIN_CDS}, headers=tw.headers["csw"])
    body, response_text = response.json, response.get_data(as_text=True)
    chosen = body["chosen"]
    assert chosen["distance"]["source"] == "straight_line_estimate" and chosen["distance"]["estimate"] is True
    # 34.0551234,-117.6012345 to 34.07,-117.75: about 8.6 miles as the crow flies, shown only as 9 -> $154.
    assert chosen["distance"]["one_way_miles"] == 9 and type(chosen["distance"]["one_way_miles"]) is int
    assert '"one_way_miles":9,' in response_text.replace(" ", "")
    assert chosen["rate"]["rounded_miles"] == 9 and chosen["rate"]["monthly_amount"] == 154
    assert chosen["rate"]["table_effective_date"] == "2018-07-26"
    assert chosen["checklist"]["eligible"] is None
    assert chosen["checklist"]["unknown"] == ["transport_not_in_iep", "not_temporarily_absent"]
    assert chosen["effective_start_date"] == "2026-02-01" and chosen["payment_route"] == "caregiver"
    no_location(str(body))


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


def test_the_supervising_scsw_reads_the_assessment(client, tw):
    response = client.get(sor_url(tw.key["kid"]), query_string={"cds_code": ORIGIN_CDS}, headers=tw.headers["scsw"])
    assert response.status_code == 200 and response.json["chosen"]["distance"]["one_way_miles"] == 9
    [row] = audit_rows(client.application, "student.school_of_origin.view")
    assert row.user_id == tw.id["scsw"] and row.basis == "supervision"


@pytest.mark.parametrize("who", ["peer", "scsw_other"])
@pytest.mark.parametrize("query", [{}, {"cds_code": ORIGIN_CDS}])
def test_seeing_the_child_through_a_manual_add_is_no_assessment(client, tw, who, query):
    """The peer sees the child only through a (pending, self-granted) manual add, Otto only as the peer's
    SCSW: neither is the case carrier or their supervisor, so 403 with a clear detail, nothing disclosed."""
    assert client.get(f"/api/v1/students/{tw.key['kid']}", headers=tw.headers[who]).status_code == 200
    response = client.get(sor_url(tw.key["kid"]), query_string=query, headers=tw.headers[who])
    assert response.status_code == 403, response.json
    assert "case-carrying CSW" in response.json["detail"] and "manual caseload add" in response.json["detail"]
    text = response.get_data(as_text=True)
    assert "Pomona" not in text and "candidates" not in text and "miles" not in text
    no_location(text)
    assert audit_rows(client.application, "student.school_of_origin.view") == []


def test_an_approved_manual_add_is_still_no_assessment(app, client, tw):
    from mobile_service.extensions import db
    from mobile_service.models import CaseloadEntry

    with app.app_context():
        entry = db.session.execute(db.select(CaseloadEntry).where(CaseloadEntry.user_id == tw.id["peer"])).scalar_one()
        entry.review_state = "approved"
        db.session.commit()
    assert client.get(sor_url(tw.key["kid"]), headers=tw.headers["peer"]).status_code == 403


def test_a_child_out_of_scope_is_404_not_403_for_the_assessment(client, tw):
    """The stranger SCSW cannot see the child at all: the identical 404 of an unknown key, not a 403."""
    stranger = client.get(sor_url(tw.key["kid"]), headers=tw.headers["stranger"])
    unknown = client.get(sor_url(UNKNOWN_KEY), headers=tw.headers["stranger"])
    assert stranger.status_code == unknown.status_code == 404
    assert without_request_id(stranger.json) == without_request_id(unknown.json)
