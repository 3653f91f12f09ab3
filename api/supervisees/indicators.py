"""Team indicators of an SCSW (``GET /api/v1/supervisees/indicators``): counts over caseloads, no student."""
from __future__ import annotations

from typing import Any

from auth.principal import Principal
from mobile_service import audit, caseload_list, clock, education, indicators, scoping
from mobile_service.extensions import db
from mobile_service.freshness import freshness
from mobile_service.indicator_baseline import baseline
from mobile_service.models import User

COUNTY_POPULATION = "active foster youth in the county (the same data and rules)"


def team_indicators(principal: Principal) -> dict[str, Any]:
    """Each supervisee's and the team's shares, the county baseline, REL West's reference, a monthly trend.

    The populations are the supervisees' caseload lists, the students the SCSW already sees on
    their caseload views; only counts leave. Audited as one aggregate row with no child rows:
    counts of a team are not a disclosure of any one child's record.
    """
    today = clock.today()
    workers = db.session.execute(scoping.supervisees(principal).order_by(User.display_name, User.id)).scalars().all()
    members = caseload_list.caseload_members([(w.id, w.dcfs_employee_id) for w in workers])
    per_worker, team = indicators.group_ids({w.id: members.get(w.id, {}).keys() for w in workers})
    population = indicators.evaluate(team, today)
    county = baseline(today)
    payload = {
        "as_of": today,
        "academic_year": education.academic_year(today),
        "indicators": indicators.definitions(),
        "team": {"students": len(team), "figures": indicators.by_key(population.counts(team))},
        "workers": [{"user_id": w.id, "display_name": w.display_name, "students": len(per_worker[w.id]),
                     "figures": indicators.by_key(population.counts(per_worker[w.id]))} for w in workers],
        "county": {"population": COUNTY_POPULATION, "students": county["students"],
                   "figures": indicators.by_key(county["counts"]), "as_of": county["as_of"],
                   "current": county["current"], "computed_at": county["computed_at"]},
        "trend": [{"month": day.strftime("%Y-%m"), "as_of": day,
                   "figures": indicators.by_key(population.counts(team, day))} for day in population.days],
        "freshness": freshness(),
    }
    audit.record(principal, "supervisees.indicators.view",
                 details={"workers": len(workers), "students": len(team)})
    audit.commit()
    return payload
