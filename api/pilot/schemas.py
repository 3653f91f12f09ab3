"""Coordinator API bodies. Nothing here has a student identifier field."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.fields import CohortArgsSchema, Text, UTCDateTimeField, cohort_field, free_text_field
from api.pilot.feedback.schemas import FeedbackSchema
from api.pilot.issues.schemas import IssueSchema
from api.shared_schemas import PaginationArgsSchema
from mobile_service.pilot.domain import COORDINATOR_ISSUE_KINDS, FEEDBACK_CATEGORIES, ISSUE_STATUSES, NOTE_MAX

EXPORT_TABLES = ("participants", "daily-metrics", "feature-use", "feedback", "issues", "announcements")


class CohortSchema(Schema):
    """A pilot cohort and how many participants it has."""

    name = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    length_days = fields.Integer()
    target_participants = fields.Integer()
    offices = fields.List(fields.String())
    enrolled = fields.Integer()
    status = fields.String(metadata={"description": "not_started, running or ended"})


class CohortListSchema(Schema):
    items = fields.List(fields.Nested(CohortSchema))


class SummarySchema(Schema):
    """Every pilot figure of one cohort (see the README's "Pilot metrics" for definitions)."""

    cohort = fields.Dict(metadata={"description": "name, dates, length, target, offices, timezone"})
    as_of = fields.String()
    status = fields.String()
    days_elapsed = fields.Integer()
    days_left = fields.Integer()
    participants = fields.Dict(metadata={"description": "enrolled, target, activated, activation_rate, by_office"})
    adoption = fields.List(fields.Dict(), metadata={"description": "cumulative activated participants per day"})
    activity = fields.Dict(metadata={"description": "daily and weekly (ISO week) active users"})
    feature_use = fields.Dict(metadata={"description": "caseload views, searches, search→view rate, zero-result "
                                                       "searches, record views by tab, adds, removes"})
    feedback = fields.Dict(metadata={"description": "count, average rating, ratings 1-5, by category, recent comments"})
    sus = fields.Dict(metadata={"description": "mean SUS score, questionnaires, respondents"})
    issues = fields.Dict(metadata={"description": "total, open, by status, by kind"})
    performance = fields.Dict(metadata={"description": "per day and overall: requests, p50/p95 ms, 5xx and 4xx rates"})
    clients = fields.Dict(metadata={"description": "distinct participants per platform and app version"})


class ReporterSchema(Schema):
    display_name = fields.String()
    office = fields.String(allow_none=True)
    role = fields.String()


class CoordinatorIssueSchema(IssueSchema):
    """An issue report as coordinators see it: whether it concerns a student, never which one."""

    concerns_student_record = fields.Boolean()
    triaged_at = UTCDateTimeField(allow_none=True, metadata={"description": "When it first left `new`"})
    reporter = fields.Nested(ReporterSchema)


class CoordinatorIssuePageSchema(Schema):
    items = fields.List(fields.Nested(CoordinatorIssueSchema))
    next_cursor = fields.String(allow_none=True)


class IssueListArgsSchema(PaginationArgsSchema):
    """Filters of the coordinators' issue list."""

    status = Text(strict=True, load_default=None, validate=validate.OneOf(ISSUE_STATUSES))
    kind = Text(strict=True, load_default=None, validate=validate.OneOf(COORDINATOR_ISSUE_KINDS))
    cohort = cohort_field()


class IssueUpdateSchema(Schema):
    """Move an issue along new → triaged → in_progress → resolved (or wont_fix), with a note."""

    status = Text(strict=True, load_default=None, validate=validate.OneOf(ISSUE_STATUSES))
    note = free_text_field(0, NOTE_MAX, load_default=None, allow_none=True)

    @validates_schema
    def _something(self, data, **_):
        if data.get("status") is None and data.get("note") is None:
            raise ValidationError("Send a status, a note or both.", "status")


class FeedbackListArgsSchema(PaginationArgsSchema):
    """Filters of the coordinators' feedback list."""

    category = Text(strict=True, load_default=None, validate=validate.OneOf(FEEDBACK_CATEGORIES))
    cohort = cohort_field()


class CoordinatorFeedbackSchema(FeedbackSchema):
    """Feedback as coordinators see it, with its reporter."""

    reporter = fields.Nested(ReporterSchema)


class CoordinatorFeedbackPageSchema(Schema):
    items = fields.List(fields.Nested(CoordinatorFeedbackSchema))
    next_cursor = fields.String(allow_none=True)


class AnnouncementAdminSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    created_at = UTCDateTimeField()
    published_at = UTCDateTimeField()
    expires_at = UTCDateTimeField(allow_none=True)


class AnnouncementAdminListSchema(Schema):
    items = fields.List(fields.Nested(AnnouncementAdminSchema))


__all__ = ["EXPORT_TABLES", "CohortArgsSchema"]
