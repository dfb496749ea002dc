"""The ``meterbill`` command: serve, token, db."""

from __future__ import annotations

import sys

import typer
import uvicorn
from sqlalchemy import Engine

from meterbill.clock import SystemClock
from meterbill.config import Settings
from meterbill.core.errors import DomainError
from meterbill.services import tokens as token_service
from meterbill.storage.database import make_engine
from meterbill.storage.migrate import upgrade
from meterbill.storage.uow import UnitOfWork

app = typer.Typer(
    help="meterbill: usage-based billing speaking Metronome's API.", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(db_app, name="db")
# --- invoices: the billing command group ---
billing_app = typer.Typer(help="Invoices: finalisation.", no_args_is_help=True)
app.add_typer(billing_app, name="billing")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as error:
        typer.echo(f"configuration error: {error}", err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8080, help="TCP port."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
) -> None:
    """Apply pending migrations, then serve the API."""
    settings = _settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    typer.echo(f"meterbill serving on http://{host}:{port} (database {settings.database_url})")
    uvicorn.run(
        "meterbill.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Run pending migrations on METERBILL_DATABASE_URL."""
    settings = _settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    typer.echo("database is up to date")


@token_app.command("create")
def token_create(name: str = typer.Option(..., "--name", help="A label for the token.")) -> None:
    """Mint an API token; the token is printed alone on the last line (shown only once)."""
    engine = _migrated_engine()
    try:
        record, clear = token_service.create(UnitOfWork(engine), SystemClock(), name)
    except DomainError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created token {record.id} named {record.name!r}; store it now, it is not kept:")
    typer.echo(clear)


@token_app.command("list")
def token_list() -> None:
    """List tokens (never their values)."""
    engine = _migrated_engine()
    for record in token_service.list_all(UnitOfWork(engine)):
        state = "revoked " + record.revoked_at.isoformat() if record.revoked_at else "active"
        typer.echo(f"{record.id}\t{record.name}\t{record.created_at.isoformat()}\t{state}")


@token_app.command("revoke")
def token_revoke(id_or_name: str = typer.Argument(..., help="Token id or name.")) -> None:
    """Revoke a token by id or name."""
    engine = _migrated_engine()
    try:
        count = token_service.revoke(UnitOfWork(engine), SystemClock(), id_or_name)
    except DomainError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"revoked {count} token(s)")


@billing_app.command("close")
def billing_close(
    as_of: str | None = typer.Option(
        None, "--as-of", help="Instant to close at (RFC 3339, UTC); default now."
    ),
) -> None:
    """Finalise every invoice due at AS_OF (period end + grace passed), exactly once."""
    from datetime import UTC, datetime, timedelta

    from meterbill.services.billing_close import close
    from meterbill.storage.uow import UnitOfWork

    settings = _settings()
    try:
        instant = datetime.now(UTC) if as_of is None else datetime.fromisoformat(as_of)
    except ValueError:
        typer.echo(f"--as-of: not an RFC 3339 instant: {as_of!r}", err=True)
        raise typer.Exit(2) from None
    if instant.tzinfo is None:
        typer.echo("--as-of: give a time zone (e.g. 2026-02-02T00:00:00Z)", err=True)
        raise typer.Exit(2)
    engine = _migrated_engine()
    grace = timedelta(hours=settings.invoice_grace_hours)
    result = close(lambda: UnitOfWork(engine), instant.astimezone(UTC), grace)
    engine.dispose()
    typer.echo(f"contracts={result.contracts} finalized={result.finalized}")


# --- packages: the demo command ---
@app.command()
def demo() -> None:
    """Seed the Starter Plan story (packages, alias schedule, customers, usage) and print
    the invoices. Uses the configured database (the embedded default unless set)."""
    from meterbill.services import package_demo

    engine = _migrated_engine()
    customers = package_demo.run(lambda: UnitOfWork(engine))
    engine.dispose()
    for line in package_demo.describe(customers):
        typer.echo(line)


def _migrated_engine() -> Engine:
    settings = _settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
