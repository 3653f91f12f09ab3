"""idp_key_cache: the identity provider's last-known-good keys, shared by workers and pods

A restarted worker (HUP, max-requests recycle, a new pod) used to start with no keys, so during
an identity-provider outage it answered 503 on every exchange although the keys had been known
a minute before (issue 11). Each successful fetch is now stored here with its fetch time; a
fresh worker adopts it and validates tokens within the stale window (``JWKS_STALE_SECONDS``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "idp_key_cache",
        sa.Column("metadata_url", sa.String(length=500), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("jwks_uri", sa.String(length=500), nullable=False),
        sa.Column("jwks", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("metadata_url", name=op.f("pk_idp_key_cache")),
    )


def downgrade():
    op.drop_table("idp_key_cache")
