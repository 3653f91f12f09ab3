"""Client event route: thin view; quotas per user and per device, the service merges and commits."""
from __future__ import annotations

import re

from flask import g, request
from flask.views import MethodView

from api.client_events import service
from api.client_events.schemas import ClientEventAcceptedSchema, ClientEventCreateSchema
from api.quotas import per_key, per_user
from api.smorest import Blueprint
from auth.decorators import current_principal, require_auth
from mobile_service.models import FIELD_ROLES

blp = Blueprint("client_events", __name__, url_prefix="/api/v1/client-events",
                description="Crashes, failed calls and slow screens from the app's development tools. "
                            "Diagnostics only: no student data, no free text beyond a short scrubbed message.")
_UUID = re.compile(r"\A[0-9a-fA-F-]{36}\Z")


def _device_key() -> str:
    """The quota key of the reporting app installation (its body ``device_id``)."""
    body = request.get_json(silent=True)
    device = body.get("device_id") if isinstance(body, dict) else None
    if isinstance(device, str) and _UUID.match(device):
        return f"client_event:device:{device.lower()}"
    return f"client_event:device:none:{g.principal.user_id}"  # refused below (422) anyway


@blp.route("")
class ClientEvents(MethodView):
    """Report an app error."""

    @require_auth(roles=FIELD_ROLES)
    @per_user("client_event", "CLIENT_EVENT_USER_RATE_LIMIT")
    @per_key("client_event_device", "CLIENT_EVENT_DEVICE_RATE_LIMIT", _device_key)
    @blp.arguments(ClientEventCreateSchema)
    @blp.response(201, ClientEventAcceptedSchema, description="Stored (merged into its signature when known).")
    @blp.alt_response(200, schema=ClientEventAcceptedSchema,
                      description="This report_id was received before; nothing changed.")
    @blp.alt_response(429, description="Too many reports from this user or device; retry after Retry-After seconds")
    @blp.doc(operationId="reportClientEvent")
    def post(self, body):
        """Report a crash, a failed call (with its request id) or a slow screen; merged by signature."""
        result = service.record(current_principal(), **body)
        return result, (200 if result["duplicate"] else 201)
