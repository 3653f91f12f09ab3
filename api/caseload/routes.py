"""Caseload routes: thin views; the service scopes, queries, audits and commits."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView

from api.caseload import service, sync_service
from api.caseload.schemas import (
    CaseloadAddSchema,
    CaseloadArgsSchema,
    CaseloadEntrySchema,
    CaseloadPageSchema,
    CaseloadRemoveSchema,
)
from api.caseload.sync_schemas import SyncArgsSchema, SyncPageSchema
from api.etags import NOT_MODIFIED, etag_response, no_store
from api.fields import STUDENT_KEY_EXAMPLE
from api.quotas import per_user
from api.smorest import Blueprint
from auth.decorators import current_principal, require_auth
from mobile_service.models import FIELD_ROLES

blp = Blueprint("caseload", __name__, url_prefix="/api/v1/caseload",
                description="The signed-in worker's mobile caseload.")


@blp.route("")
class Caseload(MethodView):
    """My caseload."""

    @require_auth(roles=FIELD_ROLES, session_in_statement=True)  # checked in the list's statement
    @blp.arguments(CaseloadArgsSchema, location="query")
    @blp.response(200, CaseloadPageSchema, description="One summary card per student; ETag set.")
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.doc(operationId="getCaseload")
    def get(self, args):
        """List my caseload: DCFS-assigned students plus those I added, minus those I removed."""
        return etag_response(service.list_caseload(current_principal(), **args), CaseloadPageSchema)

    @no_store
    @require_auth(roles=FIELD_ROLES)
    @per_user("caseload-change", "CASELOAD_CHANGE_RATE_LIMIT")
    @blp.arguments(CaseloadAddSchema)
    @blp.response(201, CaseloadEntrySchema, description="Added.")
    @blp.alt_response(200, schema=CaseloadEntrySchema, description="Already on my caseload (no change).")
    @blp.alt_response(404, description="No student with this key (a malformed key answers the same).")
    @blp.alt_response(429, description="Too many caseload changes; retry after the Retry-After seconds")
    @blp.doc(operationId="addToCaseload")
    def post(self, body):
        """Add a student by the key of a card or search result; a reason is required unless the DCFS feed assigns them to me."""
        entry, created = service.add_to_caseload(current_principal(), **body)
        return entry, 201 if created else 200


@blp.route("/changes")
class CaseloadChanges(MethodView):
    """My caseload for offline use: everything, or what changed since my last sync."""

    @no_store
    @require_auth(roles=FIELD_ROLES)
    @per_user("sync", "SYNC_RATE_LIMIT")
    @blp.arguments(SyncArgsSchema, location="query")
    @blp.response(200, SyncPageSchema, description="One page of the sync; the last page carries the sync token.")
    @blp.alt_response(410, description="The sync token or cursor is expired, another user's or otherwise "
                                       "unusable: drop it and run a full sync (no since)")
    @blp.alt_response(429, description="Too many syncs; retry after the Retry-After seconds")
    @blp.alt_response(503, description="The access could not be recorded; nothing was disclosed")
    @blp.doc(operationId="syncCaseload")
    def get(self, args):
        """Sync my own caseload: cards and the four tabs of each student, then only the changes, with tombstones."""
        return sync_service.changes(current_principal(), **args)


KEY_PARAM = {"in": "path", "name": "student_key", "required": True,
             "description": "The opaque `student_key` of a caseload card or search result (never an SSID); a "
                            "malformed or unknown key, or a student outside your access, answers 404.",
             "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{22}$", "example": STUDENT_KEY_EXAMPLE}}


@blp.route("/<student_key>", parameters=[KEY_PARAM])
class CaseloadStudent(MethodView):
    """One student on my caseload."""

    @require_auth(roles=FIELD_ROLES)
    @per_user("caseload-change", "CASELOAD_CHANGE_RATE_LIMIT")
    @blp.arguments(CaseloadRemoveSchema, required=False)
    @blp.response(204, description="Removed, or was not on my caseload (idempotent).")
    @blp.alt_response(404, description="No such student, or outside my access.")
    @blp.alt_response(429, description="Too many caseload changes; retry after the Retry-After seconds")
    @blp.doc(operationId="removeFromCaseload")
    def delete(self, body, student_key: str):
        """Remove a student from my caseload list (a DCFS assignment still allows access)."""
        service.remove_from_caseload(current_principal(), student_key=student_key, reason=(body or {}).get("reason"))
        return Response(status=204)
