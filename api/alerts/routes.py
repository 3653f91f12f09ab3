"""Alert routes: thin views; the service scopes, queries, audits and commits."""
from __future__ import annotations

from flask.views import MethodView

from api.alerts import service
from api.alerts.schemas import (
    AlertArgsSchema,
    AlertPageSchema,
    SeenResultSchema,
    SeenSchema,
    TeamDigestArgsSchema,
    TeamDigestSchema,
)
from api.etags import no_store
from api.quotas import per_user
from api.smorest import Blueprint
from auth.decorators import current_principal, require_auth
from mobile_service.models import FIELD_ROLES, ROLE_SCSW

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts",
                description="Alerts about students on my caseload, raised when the data changes. No names in any item.")

RATE_LIMITED = "Too many alert requests; retry after the Retry-After seconds"


@blp.route("")
class Alerts(MethodView):
    """My alerts."""

    @no_store
    @require_auth(roles=FIELD_ROLES)
    @per_user("alerts", "ALERTS_RATE_LIMIT")
    @blp.arguments(AlertArgsSchema, location="query")
    @blp.response(200, AlertPageSchema, description="Oldest change first; every child named is audited.")
    @blp.alt_response(429, description=RATE_LIMITED)
    @blp.doc(operationId="listAlerts")
    def get(self, args):
        """List my alerts: raised or cleared after `since`, or all open ones without it."""
        return service.list_alerts(current_principal(), **args)


@blp.route("/seen")
class SeenAlerts(MethodView):
    """Alerts I have seen."""

    @no_store
    @require_auth(roles=FIELD_ROLES)
    @per_user("alerts", "ALERTS_RATE_LIMIT")
    @blp.arguments(SeenSchema)
    @blp.response(200, SeenResultSchema, description="Marked seen (idempotent).")
    @blp.alt_response(404, description="One of the ids is not an alert of mine; nothing was marked.")
    @blp.alt_response(429, description=RATE_LIMITED)
    @blp.doc(operationId="markAlertsSeen")
    def post(self, body):
        """Mark some of my alerts seen."""
        return service.mark_seen(current_principal(), body["alert_ids"])


@blp.route("/team")
class TeamDigest(MethodView):
    """My team's new alerts (SCSW)."""

    @no_store
    @require_auth(roles=(ROLE_SCSW,))
    @per_user("alerts", "ALERTS_RATE_LIMIT")
    @blp.arguments(TeamDigestArgsSchema, location="query")
    @blp.response(200, TeamDigestSchema, description="Counts per supervised CSW and kind; no student detail.")
    @blp.alt_response(429, description=RATE_LIMITED)
    @blp.doc(operationId="getTeamAlertDigest")
    def get(self, args):
        """Count the alerts raised for each CSW I actively supervise, after `since` (or open now)."""
        return service.team_digest(current_principal(), **args)
