"""``GET /``: a small landing page pointing to the API docs, the mobile guide, the dashboard and health."""
from __future__ import annotations

from flask import Blueprint, Response, render_template

bp = Blueprint("landing", __name__, template_folder="templates")


@bp.get("/")
def index() -> Response:
    """Serve the landing page (static links only: no student data, no sign-in needed)."""
    # text/html: requestlog gives it the HTML pages' CSP, X-Frame-Options and Referrer-Policy.
    response = Response(render_template("landing/index.html"), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response
