"""client events (app error reports), pilot success criteria, issue triage time, request ids

- ``client_event_signatures`` / ``client_events``: crashes, failed calls and slow screens from
  the app's development tools, merged by kind + signature (issue 17 item 1).
- ``pilot_cohorts.success_criteria``: the end-of-pilot targets a coordinator edits (item 3).
- ``issue_reports.triaged_at``: when an issue first left ``new`` (``status_changed_at`` moves
  with every change, so it cannot answer "triaged within 2 working days"). Backfilled from
  ``status_changed_at`` for issues past ``new``: the best time this database knows.
- ``issue_reports.cohort``: the cohort of an issue opened from an app error signature.
- ``usage_events.request_id``: the server's request id of a failed call (status >= 400), so the
  app's failed-call reports join the server's own record of them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "client_event_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("error_code", sa.String(40)),
        sa.Column("screen", sa.String(60)),
        sa.Column("message", sa.String(200)),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), sa.ForeignKey("issue_reports.id", ondelete="SET NULL",
                                                          name="fk_client_event_signatures_issue_id_issue_reports")),
        sa.UniqueConstraint("kind", "signature", name="uq_client_event_signatures_kind_signature"),
        sa.PrimaryKeyConstraint("id", name="pk_client_event_signatures"),
    )
    op.create_table(
        "client_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("signature_id", sa.Integer(),
                  sa.ForeignKey("client_event_signatures.id", ondelete="CASCADE",
                                name="fk_client_events_signature_id_client_event_signatures"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_client_events_user_id_users"),
                  nullable=False),
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("app_version", sa.String(30), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("os_version", sa.String(30)),
        sa.Column("screen", sa.String(60)),
        sa.Column("error_code", sa.String(40)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("duration_ms", sa.Integer()),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.UniqueConstraint("user_id", "report_id", name="uq_client_events_user_id_report_id"),
        sa.PrimaryKeyConstraint("id", name="pk_client_events"),
    )
    op.create_index("ix_client_events_signature_id", "client_events", ["signature_id"])
    op.create_index("ix_client_events_time_kind", "client_events", ["occurred_at", "kind"])
    op.create_index("ix_client_events_request_id", "client_events", ["request_id"])
    with op.batch_alter_table("pilot_cohorts") as batch:
        batch.add_column(sa.Column("success_criteria", sa.JSON()))
    with op.batch_alter_table("issue_reports") as batch:
        batch.add_column(sa.Column("triaged_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("cohort", sa.String(60)))
    op.execute("UPDATE issue_reports SET triaged_at = status_changed_at WHERE status <> 'new'")
    with op.batch_alter_table("usage_events") as batch:
        batch.add_column(sa.Column("request_id", sa.String(64)))
    op.create_index("ix_usage_events_request_id", "usage_events", ["request_id"],
                    postgresql_where=sa.text("request_id IS NOT NULL"),
                    sqlite_where=sa.text("request_id IS NOT NULL"))


def downgrade():
    op.drop_index("ix_usage_events_request_id", table_name="usage_events")
    with op.batch_alter_table("usage_events") as batch:
        batch.drop_column("request_id")
    with op.batch_alter_table("issue_reports") as batch:
        batch.drop_column("cohort")
        batch.drop_column("triaged_at")
    with op.batch_alter_table("pilot_cohorts") as batch:
        batch.drop_column("success_criteria")
    op.drop_table("client_events")
    op.drop_table("client_event_signatures")
