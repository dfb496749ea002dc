"""The clock: read only at the edge (API handlers, CLI, workers) and passed inward as ``as_of``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current instant, always UTC-aware."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: tests and ``billing close --as-of`` use it."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a UTC-aware instant")
        self._instant = instant.astimezone(UTC)

    def now(self) -> datetime:
        return self._instant

    def set(self, instant: datetime) -> None:
        """Move the clock to ``instant`` (UTC-aware)."""
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a UTC-aware instant")
        self._instant = instant.astimezone(UTC)
