"""The ETR eligibility checklist and the public-transport alternative (DCFS 0900-520.20).

Each item passes, fails, or is unknown (the data cannot tell and the CSW must answer); the
checklist says which item fails. The policy sentence of each item travels with it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from mobile_service.education import age
from mobile_service.travel import placements

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
SCHOOL_AGED, DISTANCE, IEP, PLACEMENT, PRESENT = ("school_aged", "distance", "transport_not_in_iep",
                                                  "eligible_placement", "not_temporarily_absent")
ITEMS = (SCHOOL_AGED, DISTANCE, IEP, PLACEMENT, PRESENT)
MIN_AGE = 5
MIN_MILES = Decimal("3.49")  # "more than *3.49 miles"
HIGH_SCHOOL_GRADES = frozenset({"09", "10", "11", "12"})
ETR, PUBLIC_TRANSPORT = "etr", "public_transport"
TRANSPORTS = (ETR, PUBLIC_TRANSPORT)

POLICY = {
    SCHOOL_AGED: ("The child/youth/NMD is to be school aged (at least eligible for enrollment in Kindergarten/ "
                  "age 5+)"),
    DISTANCE: ("Distance transported must be more than *3.49 miles from the current placement as described in "
               "the chart below."),
    IEP: ("Transportation must not be part of the child's Individualized Education Plan (IEP) contract. When a "
          "child/youth/NMD has an IEP, that identifies transportation as a service component, the responsible "
          "school district must provide or arrange for that transportation."),
    PLACEMENT: ("Children/youth/NMDs residing in the following circumstances are eligible: Licensed foster family "
                "homes; Resource Family Approved Homes; Approved relatives' homes; Small family homes; Non-related "
                "extended family members' (NREFM) homes; FFA Certified foster homes; Nonminor dependents (NMDs) in "
                "Supervised Independent Living Placements (SILPs) who are finishing high school"),
    PRESENT: ("DCFS is not required to provide the ETR for children who are temporarily absent from foster care "
              "(e.g. runaways, children who are hospitalized, etc.)"),
}
EITHER_OR_RULE = ("Ensure that the caregiver/NMD only receives one of: either a School-of-Origin bus pass/TAP "
                  "Card/EZ Pass TAP Card/token/coupon or the Educational Travel Reimbursement monthly rate for "
                  "the child/NMD. They are not permitted to receive both.")
UNDER_FIVE_RULE = "Children under five (5) years old ride free."
SAME_REQUIREMENTS_RULE = "The same eligibility requirements apply to public transportation."


@dataclass(frozen=True)
class Item:
    """One checklist item: its outcome and why."""

    item: str
    status: str
    reason: str

    @property
    def policy(self) -> str:
        """The policy sentence this item applies."""
        return POLICY[self.item]


@dataclass(frozen=True)
class Checklist:
    """The five items, in the policy's order."""

    items: tuple[Item, ...]

    @property
    def failing(self) -> tuple[str, ...]:
        """The items that fail (what makes the child ineligible)."""
        return tuple(i.item for i in self.items if i.status == FAIL)

    @property
    def unknown(self) -> tuple[str, ...]:
        """The items the CSW still has to answer."""
        return tuple(i.item for i in self.items if i.status == UNKNOWN)

    @property
    def eligible(self) -> bool | None:
        """True when every item passes, False when one fails, None while one is unknown."""
        if self.failing:
            return False
        return None if self.unknown else True


@dataclass(frozen=True)
class Facts:
    """What the checklist reads: the record's facts and the CSW's answers (None: not given)."""

    age: int | None
    one_way_miles: Decimal | None
    iep_transport: bool | None
    placement_type: str | None
    grade_at_school: str | None  # the child's current grade at the chosen school, if enrolled there
    temporarily_absent: bool | None


def _school_aged(age: int | None) -> Item:
    if age is None:
        return Item(SCHOOL_AGED, UNKNOWN, "the record has no usable birth date")
    if age >= MIN_AGE:
        return Item(SCHOOL_AGED, PASS, f"age {age}")
    return Item(SCHOOL_AGED, FAIL, f"age {age}: under 5, not yet eligible for kindergarten")


def _distance(miles: Decimal | None) -> Item:
    if miles is None:
        return Item(DISTANCE, UNKNOWN, "no one-way distance yet (give the mapping service's mileage)")
    if miles > MIN_MILES:
        return Item(DISTANCE, PASS, f"{miles} miles one way")
    return Item(DISTANCE, FAIL, f"{miles} miles one way: not more than 3.49 miles")


def _iep(iep_transport: bool | None) -> Item:
    if iep_transport is None:
        return Item(IEP, UNKNOWN, "say whether the child's IEP includes transportation")
    if iep_transport:
        return Item(IEP, FAIL, "the IEP includes transportation: the school district provides or arranges it")
    return Item(IEP, PASS, "transportation is not part of an IEP")


def _placement(placement_type: str | None, grade: str | None) -> Item:
    if placement_type is None:
        return Item(PLACEMENT, UNKNOWN, "the DCFS feed gives no placement type")
    label = placements.LABELS.get(placement_type, placement_type)
    if placement_type not in placements.ELIGIBLE:
        return Item(PLACEMENT, FAIL, f"{label}: not a placement the policy lists")
    if placement_type == placements.SILP:
        if grade in HIGH_SCHOOL_GRADES:
            return Item(PLACEMENT, PASS, f"NMD in a SILP attending high school (grade {grade}) at the school of origin")
        return Item(PLACEMENT, FAIL, "NMD in a SILP who is not finishing high school at the school of origin")
    if placement_type == placements.FFA:
        return Item(PLACEMENT, PASS, f"{label}: paid through the FFA as part of the foster care payment")
    return Item(PLACEMENT, PASS, label)


def _present(temporarily_absent: bool | None) -> Item:
    if temporarily_absent is None:
        return Item(PRESENT, UNKNOWN, "say whether the child is temporarily absent from foster care")
    if temporarily_absent:
        return Item(PRESENT, FAIL, "temporarily absent from foster care (e.g. runaway, hospitalized)")
    return Item(PRESENT, PASS, "in placement")


def checklist(facts: Facts) -> Checklist:
    """Run the five items of the policy, in its order."""
    return Checklist((
        _school_aged(facts.age), _distance(facts.one_way_miles), _iep(facts.iep_transport),
        _placement(facts.placement_type, facts.grade_at_school), _present(facts.temporarily_absent),
    ))


@dataclass(frozen=True)
class PublicTransport:
    """The public-transport alternative: passes instead of the ETR, never both."""

    chosen: str
    etr_paid: bool
    passes_for_child: bool  # under 5 the child rides free: no pass for them


def public_transport(transport: str, age: int | None) -> PublicTransport:
    """Either the ETR or passes: the transport chosen decides which, and a child under 5 needs no pass."""
    if transport not in TRANSPORTS:
        raise ValueError(f"transport must be one of {TRANSPORTS}")
    riding = transport == PUBLIC_TRANSPORT
    return PublicTransport(transport, etr_paid=not riding, passes_for_child=riding and (age is None or age >= MIN_AGE))


def age_on(birth_date: dt.date | None, day: dt.date) -> int | None:
    """Whole years on ``day`` (the education module's rule)."""
    return age(birth_date, day)
