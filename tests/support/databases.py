"""Fresh databases for tests: a migrated template per run, copied for every test.

SQLite: the template is a file, copied per test. PostgreSQL: the template is a database,
cloned per test with ``CREATE DATABASE ... TEMPLATE``; every database this run creates is
dropped at the end. The server comes from ``METERBILL_TEST_POSTGRES_URL`` (default: the local
server, user postgres). When it is unreachable, PostgreSQL tests are skipped, unless
``METERBILL_REQUIRE_POSTGRES=1`` (CI sets it), which makes them fail instead.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from meterbill.storage.database import make_engine
from meterbill.storage.migrate import upgrade

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RUN_ID = uuid.uuid4().hex[:10]


def postgres_admin_url() -> str:
    return os.environ.get("METERBILL_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_required() -> bool:
    return os.environ.get("METERBILL_REQUIRE_POSTGRES", "") in {"1", "true", "yes"}


class SqliteDatabases:
    """Copies of one migrated SQLite file."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._template = workdir / "template.db"
        engine = make_engine(f"sqlite:///{self._template}")
        upgrade(engine)
        engine.dispose()
        # Fold the WAL into the main file so that copying the one file copies everything.
        raw = sqlite3.connect(self._template)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()

    @contextmanager
    def fresh(self) -> Iterator[str]:
        path = self._workdir / f"test-{uuid.uuid4().hex}.db"
        shutil.copyfile(self._template, path)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresDatabases:
    """Clones of one migrated PostgreSQL template database."""

    def __init__(self) -> None:
        self._admin_url = make_url(postgres_admin_url())
        self._admin = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        self._template = f"meterbill_tpl_{RUN_ID}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self._template}"'))
        engine = make_engine(self.url_of(self._template))
        upgrade(engine)
        engine.dispose()

    def url_of(self, database: str) -> str:
        return self._admin_url.set(database=database).render_as_string(hide_password=False)

    @contextmanager
    def fresh(self) -> Iterator[str]:
        name = f"meterbill_t_{RUN_ID}_{uuid.uuid4().hex[:10]}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"'))
        try:
            yield self.url_of(name)
        finally:
            with self._admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self._template}" WITH (FORCE)'))
        self._admin.dispose()


def try_postgres() -> PostgresDatabases | str:
    """The PostgreSQL helper, or why it could not be had."""
    try:
        return PostgresDatabases()
    except Exception as error:
        return f"PostgreSQL unavailable at {postgres_admin_url()}: {error}"


def skip_or_fail(reason: str) -> None:
    if postgres_required():
        pytest.fail(reason)
    pytest.skip(reason)


def dispose(engine: Engine) -> None:
    engine.dispose()
