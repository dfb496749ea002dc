"""Alembic environment: batch mode (SQLite can be altered) over meterbill's one MetaData."""

from __future__ import annotations

from alembic import context

from meterbill.storage.tables import metadata

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("meterbill runs migrations with a connection (meterbill db upgrade)")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
