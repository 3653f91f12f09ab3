"""Travel plan services: scope, the policy's rules (``mobile_service.travel``), audit, ONE commit.

A student outside the caller's scope, or a plan of one, is the usual identical 404; a caller who
sees the child but may not do this is a 403 (``scoping.may_carry_travel_plan``). The CSW who
carries the case (the DCFS feed's assigned worker) assesses, drafts, edits and submits; the
plan's CSW or the current case carrier stops it; only the SCSW who currently supervises the
plan's CSW approves or returns it (another SCSW: 403), and the assessment is for the case carrier
and the SCSW supervising them. Every step leaves an audit row in the same transaction. No answer
and no audit row carries the placement's location, and a plan never stores a straight-line estimate.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.travel_plans.assessment import Assessment, assessment, render, resolve_student
from api.travel_plans.rendering import mapped_miles, render_one, render_plan, workers
from auth.principal import Principal
from mobile_service import audit, clock, scoping
from mobile_service.errors import APIError, not_found
from mobile_service.extensions import db
from mobile_service.identifiers import is_student_key
from mobile_service.models import School, Student, TravelPlan, User
from mobile_service.models.travel import PLAN_SUBMITTED
from mobile_service.pagination import paginate
from mobile_service.travel import assess, workflow
from mobile_service.travel.origin import MAPPING_SERVICE
from mobile_service.travel.plans import apply_assessment

FORBIDDEN_REVIEW = "Only the SCSW who currently supervises the plan's CSW may approve or return it."
OPEN_PLAN = "This child already has an open travel plan; change it, or stop it first."
FORBIDDEN_EDIT = "Only the CSW who drafted the plan may change or submit it."
NOT_CARRIER = ("Only the case-carrying CSW (the child's assigned worker in the DCFS feed) may draft, change or "
               "submit a travel plan; a manual caseload add does not make you the case carrier.")
FORBIDDEN_STOP = "Only the plan's CSW or the child's current case-carrying CSW may stop the plan."
FORBIDDEN_ASSESS = ("The school-of-origin assessment is for the child's case-carrying CSW (the assigned worker in "
                    "the DCFS feed) and the SCSW supervising them; a manual caseload add does not give it.")


def _require_carrier(principal: Principal, student_id: int) -> None:
    if not scoping.may_carry_travel_plan(principal, student_id):
        raise APIError(403, NOT_CARRIER)


def school_of_origin(principal: Principal, student_key: str, *, cds_code: str | None, mileage: Decimal | None,
                     iep_transport: bool | None, temporarily_absent: bool | None, transport: str) -> dict[str, Any]:
    """Candidates by the policy's definition and, for a chosen school, distance, rate and checklist."""
    student, basis = resolve_student(principal, student_key)
    if not scoping.may_assess_school_of_origin(principal, student.id):
        raise APIError(403, FORBIDDEN_ASSESS)
    answers = assess.Answers(mileage=mileage, iep_transport=iep_transport, temporarily_absent=temporarily_absent,
                             transport=transport)
    found = assessment(student, cds_code=cds_code, answers=answers, today=clock.today())
    payload = render(found)
    details = {"candidates": len(found.candidates), "cds_code": cds_code,
               "distance_source": found.chosen.distance.source if found.chosen else None}
    audit.record(principal, "student.school_of_origin.view", student_id=student.id, ssid=student.ssid, basis=basis,
                 details=details)
    audit.commit()
    return payload


# --- plans ---------------------------------------------------------------------------------------

def _apply(plan: TravelPlan, found: Assessment, answers: assess.Answers) -> None:
    apply_assessment(plan, found.placement, found.chosen, answers)


def _answers(body: dict[str, Any]) -> assess.Answers:
    return assess.Answers(mileage=body.get("mileage"), iep_transport=body.get("iep_transport"),
                          temporarily_absent=body.get("temporarily_absent"), transport=body.get("transport", "etr"))


def _assess_for_plan(student: Student, cds_code: str, answers: assess.Answers) -> Assessment:
    # A plan carries the mapping service's mileage or no distance: never a straight-line estimate.
    found = assessment(student, cds_code=cds_code, answers=answers, today=clock.today(), location="json",
                       estimate=False)
    if found.placement is None:
        raise APIError(422, "The DCFS feed gives no placement for this child: a travel plan needs the placement.")
    return found


def _audit(principal: Principal, action: str, plan: TravelPlan, student: Student, basis: str) -> None:
    audit.record(principal, action, student_id=student.id, ssid=student.ssid, basis=basis,
                 details={"plan_key": plan.plan_key, "status": plan.status})


def create_plan(principal: Principal, student_key: str, body: dict[str, Any]) -> dict[str, Any]:
    """Save a new draft for a child whose case the CSW carries (one open plan per child)."""
    student, basis = resolve_student(principal, student_key)
    _require_carrier(principal, student.id)
    open_plan = db.session.execute(select(TravelPlan.plan_key).where(
        TravelPlan.student_id == student.id, TravelPlan.status.in_(workflow.OPEN_STATES)).limit(1)).scalar()
    if open_plan is not None:
        raise APIError(409, OPEN_PLAN)
    answers = _answers(body)
    found = _assess_for_plan(student, body["cds_code"], answers)
    plan = TravelPlan(student_id=student.id, csw_user_id=principal.user_id, school_id=found.chosen.school.school_id,
                      transport=answers.transport, created_at=clock.utcnow())
    _apply(plan, found, answers)
    db.session.add(plan)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent draft for the same child won the unique index
        db.session.rollback()
        raise APIError(409, OPEN_PLAN) from None
    _audit(principal, "travel_plan.draft", plan, student, basis)
    payload = render_one(plan, student)
    audit.commit()
    return payload


def student_plans(principal: Principal, student_key: str) -> dict[str, Any]:
    """A student's plans, newest first (CSW and supervising SCSW)."""
    student, basis = resolve_student(principal, student_key)
    plans = list(db.session.execute(select(TravelPlan).where(TravelPlan.student_id == student.id)
                                    .order_by(TravelPlan.created_at.desc(), TravelPlan.id.desc())).scalars())
    people = workers({p.csw_user_id for p in plans} | {p.reviewed_by for p in plans})
    schools = {s.id: s for s in db.session.execute(
        select(School).where(School.id.in_(sorted({p.school_id for p in plans})))).scalars()} if plans else {}
    items = [render_plan(p, student.student_key, people, schools[p.school_id]) for p in plans]
    for plan in plans:
        _audit(principal, "travel_plan.view", plan, student, basis)
    if not plans:
        audit.record(principal, "travel_plan.view", student_id=student.id, ssid=student.ssid, basis=basis,
                     details={"plans": 0})
    audit.commit()
    return {"items": items}


def _plan_in_scope(principal: Principal, plan_key: str, *, lock: bool = False) -> tuple[TravelPlan, Student, str]:
    """The plan by key if its student is in the caller's scope, else the one 404."""
    plan = None
    if is_student_key(plan_key):  # the same opaque shape (22 URL-safe characters)
        stmt = select(TravelPlan).where(TravelPlan.plan_key == plan_key)
        plan = db.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    basis = scoping.basis_for(principal, plan.student_id) if plan is not None else None
    if plan is None or basis is None:
        raise not_found()
    return plan, db.session.get(Student, plan.student_id), basis


def get_plan(principal: Principal, plan_key: str) -> dict[str, Any]:
    """One plan (63B and 280 fields) for a caller with its student in scope."""
    plan, student, basis = _plan_in_scope(principal, plan_key)
    payload = render_one(plan, student)
    _audit(principal, "travel_plan.view", plan, student, basis)
    audit.commit()
    return payload


def _refuse(action: str, plan: TravelPlan) -> None:
    reason = workflow.refusal(action, plan.status)
    if reason is not None:
        raise APIError(409, reason)


def update_plan(principal: Principal, plan_key: str, body: dict[str, Any]) -> dict[str, Any]:
    """Change a draft or returned plan (its author, while carrying the case), recomputing its figures."""
    plan, student, basis = _plan_in_scope(principal, plan_key, lock=True)
    if plan.csw_user_id != principal.user_id:
        raise APIError(403, FORBIDDEN_EDIT)
    _require_carrier(principal, student.id)
    _refuse(workflow.EDIT, plan)
    answers = _answers(body)
    _apply(plan, _assess_for_plan(student, body["cds_code"], answers), answers)
    _audit(principal, "travel_plan.draft", plan, student, basis)
    payload = render_one(plan, student)
    audit.commit()
    return payload


def submit_plan(principal: Principal, plan_key: str) -> dict[str, Any]:
    """Send the plan to the supervising SCSW: re-assessed on today's records, it must be eligible."""
    plan, student, basis = _plan_in_scope(principal, plan_key, lock=True)
    if plan.csw_user_id != principal.user_id:
        raise APIError(403, FORBIDDEN_EDIT)
    _require_carrier(principal, student.id)
    _refuse(workflow.SUBMIT, plan)
    if not db.session.execute(select(scoping.has_active_supervisor(plan.csw_user_id))).scalar():
        raise APIError(409, "You have no active supervising SCSW to approve the plan.")
    school = db.session.get(School, plan.school_id)
    answers = assess.Answers(mileage=plan.one_way_miles if plan.mileage_source == MAPPING_SERVICE else None,
                             iep_transport=plan.iep_transport, temporarily_absent=plan.temporarily_absent,
                             transport=plan.transport)
    found = _assess_for_plan(student, school.cds_code, answers)
    _apply(plan, found, answers)
    checks = found.chosen.checklist
    problems = workflow.submission_problems(eligible=checks.eligible, failing=checks.failing, unknown=checks.unknown,
                                            mileage_source=found.chosen.distance.source)
    if problems:
        db.session.rollback()
        raise APIError(422, "The plan cannot go to the SCSW yet: " + "; ".join(problems) + ".")
    plan.status = workflow.next_state(workflow.SUBMIT, plan.status)
    plan.submitted_at = clock.utcnow()
    plan.reviewed_by = plan.reviewed_at = None
    _audit(principal, "travel_plan.submit", plan, student, basis)
    payload = render_one(plan, student)
    audit.commit()
    return payload


def review_plan(principal: Principal, plan_key: str, *, approve: bool, comment: str | None) -> dict[str, Any]:
    """Approve or return a submitted plan: only its CSW's current supervisor (403 for another SCSW)."""
    plan, student, basis = _plan_in_scope(principal, plan_key, lock=True)
    supervises = db.session.execute(scoping.team(principal.user_id).where(User.id == plan.csw_user_id)
                                    .with_only_columns(User.id).limit(1)).first()
    if supervises is None:
        raise APIError(403, FORBIDDEN_REVIEW)
    action = workflow.APPROVE if approve else workflow.RETURN
    _refuse(action, plan)
    plan.status = workflow.next_state(action, plan.status)
    plan.reviewed_by, plan.reviewed_at, plan.review_comment = principal.user_id, clock.utcnow(), comment
    plan.updated_at = plan.reviewed_at
    _audit(principal, "travel_plan.approve" if approve else "travel_plan.return", plan, student, basis)
    payload = render_one(plan, student)
    audit.commit()
    return payload


def stop_plan(principal: Principal, plan_key: str, *, ended_on: dt.date, reason: str | None) -> dict[str, Any]:
    """Record that the child stopped attending the school of origin (the plan's CSW or the current case carrier)."""
    plan, student, basis = _plan_in_scope(principal, plan_key, lock=True)
    if plan.csw_user_id != principal.user_id and not scoping.may_carry_travel_plan(principal, student.id):
        raise APIError(403, FORBIDDEN_STOP)
    _refuse(workflow.STOP, plan)
    if ended_on > clock.today():
        raise APIError(422, "The end date cannot be in the future.", errors={"json": {"ended_on": ["In the future."]}})
    if plan.effective_start is not None and ended_on < plan.effective_start:
        raise APIError(422, "The end date is before the plan's effective start.",
                       errors={"json": {"ended_on": ["Before the effective start date."]}})
    plan.status = workflow.next_state(workflow.STOP, plan.status)
    plan.ended_on, plan.end_reason, plan.ended_by = ended_on, reason, principal.user_id
    plan.updated_at = clock.utcnow()
    _audit(principal, "travel_plan.stop", plan, student, basis)
    payload = render_one(plan, student)
    audit.commit()
    return payload


def awaiting_approval(principal: Principal, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """The submitted plans of the CSWs I currently supervise, oldest first; each card audited."""
    team_ids = scoping.team(principal.user_id).with_only_columns(User.id)
    visible = select(scoping.student_access(principal).c.student_id)
    stmt = (select(TravelPlan.id, TravelPlan.plan_key, TravelPlan.student_id, TravelPlan.csw_user_id,
                   TravelPlan.submitted_at, TravelPlan.one_way_miles, TravelPlan.mileage_source,
                   TravelPlan.monthly_rate, TravelPlan.transport,
                   School.name.label("school_name"), Student.student_key, Student.ssid, Student.legal_first_name,
                   Student.legal_last_name, User.display_name)
            .join(School, School.id == TravelPlan.school_id).join(Student, Student.id == TravelPlan.student_id)
            .join(User, User.id == TravelPlan.csw_user_id)
            .where(TravelPlan.status == PLAN_SUBMITTED, TravelPlan.csw_user_id.in_(team_ids),
                   TravelPlan.student_id.in_(visible))
            .params(**scoping.access_params(principal)))
    page = paginate(stmt, [TravelPlan.submitted_at, TravelPlan.id], limit=limit, cursor=cursor,
                    scope=f"travel-plans-awaiting:{principal.user_id}", user_id=principal.user_id)
    items = []
    for row in page.rows:
        items.append({
            "plan_key": row.plan_key,
            "student": {"student_key": row.student_key, "first_name": row.legal_first_name,
                        "last_name": row.legal_last_name},
            "csw": {"user_id": row.csw_user_id, "display_name": row.display_name},
            "submitted_at": row.submitted_at, "school_name": row.school_name,
            "one_way_miles": mapped_miles(row.one_way_miles, row.mileage_source),
            "monthly_rate": row.monthly_rate, "transport": row.transport,
        })
        audit.record(principal, "travel_plans.awaiting.view", student_id=row.student_id, ssid=row.ssid,
                     basis="supervision", details={"plan_key": row.plan_key, "worker_id": row.csw_user_id})
    audit.commit()
    return {"items": items, "next_cursor": page.next_cursor}
