"""Settings read from the environment once, at the edge, and passed down as a frozen value."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///./meterbill.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything an operator can configure. See the README's configuration table."""

    database_url: str = DEFAULT_DATABASE_URL
    ingest_backdate_days: int = 34
    invoice_grace_hours: int = 24
    billing_worker_interval_seconds: int = 60
    run_billing_worker: bool = True

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from ``METERBILL_*`` variables (defaults for the missing ones)."""
        source = dict(os.environ) if env is None else env
        return cls(
            database_url=source.get("METERBILL_DATABASE_URL", DEFAULT_DATABASE_URL),
            ingest_backdate_days=_int(source, "METERBILL_INGEST_BACKDATE_DAYS", 34, minimum=34),
            invoice_grace_hours=_int(source, "METERBILL_INVOICE_GRACE_HOURS", 24, minimum=0),
            billing_worker_interval_seconds=_int(
                source, "METERBILL_BILLING_WORKER_INTERVAL_SECONDS", 60, minimum=1
            ),
            run_billing_worker=source.get("METERBILL_BILLING_WORKER", "on").lower()
            not in {"0", "off", "false", "no"},
        )


def _int(source: dict[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = source.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value
