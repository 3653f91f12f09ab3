"""Response schema of ``/api/v1/me``: an allow-list, nothing else leaves the registry."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from mobile_service.models import ROLES


class MeSuperviseeSchema(Schema):
    """A CSW the caller supervises (SCSW only)."""

    class Meta:
        unknown = RAISE

    id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class MeSchema(Schema):
    """The caller's registry profile."""

    class Meta:
        unknown = RAISE

    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    office = fields.String(allow_none=True)
    pilot_cohort = fields.String(allow_none=True)
    dcfs_employee_id = fields.String(allow_none=True)
    supervisees = fields.List(fields.Nested(MeSuperviseeSchema), required=True,
                              metadata={"description": "Active supervisees (SCSW); empty for other roles"})
