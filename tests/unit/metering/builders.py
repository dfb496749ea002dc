"""Small builders that keep the example tests readable."""

from __future__ import annotations

from datetime import UTC, datetime

from meterbill.core.metering import UsageEvent, freeze_properties

DAY_1 = datetime(2024, 3, 1, tzinfo=UTC)
DAY_2 = datetime(2024, 3, 2, tzinfo=UTC)
DAY_3 = datetime(2024, 3, 3, tzinfo=UTC)

_counter = iter(range(10**9))


def at(day: datetime, hour: int = 0, minute: int = 0, microsecond: int = 0) -> datetime:
    """An instant on ``day`` (UTC)."""
    return day.replace(hour=hour, minute=minute, microsecond=microsecond)


def event(
    timestamp: datetime = DAY_1,
    event_type: str = "api_call",
    transaction_id: str | None = None,
    **properties: object,
) -> UsageEvent:
    """An event for customer ``cust-1`` with a fresh transaction id unless one is given."""
    return UsageEvent(
        transaction_id=transaction_id or f"tx-{next(_counter):06d}",
        customer_id="cust-1",
        event_type=event_type,
        timestamp=timestamp,
        properties=freeze_properties(properties),
    )
