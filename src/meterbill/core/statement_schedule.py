"""Usage statement (billing) periods of a contract.

A contract's ``usage_statement_schedule`` is normalised to one anchor instant and a frequency,
as Metronome stores it (``{billing_anchor_date, frequency}``). Periods are the cadence
``anchor + n * frequency`` (computed from the anchor, never chained), clipped to the contract:

- the first period is a stub when the contract starts between two boundaries;
- the last period is truncated at the contract's ``ending_before``;
- an open-ended contract has infinitely many periods: every function here is bounded by a window
  or returns a lazy iterator.

Decisions: ``docs/decisions/time-statement-anchor.md``, ``time-weekly-first-of-month.md``,
``time-custom-date-anchor.md``, ``time-invoice-generation-start.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from itertools import takewhile

from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Cadence, Frequency, Period, ensure_utc, require_frequency

__all__ = [
    "STATEMENT_FREQUENCIES",
    "StatementDay",
    "UsageStatementSchedule",
    "invoiced_periods_overlapping",
    "iter_statement_periods",
    "statement_anchor",
    "statement_cadence",
    "statement_period_containing",
    "statement_periods_overlapping",
]

STATEMENT_FREQUENCIES = frozenset(
    {Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL, Frequency.WEEKLY}
)


class StatementDay(Enum):
    """``usage_statement_schedule.day``; FIRST_OF_MONTH is the wire default."""

    FIRST_OF_MONTH = "FIRST_OF_MONTH"
    CONTRACT_START = "CONTRACT_START"
    CUSTOM_DATE = "CUSTOM_DATE"


@dataclass(frozen=True)
class UsageStatementSchedule:
    """A contract's statement schedule together with the contract window it applies to.

    ``billing_anchor_date`` is required with CUSTOM_DATE and ignored otherwise.
    ``invoice_generation_starting_at`` defaults to the contract start.
    """

    frequency: Frequency
    contract_starting_at: datetime
    contract_ending_before: datetime | None = None
    day: StatementDay = StatementDay.FIRST_OF_MONTH
    billing_anchor_date: datetime | None = None
    invoice_generation_starting_at: datetime | None = None

    def __post_init__(self) -> None:
        require_frequency(
            self.frequency, STATEMENT_FREQUENCIES, "usage_statement_schedule.frequency"
        )
        start = ensure_utc(self.contract_starting_at, "starting_at")
        object.__setattr__(self, "contract_starting_at", start)
        if self.contract_ending_before is not None:
            # Period() validates that the contract window is not empty.
            end = Period(start, self.contract_ending_before).ending_before
            object.__setattr__(self, "contract_ending_before", end)
        if self.day is StatementDay.CUSTOM_DATE and self.billing_anchor_date is None:
            raise DomainValidationError(
                "usage_statement_schedule.billing_anchor_date is required when day is CUSTOM_DATE"
            )
        for name in ("billing_anchor_date", "invoice_generation_starting_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, ensure_utc(value, name))


def statement_anchor(schedule: UsageStatementSchedule) -> datetime:
    """The instant the statement cadence is anchored to (Metronome's ``billing_anchor_date``).

    NOTE: FIRST_OF_MONTH anchors at 00:00 UTC on the 1st of the contract's start month; QUARTERLY
    and ANNUAL periods count from that month, not from calendar quarters. CONTRACT_START anchors
    at the contract's start instant. CUSTOM_DATE uses ``billing_anchor_date`` as given (it may lie
    before or after the contract start).
    """
    if schedule.day is StatementDay.CUSTOM_DATE:
        assert schedule.billing_anchor_date is not None  # checked in __post_init__
        return schedule.billing_anchor_date
    if schedule.day is StatementDay.CONTRACT_START:
        return schedule.contract_starting_at
    start = schedule.contract_starting_at
    return start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def statement_cadence(schedule: UsageStatementSchedule) -> Cadence:
    """The unclipped cadence of statement boundaries."""
    return Cadence.of(statement_anchor(schedule), schedule.frequency)


def iter_statement_periods(
    schedule: UsageStatementSchedule, starting_at: datetime | None = None
) -> Iterator[Period]:
    """Lazily yield the contract's statement periods from the one containing ``starting_at``.

    Infinite for an open-ended contract: the caller bounds it. Without ``starting_at`` (or with
    one before the contract start) the first period yielded is the contract's first, a stub when
    the contract starts between two boundaries. Starts in O(1), whatever ``starting_at`` is.
    """
    cadence = statement_cadence(schedule)
    first = schedule.contract_starting_at
    if starting_at is not None:
        first = max(first, cadence.floor(ensure_utc(starting_at, "starting_at")))
    return cadence.periods(first, schedule.contract_ending_before)


def statement_periods_overlapping(schedule: UsageStatementSchedule, window: Period) -> list[Period]:
    """The contract's statement periods that overlap ``window``, in order (always finite)."""
    periods = iter_statement_periods(schedule, window.starting_at)
    return list(takewhile(lambda p: p.starting_at < window.ending_before, periods))


def statement_period_containing(
    schedule: UsageStatementSchedule, instant: datetime
) -> Period | None:
    """The statement period holding ``instant``, or ``None`` outside the contract window."""
    moment = ensure_utc(instant)
    end = schedule.contract_ending_before
    if moment < schedule.contract_starting_at or (end is not None and moment >= end):
        return None
    return next(iter_statement_periods(schedule, moment))


def invoiced_periods_overlapping(schedule: UsageStatementSchedule, window: Period) -> list[Period]:
    """The periods meterbill generates usage invoices for, overlapping ``window``.

    NOTE: periods ending on or before ``invoice_generation_starting_at`` are history (imported
    with ``createHistoricalInvoices``) and are left out; a period straddling that instant is
    cut to start there, so imported and generated invoices never cover the same time.
    """
    since = schedule.invoice_generation_starting_at
    periods = statement_periods_overlapping(schedule, window)
    if since is None:
        return periods
    cut = (
        p.intersection(Period(since, p.ending_before)) for p in periods if p.ending_before > since
    )
    return [p for p in cut if p is not None]
