"""One school-of-origin assessment: candidates, distance, rate, checklist and transport, as one value.

Pure: the caller reads the records (``records.py``) and passes the CSW's answers; the travel
plan service and the ``school-of-origin`` endpoint both build their answers from this.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from mobile_service.education import current_enrollment
from mobile_service.travel import eligibility, origin, placements, rates


@dataclass(frozen=True)
class Answers:
    """What the CSW tells the assessment: a mapping service's mileage and the checklist questions."""

    mileage: Decimal | None = None
    iep_transport: bool | None = None
    temporarily_absent: bool | None = None
    transport: str = eligibility.ETR


@dataclass(frozen=True)
class SchoolPoint:
    """The chosen school's identity and directory coordinates."""

    school_id: int
    cds_code: str
    name: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Chosen:
    """The assessment of one chosen school of origin."""

    school: SchoolPoint
    distance: origin.Distance
    rate: rates.Rate | None
    checklist: eligibility.Checklist
    transport: eligibility.PublicTransport
    effective_start: dt.date | None
    payment_route: str

    @property
    def monthly_rate(self) -> int | None:
        """The ETR paid per month: none when passes replace it or the distance is unknown."""
        if self.rate is None or not self.transport.etr_paid:
            return None
        return self.rate.monthly_amount


def choose(candidates: Sequence[origin.Candidate], cds_code: str) -> origin.Candidate | None:
    """The candidate with this CDS code (a school that is not one is no school of origin)."""
    return next((c for c in candidates if c.cds_code == cds_code), None)


def assess_school(*, school: SchoolPoint, placement: origin.Placement | None, spans: Sequence,
                  birth_date: dt.date | None, answers: Answers, today: dt.date, estimate: bool = True) -> Chosen:
    """Distance, rate, checklist, transport and effective start for one chosen school.

    ``estimate=False`` (a travel plan): without the mapping service's mileage there is no distance,
    so no rate, and the distance item stays unknown; a plan never carries a straight-line estimate.
    """
    distance = origin.one_way_distance(answers.mileage, placement, school.latitude, school.longitude,
                                       estimate=estimate)
    rate = rates.rate_for(distance.miles, today) if distance.miles is not None else None
    age = eligibility.age_on(birth_date, today)
    here = [s for s in spans if s.cds_code == school.cds_code]
    now = current_enrollment(here, today)
    facts = eligibility.Facts(age=age, one_way_miles=distance.miles, iep_transport=answers.iep_transport,
                              placement_type=placement.placement_type if placement else None,
                              grade_at_school=now.grade_level if now is not None else None,
                              temporarily_absent=answers.temporarily_absent)
    return Chosen(
        school=school, distance=distance, rate=rate, checklist=eligibility.checklist(facts),
        transport=eligibility.public_transport(answers.transport, age),
        effective_start=origin.effective_start(placement.start_date) if placement else None,
        payment_route=placements.payment_route(placement.placement_type if placement else None),
    )
