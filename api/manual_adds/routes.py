"""Admin route: the report of manual adds."""
from __future__ import annotations

from flask.views import MethodView

from api.etags import NOT_MODIFIED, etag_response
from api.manual_adds import service
from api.manual_adds.schemas import ManualAddArgsSchema, ManualAddPageSchema
from api.smorest import Blueprint
from auth.decorators import current_principal, require_auth
from mobile_service.models import ROLE_ADMIN

blp = Blueprint("manual_adds", __name__, url_prefix="/api/v1/admin/manual-adds",
                description="Every manual caseload add with its age and review state. Admin only.")


@blp.route("")
class ManualAdds(MethodView):
    """The report of manual adds."""

    @require_auth(roles=(ROLE_ADMIN,))
    @blp.arguments(ManualAddArgsSchema, location="query")
    @blp.response(200, ManualAddPageSchema, description="Newest add first; ETag set.")
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.doc(operationId="listManualAdds")
    def get(self, args):
        """List manual adds: worker, reason, age, expiry and review state (itself audited)."""
        return etag_response(service.manual_add_report(current_principal(), **args), ManualAddPageSchema)
