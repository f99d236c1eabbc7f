"""Alembic environment: runs on the connection tracker hands over, or on TRACKER_DB for developers."""

import os

from alembic import context
from sqlalchemy import Connection

from tracker import DEFAULT_DATABASE
from tracker.tables import metadata
from tracker.store import create_engine_for


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("tracker's migrations run online only: give a database with TRACKER_DB.")

connectable = context.config.attributes.get("connection")
if connectable is None:
    connectable = create_engine_for(os.environ.get("TRACKER_DB", DEFAULT_DATABASE))
if isinstance(connectable, Connection):
    run_migrations(connectable)
else:
    with connectable.connect() as connection:
        run_migrations(connection)
