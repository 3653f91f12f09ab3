"""``/pilot``: the coordinators' dashboard pages (sign-in, sessions and CSRF come from ``auth.web``).

Every response carries a strict Content-Security-Policy (no inline script or style: charts are
server-rendered SVG styled by the static stylesheet), ``X-Frame-Options: DENY`` and
``Referrer-Policy: no-referrer``. Forms POST back here with the session's CSRF token.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.fields import COHORT_RE
from api.pilot import exports
from api.pilot import service as pilot_service
from api.pilot.announcements import service as announcements
from api.pilot.announcements.schemas import AnnouncementCreateSchema
from api.pilot.evaluation import service as evaluation
from auth.web import csrf_token, current_web_principal, verify_csrf, web_login_required
from mobile_service import clock
from mobile_service.errors import APIError
from mobile_service.extensions import db
from mobile_service.pilot.caseload_indicators import cohort_indicators
from mobile_service.pilot.domain import ANNOUNCEMENT_KINDS, ISSUE_STATUSES, ISSUE_TRANSITIONS, NOTE_MAX
from mobile_service.pilot.kpis import summary
from mobile_service.pilot.window import resolve_cohort, window_for
from mobile_service.requestlog import HTML_CSP
from mobile_service.text import has_refused_characters
from web import view

bp = Blueprint("pilot_dashboard", __name__, url_prefix="/pilot", template_folder="templates",
               static_folder="static", static_url_path="/static")
COORDINATORS = ("pilot_coordinator", "admin")
CSP = HTML_CSP  # the service's one policy for HTML pages
INT32_MAX = 2_147_483_647


@bp.after_request
def security_headers(response: Response) -> Response:
    """Strict CSP and framing/referrer protections on every dashboard response."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _cohort_arg(value: str | None) -> str | None:
    if value and not COHORT_RE.match(value):
        raise APIError(404, "No such pilot cohort.")
    return value or None


def _back(cohort: str | None, anchor: str) -> Response:
    return redirect(url_for("pilot_dashboard.index", cohort=cohort or None, _anchor=anchor), code=303)


@bp.get("")
@web_login_required(roles=COORDINATORS)
def index():
    """The dashboard: figures, charts, app health, recent feedback, issue triage and announcements."""
    principal = current_web_principal()
    cohorts = pilot_service.cohorts()["items"]
    if not cohorts:
        return render_template("pilot_dashboard/empty.html", principal=principal, csrf_token=csrf_token)
    try:
        cohort = resolve_cohort(_cohort_arg(request.args.get("cohort")))
    except APIError:
        return render_template("pilot_dashboard/empty.html", principal=principal, csrf_token=csrf_token,
                               unknown=True), 404
    data = summary(window_for(cohort))
    issues = pilot_service.list_issues(principal, limit=50, cohort=cohort.name)["items"]
    indicators = cohort_indicators(cohort.name, clock.today())
    db.session.commit()  # the county baseline, stored on its first computation for today's loads
    health = evaluation.health(cohort=cohort.name)
    return render_template(
        "pilot_dashboard/dashboard.html", principal=principal, s=data, cohorts=cohorts, cards=view.cards(data),
        charts=view.chart_set(data), issues=issues, ind=indicators, announcements=announcements.all_announcements(limit=20),
        statuses=ISSUE_STATUSES, transitions=ISSUE_TRANSITIONS, status_labels=view.STATUS_LABELS,
        kinds=ANNOUNCEMENT_KINDS, tab_labels=view.TAB_LABELS, pct=view.pct, num=view.num,
        exports=list(exports.TABLES), health=health, crash_free_chart=view.crash_free_chart(health["crash_free"]),
        csrf_token=csrf_token)


@bp.post("/announcements")
@web_login_required(roles=COORDINATORS)
def publish_announcement():
    """Publish an announcement from the dashboard form."""
    verify_csrf()
    cohort = request.form.get("cohort") or None
    form = {"kind": request.form.get("kind", ""), "title": request.form.get("title", ""),
            "body": request.form.get("body", "")}
    expires_on = (request.form.get("expires_on") or "").strip()
    try:
        if expires_on:
            day = dt.date.fromisoformat(expires_on)
            tz = ZoneInfo(current_app.config["PILOT_TIMEZONE"])
            form["expires_at"] = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz).isoformat()
        body = AnnouncementCreateSchema().load(form)
        announcements.publish(current_web_principal(), **body)
    except ValueError:
        flash("The expiry date is not a valid date.", "error")
    except ValidationError as exc:
        flash("Not published: " + "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.messages.items()),
              "error")
    except APIError as exc:
        flash(f"Not published: {exc.detail}", "error")
    else:
        flash("Announcement published.", "ok")
    return _back(cohort, "announcements")


@bp.post(f"/issues/<int(max={INT32_MAX}):issue_id>")
@web_login_required(roles=COORDINATORS)
def triage_issue(issue_id: int):
    """Change an issue's status and note from the triage form."""
    verify_csrf()
    cohort = request.form.get("cohort") or None
    status = request.form.get("status") or None
    note = request.form.get("note")
    if status is not None and status not in ISSUE_STATUSES:
        flash("Unknown status.", "error")
        return _back(cohort, "issues")
    if note is not None and (len(note) > NOTE_MAX or has_refused_characters(note, multiline=True)):
        flash("The note is too long or contains control characters.", "error")
        return _back(cohort, "issues")
    try:
        pilot_service.update_issue(current_web_principal(), issue_id=issue_id, status=status,
                                   note=note.strip() if note is not None else None)
    except APIError as exc:
        flash(f"Issue #{issue_id} not updated: {exc.detail}", "error")
    else:
        flash(f"Issue #{issue_id} updated.", "ok")
    return _back(cohort, "issues")


@bp.get("/export/<table>.csv")
@web_login_required(roles=COORDINATORS)
def export(table: str):
    """Download a pilot table as CSV (the same export as the API's)."""
    return exports.export_csv(current_web_principal(), table=table, cohort=_cohort_arg(request.args.get("cohort")))
