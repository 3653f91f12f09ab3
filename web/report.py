"""``/pilot/report``: the printable end-of-pilot report, its Markdown and CSV, and the criteria form;
``/pilot/client-signatures/<id>/issue``: the dashboard's one-step "track as issue".

Same security headers, sign-in and CSRF as the dashboard (routes on its blueprint). The page's
print stylesheet hides the controls and keeps each section on whole pages; its "Save as PDF"
button opens the browser's print dialog (a script file: the CSP allows no inline script).
"""
from __future__ import annotations

import re

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from api.pilot import service as pilot_service
from api.pilot.evaluation import service as evaluation
from auth.web import csrf_token, current_web_principal, verify_csrf, web_login_required
from mobile_service import audit, clock
from mobile_service.errors import APIError
from mobile_service.pilot import report_formats
from mobile_service.pilot.criteria import CRITERIA, invalid_targets
from mobile_service.pilot.kpis import summary
from mobile_service.pilot.window import resolve_cohort, window_for
from web import view
from web.dashboard import COORDINATORS, INT32_MAX, _cohort_arg, bp


def _report_or_404(cohort: str | None):
    try:
        found = resolve_cohort(_cohort_arg(cohort))
    except APIError:
        return None, None
    window = window_for(found)
    return evaluation.get_report(cohort=found.name), window


@bp.get("/report")
@web_login_required(roles=COORDINATORS)
def report_page():
    """The printable evaluation: criteria, trend, offices, themes, app health and charts."""
    principal = current_web_principal()
    data, window = _report_or_404(request.args.get("cohort"))
    if data is None:
        return render_template("pilot_dashboard/empty.html", principal=principal, csrf_token=csrf_token,
                               unknown=True), 404
    s = summary(window)
    return render_template("pilot_dashboard/report.html", principal=principal, r=data, s=s,
                           charts=view.report_charts(data, s), cohorts=pilot_service.cohorts()["items"],
                           criteria_defs=CRITERIA, verdict=report_formats.verdict, trend=report_formats.trend_text,
                           pct=view.pct, csrf_token=csrf_token)


def _download(fmt: str) -> Response:
    data, _ = _report_or_404(request.args.get("cohort"))
    if data is None:
        return Response("No such pilot cohort.\n", status=404, mimetype="text/plain")
    body = report_formats.markdown(data) if fmt == "md" else report_formats.csv_text(data)
    audit.record(current_web_principal(), "export", details={"table": f"pilot.report.{fmt}",
                                                              "cohort": data["cohort"]["name"]})
    audit.commit()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", data["cohort"]["name"]).strip("-") or "cohort"
    mimetype = "text/markdown" if fmt == "md" else "text/csv"
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = (f'attachment; filename="pilot-report-{slug}-'
                                               f'{clock.today().isoformat()}.{fmt}"')
    return response


@bp.get("/report.md")
@web_login_required(roles=COORDINATORS)
def report_markdown():
    """The report as Markdown (audited as an export)."""
    return _download("md")


@bp.get("/report.csv")
@web_login_required(roles=COORDINATORS)
def report_csv():
    """The report as CSV (audited as an export)."""
    return _download("csv")


@bp.post("/criteria")
@web_login_required(roles=COORDINATORS)
def change_criteria():
    """Store the criteria form's targets (percentages are entered as percent)."""
    verify_csrf()
    cohort = request.form.get("cohort") or None
    changes: dict[str, float] = {}
    for c in CRITERIA:
        raw = (request.form.get(c.key) or "").strip()
        if not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            flash(f"{c.label}: not a number.", "error")
            return redirect(url_for("pilot_dashboard.report_page", cohort=cohort, _anchor="criteria"), code=303)
        changes[c.key] = value / 100 if c.unit == "ratio" else value
    errors = invalid_targets(changes) if changes else {"_": ["Nothing to change."]}
    if errors:
        flash("Not saved: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), "error")
    else:
        try:
            evaluation.change_criteria(current_web_principal(), changes=changes, cohort=_cohort_arg(cohort))
        except APIError as exc:
            flash(f"Not saved: {exc.detail}", "error")
        else:
            flash("Success criteria saved.", "ok")
    return redirect(url_for("pilot_dashboard.report_page", cohort=cohort, _anchor="criteria"), code=303)


@bp.post(f"/client-signatures/<int(max={INT32_MAX}):signature_id>/issue")
@web_login_required(roles=COORDINATORS)
def track_signature(signature_id: int):
    """Open a tracked issue for an app error signature (one click on the dashboard)."""
    verify_csrf()
    cohort = request.form.get("cohort") or None
    try:
        issue = evaluation.track_signature(current_web_principal(), signature_id=signature_id,
                                           cohort=_cohort_arg(cohort))
    except APIError as exc:
        flash(f"Not tracked: {exc.detail}", "error")
    else:
        flash(f"Tracked as issue #{issue['id']}.", "ok")
    return redirect(url_for("pilot_dashboard.index", cohort=cohort, _anchor="app-health"), code=303)
