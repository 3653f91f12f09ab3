"""The team indicators over the pilot cohort's caseloads, for the coordinators' dashboard.

Coordinators never see students: this returns counts over the union of the participants'
caseload lists (each student once), the county baseline and REL West's reference, nothing else.
Same definitions and code as the SCSW's team indicators (``mobile_service.indicators``).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from mobile_service import caseload_list, indicators
from mobile_service.extensions import db
from mobile_service.indicator_baseline import baseline
from mobile_service.models import FIELD_ROLES, User


def cohort_indicators(cohort_name: str, today: dt.date) -> dict[str, Any]:
    """Each indicator over the active participants' caseloads, beside the county and REL West."""
    workers = db.session.execute(select(User.id, User.dcfs_employee_id).where(
        User.pilot_cohort == cohort_name, User.active.is_(True), User.role.in_(FIELD_ROLES))).all()
    members = caseload_list.caseload_members([(w.id, w.dcfs_employee_id) for w in workers])
    _, ids = indicators.group_ids({w.id: members.get(w.id, {}).keys() for w in workers})
    population = indicators.evaluate(ids, today, trend=False)
    county = baseline(today)
    cohort = {f["indicator"]: f for f in indicators.by_key(population.counts(ids))}
    baseline_figures = {f["indicator"]: f for f in indicators.by_key(county["counts"])}
    rows = [{**definition, "cohort": cohort[definition["indicator"]],
             "county": baseline_figures[definition["indicator"]]} for definition in indicators.definitions()]
    return {"as_of": today, "participants": len(workers), "students": len(ids), "county_students": county["students"],
            "county_as_of": county["as_of"], "county_current": county["current"], "rows": rows}
