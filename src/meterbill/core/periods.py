"""Half-open time periods, calendar offsets and cadences: the time core everything stands on.

Contracts:

- Every instant is a timezone-aware ``datetime``; naive ones are refused, aware ones are
  normalised to UTC. Calendar arithmetic happens in UTC.
- A ``Period`` is half-open: ``starting_at`` inclusive, ``ending_before`` exclusive, never empty.
- Calendar arithmetic lives in one function, ``add_months``, with an explicit end-of-month clamp
  (``docs/decisions/time-calendar-arithmetic.md``). ``add_offset`` is the only other way to move
  an instant by a calendar amount, and it goes through ``add_months`` for months and years.
- A ``Cadence`` gives the n-th boundary as ``anchor + n * step``, computed from the anchor, never
  chained from the previous boundary, so a schedule never drifts (Jan 31, Feb 28, Mar 31, ...).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from meterbill.core.errors import DomainValidationError

__all__ = [
    "Cadence",
    "Frequency",
    "Offset",
    "OffsetUnit",
    "Period",
    "add_months",
    "add_offset",
    "ensure_utc",
    "frequency_step",
    "require_frequency",
]


def ensure_utc(instant: datetime, name: str = "instant") -> datetime:
    """Return ``instant`` in UTC; refuse a naive datetime with ``DomainValidationError``."""
    if not isinstance(instant, datetime):
        raise DomainValidationError(f"{name} must be a datetime")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise DomainValidationError(f"{name} must be timezone-aware (UTC), got a naive datetime")
    return instant.astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """A non-empty half-open window ``[starting_at, ending_before)`` in UTC."""

    starting_at: datetime
    ending_before: datetime

    def __post_init__(self) -> None:
        start = ensure_utc(self.starting_at, "starting_at")
        end = ensure_utc(self.ending_before, "ending_before")
        if end <= start:
            raise DomainValidationError(
                f"ending_before ({end.isoformat()}) must be after starting_at ({start.isoformat()})"
            )
        object.__setattr__(self, "starting_at", start)
        object.__setattr__(self, "ending_before", end)

    @property
    def duration(self) -> timedelta:
        """The length of the period (always positive)."""
        return self.ending_before - self.starting_at

    def contains(self, instant: datetime) -> bool:
        """True when ``starting_at <= instant < ending_before`` (the end is the next one's)."""
        moment = ensure_utc(instant)
        return self.starting_at <= moment < self.ending_before

    def overlaps(self, other: Period) -> bool:
        """True when the two periods share at least one instant (touching is not overlapping)."""
        return self.starting_at < other.ending_before and other.starting_at < self.ending_before

    def intersection(self, other: Period) -> Period | None:
        """The common part of the two periods, or ``None`` when they do not overlap."""
        if not self.overlaps(other):
            return None
        return Period(
            max(self.starting_at, other.starting_at), min(self.ending_before, other.ending_before)
        )


class OffsetUnit(Enum):
    """Units of a relative time object on packages (wire values are the names)."""

    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"
    YEARS = "YEARS"


@dataclass(frozen=True)
class Offset:
    """A calendar amount: ``value`` units. Negative values move backwards."""

    unit: OffsetUnit
    value: int

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise DomainValidationError(f"offset value must be an integer, got {self.value!r}")

    def times(self, factor: int) -> Offset:
        """This offset repeated ``factor`` times (``Offset(MONTHS, 3).times(2)`` is 6 months)."""
        return Offset(self.unit, self.value * factor)


def add_months(instant: datetime, months: int) -> datetime:
    """Move ``instant`` by ``months`` calendar months, keeping the time of day.

    NOTE: end-of-month clamp. When the target month is shorter than the day of ``instant``, the
    result is the last day of the target month: Jan 31 + 1 month = Feb 28 (Feb 29 in a leap
    year), Mar 31 - 1 month = Feb 28/29. The clamp never carries into the next month.
    """
    moment = ensure_utc(instant)
    month_index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise DomainValidationError(f"date out of range: {moment.isoformat()} + {months} months")
    # NOTE: clamp to the last day of the target month (Feb 28/29, Apr 30, ...).
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_offset(instant: datetime, offset: Offset) -> datetime:
    """``instant`` moved by ``offset`` with calendar arithmetic (the one entry point).

    DAYS and WEEKS are exact durations in UTC (NOTE: WEEKS = 7 days; UTC has no DST). MONTHS
    and YEARS go through ``add_months`` and its end-of-month clamp (NOTE: YEARS = 12 months, so
    Feb 29 + 1 year = Feb 28, and Feb 29 + 4 years = Feb 29). Offsets are meant to be applied to
    a fixed origin (the contract start), never chained: Jan 31 + 2 months = Mar 31, whereas
    (Jan 31 + 1 month) + 1 month = Mar 28.
    """
    moment = ensure_utc(instant)
    try:
        if offset.unit is OffsetUnit.DAYS:
            return moment + timedelta(days=offset.value)
        if offset.unit is OffsetUnit.WEEKS:
            return moment + timedelta(weeks=offset.value)
    except OverflowError as exc:
        raise DomainValidationError(f"date out of range: {moment.isoformat()} + {offset}") from exc
    if offset.unit is OffsetUnit.MONTHS:
        return add_months(moment, offset.value)
    return add_months(moment, 12 * offset.value)


class Frequency(Enum):
    """Every cadence the wire API names. Each caller accepts its own subset."""

    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    SEMI_ANNUAL = "SEMI_ANNUAL"
    ANNUAL = "ANNUAL"


_STEPS = {
    Frequency.DAILY: Offset(OffsetUnit.DAYS, 1),
    Frequency.WEEKLY: Offset(OffsetUnit.WEEKS, 1),
    Frequency.MONTHLY: Offset(OffsetUnit.MONTHS, 1),
    Frequency.QUARTERLY: Offset(OffsetUnit.MONTHS, 3),
    Frequency.SEMI_ANNUAL: Offset(OffsetUnit.MONTHS, 6),
    Frequency.ANNUAL: Offset(OffsetUnit.MONTHS, 12),
}


def frequency_step(frequency: Frequency) -> Offset:
    """The length of one period of ``frequency`` as an offset (QUARTERLY = 3 months)."""
    return _STEPS[frequency]


def require_frequency(frequency: Frequency, allowed: frozenset[Frequency], field: str) -> None:
    """Refuse a frequency a given wire field does not accept."""
    if frequency not in allowed:
        names = ", ".join(sorted(f.value for f in allowed))
        raise DomainValidationError(f"{field} must be one of {names}, got {frequency.value}")


@dataclass(frozen=True)
class Cadence:
    """Boundaries ``anchor + n * step`` for every integer ``n`` (negative ones too).

    Boundaries are strictly increasing in ``n``. ``step`` must be a positive offset.
    """

    anchor: datetime
    step: Offset

    def __post_init__(self) -> None:
        object.__setattr__(self, "anchor", ensure_utc(self.anchor, "anchor"))
        if self.step.value <= 0:
            raise DomainValidationError("a cadence step must be positive")

    @classmethod
    def of(cls, anchor: datetime, frequency: Frequency) -> Cadence:
        """The cadence of ``frequency`` anchored at ``anchor``."""
        return cls(anchor, frequency_step(frequency))

    def boundary(self, n: int) -> datetime:
        """The n-th boundary, computed from the anchor (never chained)."""
        return add_offset(self.anchor, self.step.times(n))

    def index_at(self, instant: datetime) -> int:
        """The ``n`` with ``boundary(n) <= instant < boundary(n + 1)``."""
        moment = ensure_utc(instant)
        n = self._estimate(moment)
        # The estimate is off by at most one either way, so both loops are bounded.
        while self.boundary(n) > moment:
            n -= 1
        while self.boundary(n + 1) <= moment:
            n += 1
        return n

    def floor(self, instant: datetime) -> datetime:
        """The last boundary at or before ``instant``."""
        return self.boundary(self.index_at(instant))

    def period(self, n: int) -> Period:
        """The full n-th period ``[boundary(n), boundary(n + 1))``."""
        return Period(self.boundary(n), self.boundary(n + 1))

    def period_at(self, instant: datetime) -> Period:
        """The full period that contains ``instant``."""
        return self.period(self.index_at(instant))

    def periods(self, starting_at: datetime, ending_before: datetime | None) -> Iterator[Period]:
        """Lazily yield the periods tiling ``[starting_at, ending_before)``, clipped to it.

        The first and last periods are cut where the window cuts them (stub and truncated
        periods). With ``ending_before=None`` the iterator is infinite: bound it yourself.
        """
        start = ensure_utc(starting_at, "starting_at")
        end = None if ending_before is None else ensure_utc(ending_before, "ending_before")
        n = self.index_at(start)
        cursor = start
        while end is None or cursor < end:
            upper = self.boundary(n + 1)
            stop = upper if end is None else min(upper, end)
            yield Period(cursor, stop)
            cursor = stop
            n += 1

    def _estimate(self, moment: datetime) -> int:
        if self.step.unit in (OffsetUnit.DAYS, OffsetUnit.WEEKS):
            length = timedelta(
                days=self.step.value * (7 if self.step.unit is OffsetUnit.WEEKS else 1)
            )
            return (moment - self.anchor) // length
        months = self.step.value * (12 if self.step.unit is OffsetUnit.YEARS else 1)
        elapsed = (moment.year - self.anchor.year) * 12 + (moment.month - self.anchor.month)
        return elapsed // months
