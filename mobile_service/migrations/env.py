"""Alembic environment: runs migrations on the app's engine with the models' metadata."""
from __future__ import annotations

from alembic import context
from flask import current_app

from mobile_service.models import Base

config = context.config


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
