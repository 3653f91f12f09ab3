"""DCFS policy 0900-520.20 (Educational Travel Reimbursement), rule by rule, as tables.

Every table quotes the policy sentence it checks; the rules live in ``mobile_service/travel``.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest

from mobile_service.travel import eligibility as el
from mobile_service.travel import origin, placements, rates
from mobile_service.travel.eligibility import FAIL, PASS, UNKNOWN

# --- the rate table ---------------------------------------------------------------------------------

# "Travel Distance from Foster Care Placement to School-of-Origin (in miles) - ONE WAY / Educational
# Travel Rate (ETR) per Month per Child: Up to 3 miles $0; 4-8 miles $58; 9-13 miles $154; 14-18 miles
# $250; 19-23 miles $347; 24 or more miles $443"
BANDS = [
    (0, 0, "Up to 3 miles"), (3, 0, "Up to 3 miles"), (4, 58, "4-8 miles"), (8, 58, "4-8 miles"),
    (9, 154, "9-13 miles"), (13, 154, "9-13 miles"), (14, 250, "14-18 miles"), (18, 250, "14-18 miles"),
    (19, 347, "19-23 miles"), (23, 347, "19-23 miles"), (24, 443, "24 or more miles"),
    (200, 443, "24 or more miles"),
]


@pytest.mark.parametrize(("miles", "amount", "band"), BANDS)
def test_bands(miles, amount, band):
    rate = rates.rate_for(Decimal(miles), dt.date(2026, 10, 15))
    assert (rate.rounded_miles, rate.monthly_amount, rate.band) == (miles, amount, band)
    assert rate.table_effective_date == dt.date(2018, 7, 26)


# "*A partial mile should be rounded up if it is 0.5 and above, and rounded down if less than 0.5."
ROUNDING = [
    ("0.49", 0), ("0.5", 1), ("3.49", 3), ("3.5", 4), ("8.49", 8), ("8.5", 9), ("13.5", 14), ("18.49", 18),
    ("23.5", 24), ("12.0", 12), ("12.99", 13),
]


@pytest.mark.parametrize(("miles", "whole"), ROUNDING)
def test_rounding(miles, whole):
    assert rates.round_miles(Decimal(miles)) == whole


@pytest.mark.parametrize(("miles", "amount"), [("3.49", 0), ("3.5", 58), ("8.49", 58), ("8.5", 154),
                                               ("23.49", 347), ("23.5", 443)])
def test_rounding_decides_the_band(miles, amount):
    assert rates.rate_for(Decimal(miles), dt.date(2026, 10, 15)).monthly_amount == amount


def test_a_new_rate_table_is_a_data_change(tmp_path):
    """A new CDSS table is a new entry of the data file, picked by its effective date; old plans keep theirs."""
    document = json.loads(rates.RATES_FILE.read_text(encoding="utf-8"))
    newer = json.loads(json.dumps(document["tables"][0]))
    newer["effective_date"], newer["source"] = "2027-07-01", "a later CDSS table"
    for band in newer["bands"]:
        band["monthly_amount"] = band["monthly_amount"] * 2
    document["tables"].append(newer)
    path = tmp_path / "rates.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    tables = rates.load_tables(path)
    assert rates.rate_for(Decimal(10), dt.date(2027, 6, 30), tables).monthly_amount == 154
    later = rates.rate_for(Decimal(10), dt.date(2027, 7, 1), tables)
    assert (later.monthly_amount, later.table_effective_date) == (308, dt.date(2027, 7, 1))


def test_a_table_with_a_gap_is_refused(tmp_path):
    document = json.loads(rates.RATES_FILE.read_text(encoding="utf-8"))
    document["tables"][0]["bands"][1]["min_miles"] = 5  # nothing for 4 miles
    path = tmp_path / "rates.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError, match="without gaps"):
        rates.load_tables(path)


# --- the eligibility checklist ---------------------------------------------------------------------

def _facts(**changes) -> el.Facts:
    values = {"age": 9, "one_way_miles": Decimal("12.00"), "iep_transport": False, "placement_type": "FFH",
              "grade_at_school": "04", "temporarily_absent": False}
    values.update(changes)
    return el.Facts(**values)


# (policy sentence, facts changed, item, expected status)
CHECKLIST = [
    # "The child/youth/NMD is to be school aged (at least eligible for enrollment in Kindergarten/ age 5+)"
    ("school aged, age 5+", {"age": 5}, el.SCHOOL_AGED, PASS),
    ("school aged, age 5+", {"age": 4}, el.SCHOOL_AGED, FAIL),
    ("school aged, age 5+", {"age": None}, el.SCHOOL_AGED, UNKNOWN),
    # "Distance transported must be more than *3.49 miles from the current placement"
    ("more than 3.49 miles", {"one_way_miles": Decimal("3.50")}, el.DISTANCE, PASS),
    ("more than 3.49 miles", {"one_way_miles": Decimal("3.49")}, el.DISTANCE, FAIL),
    ("more than 3.49 miles", {"one_way_miles": Decimal("0")}, el.DISTANCE, FAIL),
    ("more than 3.49 miles", {"one_way_miles": None}, el.DISTANCE, UNKNOWN),
    # "Transportation must not be part of the child's Individualized Education Plan (IEP) contract."
    ("transport not in the IEP", {"iep_transport": False}, el.IEP, PASS),
    ("transport not in the IEP", {"iep_transport": True}, el.IEP, FAIL),
    ("transport not in the IEP", {"iep_transport": None}, el.IEP, UNKNOWN),
    # "Children/youth/NMDs residing in the following circumstances are eligible: Licensed foster family
    # homes; Resource Family Approved Homes; Approved relatives' homes; Small family homes; Non-related
    # extended family members' (NREFM) homes; FFA Certified foster homes; Nonminor dependents (NMDs) in
    # Supervised Independent Living Placements (SILPs) who are finishing high school"
    *(("eligible placement", {"placement_type": code}, el.PLACEMENT, PASS)
      for code in ("FFH", "RFA", "REL", "SFH", "NREFM", "FFA")),
    ("eligible placement: NMD in a SILP finishing high school", {"placement_type": "SILP", "grade_at_school": "12"},
     el.PLACEMENT, PASS),
    ("eligible placement: NMD in a SILP not in high school", {"placement_type": "SILP", "grade_at_school": None},
     el.PLACEMENT, FAIL),
    *(("placement not on the list", {"placement_type": code}, el.PLACEMENT, FAIL)
      for code in ("STRTP", "THP", "GROUP", "OTHER")),
    ("placement unknown", {"placement_type": None}, el.PLACEMENT, UNKNOWN),
    # "DCFS is not required to provide the ETR for children who are temporarily absent from foster care
    # (e.g. runaways, children who are hospitalized, etc.)"
    ("not temporarily absent", {"temporarily_absent": False}, el.PRESENT, PASS),
    ("not temporarily absent", {"temporarily_absent": True}, el.PRESENT, FAIL),
    ("not temporarily absent", {"temporarily_absent": None}, el.PRESENT, UNKNOWN),
]


@pytest.mark.parametrize(("rule", "changes", "item", "status"), CHECKLIST, ids=[f"{c[2]}-{c[3]}-{i}" for i, c in
                                                                                  enumerate(CHECKLIST)])
def test_checklist_items(rule, changes, item, status):
    checks = el.checklist(_facts(**changes))
    [found] = [i for i in checks.items if i.item == item]
    assert found.status == status, rule
    # Every other item still passes, so the checklist names exactly the failing one.
    assert all(i.status == PASS for i in checks.items if i.item != item)
    assert checks.failing == ((item,) if status == FAIL else ())
    assert checks.eligible is {PASS: True, FAIL: False, UNKNOWN: None}[status]
    assert found.policy == el.POLICY[item]


def test_checklist_order_is_the_policys():
    assert tuple(i.item for i in el.checklist(_facts()).items) == el.ITEMS


# "Foster Family Agencies (FFAs) receive payment for educational travel costs as part of the foster care
# payment ... ETR payments are not processed as separate reimbursements." / SILP NMDs "are entitled to
# directly receive the ETR or public transportation."
@pytest.mark.parametrize(("placement_type", "route"), [("FFA", "ffa"), ("SILP", "nmd"), ("FFH", "caregiver"),
                                                       ("REL", "caregiver"), (None, "caregiver")])
def test_payment_route(placement_type, route):
    assert placements.payment_route(placement_type) == route


# --- ETR or passes ----------------------------------------------------------------------------------

# "Ensure that the caregiver/NMD only receives one of: either a School-of-Origin bus pass/TAP Card/EZ Pass
# TAP Card/token/coupon or the Educational Travel Reimbursement monthly rate for the child/NMD. They are
# not permitted to receive both." / "Children under five (5) years old ride free."
TRANSPORT = [
    ("etr", 9, True, False),
    ("public_transport", 9, False, True),
    ("public_transport", 4, False, False),  # rides free: no pass for the child
    ("etr", 4, True, False),
]


@pytest.mark.parametrize(("transport", "age", "etr_paid", "passes"), TRANSPORT)
def test_etr_or_passes_never_both(transport, age, etr_paid, passes):
    found = el.public_transport(transport, age)
    assert (found.etr_paid, found.passes_for_child) == (etr_paid, passes)
    assert not (found.etr_paid and found.passes_for_child)


def test_no_third_way():
    with pytest.raises(ValueError):
        el.public_transport("both", 9)


# --- school of origin -------------------------------------------------------------------------------

def _span(cds: str, start: str, exit_: str | None, status: str = "10", grade: str = "05"):
    return SimpleNamespace(cds_code=cds, name=f"School {cds[-1]}", district_name="Pomona Unified",
                           enrollment_status=status, grade_level=grade, start_date=dt.date.fromisoformat(start),
                           exit_date=dt.date.fromisoformat(exit_) if exit_ else None)


A, B, C, D, E = (f"1964733000000{n}" for n in range(1, 6))
SPANS = [
    _span(A, "2021-08-12", "2023-06-01"),  # long before every window
    _span(B, "2023-08-10", "2025-01-31"),  # within 15 months of 2026-02-01, not of 2026-09-01
    _span(C, "2025-02-03", "2025-06-05"),
    _span(D, "2025-08-13", None),         # the school when placed (still open)
    _span(E, "2025-06-20", "2025-07-20", status="30"),  # summer school: short-term, not attended
]

# (policy, placement start, initial start, situation, candidates in order with their bases)
DEFINITIONS = [
    # "For newly-detained children/youth/NMDs: The school that the child/youth/NMD attended prior to detetion;
    # OR Any other school that the child/youth/NMD attended within the immediately preceding 15 months of the
    # initial placement"
    ("newly detained", "2026-02-01", "2026-02-01", origin.NEWLY_DETAINED,
     [(D, ("prior_school", "within_15_months")), (C, ("within_15_months",)), (B, ("within_15_months",))]),
    # "For replaced children/youth/NMDs: The school in which the child/youth/NMD was enrolled prior to the
    # replacement; OR Any other school that the child/youth/NMD attended within the immediately preceding 15
    # months of the current placement"
    ("replaced", "2026-09-01", "2024-03-01", origin.REPLACED,
     [(D, ("prior_school", "within_15_months")), (C, ("within_15_months",))]),
    # Newly detained earlier: the 15 months count from that initial placement (A left on its first day).
    ("newly detained earlier", "2024-09-01", "2024-09-01", origin.NEWLY_DETAINED,
     [(B, ("prior_school", "within_15_months")), (A, ("within_15_months",))]),
    ("placed before any school", "2021-01-04", "2021-01-04", origin.NEWLY_DETAINED, []),
]


@pytest.mark.parametrize(("rule", "start", "initial", "situation", "expected"), DEFINITIONS,
                         ids=[d[0] for d in DEFINITIONS])
def test_school_of_origin_definitions(rule, start, initial, situation, expected):
    placement = origin.Placement(dt.date.fromisoformat(start), dt.date.fromisoformat(initial), "FFH")
    assert placement.situation == situation, rule
    found = origin.candidates(SPANS, placement)
    assert [(c.cds_code, c.bases) for c in found] == expected, rule
    for candidate in found:
        assert all(s.cds_code == candidate.cds_code for s in candidate.spans)  # each with its enrollment dates


def test_prior_school_outside_window():
    """The prior school counts even when the child left it before the 15 months."""
    placement = origin.Placement(dt.date(2024, 9, 1), dt.date(2024, 9, 1), "FFH")
    only_old = [_span(A, "2021-08-12", "2023-01-10")]
    assert [(c.cds_code, c.bases) for c in origin.candidates(only_old, placement)] == [(A, ("prior_school",))]


@pytest.mark.parametrize(("day", "earlier"), [("2026-02-01", "2024-11-01"), ("2026-05-31", "2025-02-28"),
                                              ("2024-05-29", "2023-02-28")])
def test_fifteen_months_before(day, earlier):
    assert origin.months_before(dt.date.fromisoformat(day), 15) == dt.date.fromisoformat(earlier)


# --- distance ---------------------------------------------------------------------------------------

# "Use a web-based mapping system, such as Google Maps to determine the distance between the
# school-of-origin and the child's placement."
PLACED = origin.Placement(dt.date(2026, 2, 1), dt.date(2026, 2, 1), "FFH", 34.0551, -117.7500)
UNPLACED = origin.Placement(dt.date(2026, 2, 1), dt.date(2026, 2, 1), "FFH")
DISTANCES = [
    (Decimal("7.30"), PLACED, (34.1, -117.8), Decimal("7.30"), origin.MAPPING_SERVICE, None),
    (Decimal("7.30"), UNPLACED, (None, None), Decimal("7.30"), origin.MAPPING_SERVICE, None),
    # 0.175 degrees of longitude at 34.06 N: 0.175 x 69.09 mi x cos(34.06) = 10.02 miles, estimated as 10.
    (None, PLACED, (34.0551, -117.5750), Decimal("10"), origin.STRAIGHT_LINE, None),
    (None, UNPLACED, (34.1, -117.8), None, None, origin.NO_PLACEMENT_LOCATION),
    (None, None, (34.1, -117.8), None, None, origin.NO_PLACEMENT_LOCATION),
    (None, PLACED, (None, None), None, None, origin.NO_SCHOOL_LOCATION),
]


@pytest.mark.parametrize(("mileage", "placement", "school", "miles", "source", "reason"), DISTANCES)
def test_distance(mileage, placement, school, miles, source, reason):
    found = origin.one_way_distance(mileage, placement, *school)
    assert (found.miles, found.source, found.reason) == (miles, source, reason)
    assert found.estimate is (source == origin.STRAIGHT_LINE)


# The estimate leaves the domain in whole miles by the policy's rule ("*A partial mile should be
# rounded up if it is 0.5 and above, and rounded down if less than 0.5."): a figure to the hundredth
# of a mile, asked for once per candidate school, would triangulate the placement.
@pytest.mark.parametrize(("crow", "whole"), [("8.50", 9), ("8.49", 8), ("3.49", 3), ("3.50", 4), ("0.20", 0),
                                             ("10.02", 10)])
def test_a_straight_line_estimate_is_whole_miles(monkeypatch, crow, whole):
    monkeypatch.setattr(origin, "_haversine_miles", lambda *_: Decimal(crow))
    found = origin.one_way_distance(None, PLACED, 34.1, -117.8)
    assert found.source == origin.STRAIGHT_LINE and found.estimate
    assert found.miles == whole and found.miles == found.miles.to_integral_value()
    assert isinstance(int(found.miles), int) and found.miles.as_tuple().exponent == 0
    # The rate follows from the same whole miles.
    assert rates.rate_for(found.miles, dt.date(2026, 10, 15)).rounded_miles == whole


def test_no_estimate_when_the_caller_keeps_none():
    """A travel plan asks for no estimate: the mapped mileage, or no distance and why."""
    assert origin.one_way_distance(None, PLACED, 34.1, -117.8, estimate=False) == origin.Distance(
        None, None, origin.NEEDS_MAPPED_MILEAGE)
    assert origin.one_way_distance(Decimal("7.30"), PLACED, 34.1, -117.8, estimate=False).miles == Decimal("7.30")


def test_the_placement_location_does_not_print():
    assert "34.0551" not in repr(PLACED) and "117.75" not in repr(PLACED)


# "Education Travel Reimbursement is retroactive to either January 1, 2010 or the first date of placement,
# whichever is most recent."
@pytest.mark.parametrize(("placed", "start"), [("2026-02-01", "2026-02-01"), ("2009-06-30", "2010-01-01"),
                                               ("2010-01-01", "2010-01-01")])
def test_retroactive_start(placed, start):
    assert origin.effective_start(dt.date.fromisoformat(placed)) == dt.date.fromisoformat(start)
