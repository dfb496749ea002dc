"""Shared test helpers for the time core."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import strategies as st

from meterbill.core.periods import Period
from meterbill.core.rounding import EXACT_CONTEXT


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def period(start: datetime, end: datetime) -> Period:
    """Shorthand for ``Period``."""
    return Period(start, end)


# Hour-aligned instants between 1990 and 2090, as Metronome requires for contract starts.
hours = st.datetimes(
    min_value=datetime(1990, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2090, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda d: d.replace(minute=0, second=0, microsecond=0))


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """Sum in the 60-digit context: the default 28-digit context rounds long DIVIDED shares."""
    total = Decimal(0)
    for value in values:
        total = EXACT_CONTEXT.add(total, value)
    return total
