"""``/pilot/steward``: the EPS support stewards' queue in the browser (the link of their e-mail notice).

The same services as ``/api/v1/steward`` (queue rule, cards audited per child, resolve), behind
the dashboard's web session, CSRF and security headers. A report outside the queue is the 404 page.
"""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.steward import service
from api.steward.schemas import ResolveSchema
from auth.web import current_web_principal, verify_csrf, web_login_required
from mobile_service.errors import APIError
from mobile_service.models import ROLE_EPS_SUPPORT
from mobile_service.pilot.domain import DATA_QUALITY_OUTCOMES, NOTE_MAX
from web.dashboard import INT32_MAX, bp

STEWARDS = (ROLE_EPS_SUPPORT,)
OUTCOME_LABELS = {"merged": "Merged", "corrected_at_source": "Corrected at the source",
                  "not_a_duplicate": "Not a duplicate"}
KIND_LABELS = {"duplicate_ssid": "Two students, one SSID", "multiple_ssids": "One student, two SSIDs"}


@bp.get("/steward")
@web_login_required(roles=STEWARDS)
def steward_queue():
    """The queue: open reports oldest first, then the latest resolved ones (no student data)."""
    principal = current_web_principal()
    open_reports = service.queue(principal, status="open", limit=100)["items"]
    resolved = service.recently_resolved(principal, limit=20)
    return render_template("pilot_dashboard/steward_queue.html", principal=principal, open_reports=open_reports,
                           resolved=resolved, kinds=KIND_LABELS, outcomes=OUTCOME_LABELS)


@bp.get(f"/steward/<int(max={INT32_MAX}):issue_id>")
@web_login_required(roles=STEWARDS)
def steward_report(issue_id: int):
    """One report with the named students' identification cards while open (audited per child)."""
    principal = current_web_principal()
    try:
        report = service.report(principal, issue_id)
    except APIError as exc:
        if exc.code != 404:
            raise
        return render_template("pilot_dashboard/steward_missing.html", principal=principal), 404
    response = Response(render_template("pilot_dashboard/steward_report.html", principal=principal, r=report,
                                        kinds=KIND_LABELS, outcomes=OUTCOME_LABELS, outcome_order=DATA_QUALITY_OUTCOMES,
                                        note_max=NOTE_MAX))
    response.headers["Cache-Control"] = "no-store"  # the cards never stay in a browser cache
    return response


@bp.post(f"/steward/<int(max={INT32_MAX}):issue_id>/resolve")
@web_login_required(roles=STEWARDS)
def steward_resolve(issue_id: int):
    """Resolve a report from the form; the outcome is a flash message on the report's page."""
    verify_csrf()
    try:
        body = ResolveSchema().load({"outcome": request.form.get("outcome", ""), "note": request.form.get("note", "")})
        service.resolve(current_web_principal(), issue_id, **body)
    except ValidationError as exc:
        flash("Not resolved: " + "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.messages.items()), "error")
    except APIError as exc:
        if exc.code == 404:
            return render_template("pilot_dashboard/steward_missing.html", principal=current_web_principal()), 404
        flash(f"Not resolved: {exc.detail}", "error")
    else:
        flash(f"Report #{issue_id} resolved; the reporter sees your note.", "ok")
    return redirect(url_for("pilot_dashboard.steward_report", issue_id=issue_id), code=303)
