"""Fixtures shared by every tier: fresh databases on both backends, a fixed clock, the SDK."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from metronome import Metronome
from sqlalchemy import Engine
from starlette.testclient import TestClient

from meterbill.api.app import create_app
from meterbill.clock import FixedClock
from meterbill.config import Settings
from meterbill.services import tokens as token_service
from meterbill.storage.database import make_engine
from meterbill.storage.uow import UnitOfWork
from tests.support.databases import (
    PostgresDatabases,
    SqliteDatabases,
    skip_or_fail,
    try_postgres,
)

BACKENDS = ["sqlite", "postgresql"]
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(Path(tmp_path_factory.mktemp("sqlite")))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | str]:
    databases = try_postgres()
    yield databases
    if isinstance(databases, PostgresDatabases):
        databases.close()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | str,
) -> Iterator[str]:
    """A fresh, migrated, empty database on each backend in turn."""
    if request.param == "sqlite":
        with sqlite_databases.fresh() as url:
            yield url
        return
    if isinstance(postgres_databases, str):
        skip_or_fail(postgres_databases)
        return
    with postgres_databases.fresh() as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=5)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, run_billing_worker=False)


@pytest.fixture
def app(settings: Settings, engine: Engine, clock: FixedClock) -> FastAPI:
    return create_app(settings, engine=engine, clock=clock)


@pytest.fixture
def token(engine: Engine, clock: FixedClock) -> str:
    _, clear = token_service.create(UnitOfWork(engine), clock, "tests")
    return clear


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    """A raw HTTP client on the app, for what the SDK cannot send (bad JSON, no token)."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client(http: TestClient, token: str) -> Metronome:
    """The official SDK, in-process, without retries."""
    return Metronome(
        base_url="http://testserver", bearer_token=token, http_client=http, max_retries=0
    )
