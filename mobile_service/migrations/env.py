"""Alembic environment: runs migrations on the app's engine with the models' metadata."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from flask import current_app

from mobile_service.models import Base

config = context.config
# Written by migration 0010 and kept here after each step: the revisions this database applied.
HISTORY = sa.table("alembic_version_history", sa.column("revision", sa.String))


def record_revision(ctx, step, heads, run_args) -> None:
    """Keep ``alembic_version_history`` in step: add an applied revision, remove a reverted one.

    ``/readyz`` of an older pod reads it to accept a database ahead of its code (see
    infra/RUNBOOK.md, "Expand, then contract"). Before 0010 (and after its downgrade) the table
    is absent and nothing is recorded.
    """
    connection = ctx.connection
    if connection is None or not sa.inspect(connection).has_table("alembic_version_history"):
        return
    for rev in step.up_revision_ids:
        known = connection.execute(sa.select(HISTORY.c.revision).where(HISTORY.c.revision == rev)).first()
        if step.is_upgrade and known is None:
            connection.execute(sa.insert(HISTORY).values(revision=rev))
        elif not step.is_upgrade and known is not None:
            connection.execute(sa.delete(HISTORY).where(HISTORY.c.revision == rev))


def run_migrations_offline() -> None:
    """Emit SQL for the configured URL without a connection (``flask db upgrade --sql``)."""
    url = current_app.extensions["migrate"].db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in a transaction on the app's engine."""
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            on_version_apply=record_revision,
            **current_app.extensions["migrate"].configure_args,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # The service's short statement timeout protects requests, not schema changes and
                # backfills on a county-sized table (the migration Job runs them once).
                connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
