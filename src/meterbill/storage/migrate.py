"""Apply Alembic migrations from code (``meterbill db upgrade``, ``meterbill serve``, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at meterbill's migrations (no ini file needed)."""
    config = Config(str(_MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` to ``revision`` (default: the latest)."""
    config = alembic_config()
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()
