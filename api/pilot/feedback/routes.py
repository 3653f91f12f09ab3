"""Feedback route: thin view; the service stores and commits."""
from __future__ import annotations

from flask.views import MethodView

from api.pilot.feedback import service
from api.pilot.feedback.schemas import FeedbackCreateSchema, FeedbackSchema
from api.quotas import per_user
from api.smorest import Blueprint
from auth.decorators import current_principal, require_auth
from mobile_service.models import FIELD_ROLES

blp = Blueprint("feedback", __name__, url_prefix="/api/v1/feedback",
                description="In-app feedback and the SUS questionnaire from pilot participants.")


@blp.route("")
class FeedbackCollection(MethodView):
    """Feedback."""

    @require_auth(roles=FIELD_ROLES)
    @per_user("report", "REPORT_RATE_LIMIT")
    @blp.arguments(FeedbackCreateSchema)
    @blp.response(201, FeedbackSchema, description="Saved.")
    @blp.alt_response(429, description="Too many reports; retry after the Retry-After seconds")
    @blp.doc(operationId="submitFeedback")
    def post(self, body):
        """Send feedback: a 1-5 rating, a category, an optional comment and optional SUS answers."""
        return service.create_feedback(current_principal(), **body)
