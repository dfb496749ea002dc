"""Recurring things made concrete: ``recurring_schedule`` items, recurring commit children.

(a) ``expand_recurring_schedule``: a scheduled charge's or commit invoice schedule's
    ``recurring_schedule`` becomes schedule items at ``starting_at + k * frequency`` (computed from
    ``starting_at``, never chained) for every such timestamp before ``ending_before``, with the
    amount distributed per ``amount_distribution`` (``spec/decisions.md`` §7).

(b) ``iter_recurring_commits``: a recurring commit or credit becomes child segments, one per
    recurrence period from ``starting_at`` until ``ending_before``. Periods follow the contract's
    usage statement cadence when no ``recurrence_frequency`` is given, else a cadence anchored at
    the recurring item's ``starting_at``. Each child has access for ``commit_duration`` periods and
    the first/last child is prorated as ``proration`` says.

Decisions: ``docs/decisions/time-recurring-schedule-items.md``, ``time-recurring-commits.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from itertools import count, takewhile

from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import (
    Cadence,
    Frequency,
    Period,
    ensure_utc,
    frequency_step,
    require_frequency,
)
from meterbill.core.proration import ProrationRounding, fraction_of_period, prorate
from meterbill.core.rounding import divide_exactly, split_in_whole_units

__all__ = [
    "RECURRENCE_FREQUENCIES",
    "SCHEDULE_FREQUENCIES",
    "AmountDistribution",
    "GeneratedCommit",
    "ProrationMode",
    "RecurringCommitTerms",
    "RecurringSchedule",
    "ScheduleItem",
    "expand_recurring_schedule",
    "iter_recurring_commits",
    "recurring_commits_overlapping",
    "schedule_timestamps",
]

SCHEDULE_FREQUENCIES = frozenset(
    {Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.SEMI_ANNUAL, Frequency.ANNUAL}
)
RECURRENCE_FREQUENCIES = frozenset(
    {Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL}
)


# --- (a) recurring_schedule ------------------------------------------------------------------


class AmountDistribution(Enum):
    """How a ``recurring_schedule`` amount is spread over its items."""

    EACH = "EACH"
    DIVIDED = "DIVIDED"
    DIVIDED_ROUNDED = "DIVIDED_ROUNDED"


@dataclass(frozen=True)
class ScheduleItem:
    """One concrete schedule item. Invariant: ``amount == unit_price * quantity``."""

    timestamp: datetime
    amount: Decimal
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class RecurringSchedule:
    """A ``recurring_schedule``: either ``amount`` or both ``unit_price`` and ``quantity``.

    With ``amount``, the unit price is the amount and the quantity is 1 (as the SDK documents).
    """

    starting_at: datetime
    ending_before: datetime
    frequency: Frequency
    amount_distribution: AmountDistribution
    amount: Decimal | None = None
    unit_price: Decimal | None = None
    quantity: Decimal | None = None

    def __post_init__(self) -> None:
        require_frequency(self.frequency, SCHEDULE_FREQUENCIES, "recurring_schedule.frequency")
        window = Period(self.starting_at, self.ending_before)
        object.__setattr__(self, "starting_at", window.starting_at)
        object.__setattr__(self, "ending_before", window.ending_before)
        priced = self.unit_price is not None or self.quantity is not None
        if self.amount is not None and priced:
            raise DomainValidationError(
                "recurring_schedule takes amount or unit_price and quantity, not both"
            )
        if self.amount is None and (self.unit_price is None or self.quantity is None):
            raise DomainValidationError(
                "recurring_schedule needs amount, or both unit_price and quantity"
            )

    @property
    def item_unit_price(self) -> Decimal:
        """The unit price each EACH item carries."""
        if self.amount is not None:
            return self.amount
        assert self.unit_price is not None  # checked in __post_init__
        return self.unit_price

    @property
    def item_quantity(self) -> Decimal:
        """The quantity each EACH item carries (1 when an amount was given)."""
        return Decimal(1) if self.quantity is None else self.quantity


def schedule_timestamps(schedule: RecurringSchedule) -> list[datetime]:
    """``starting_at + k * frequency`` for k = 0, 1, ... while before ``ending_before``."""
    cadence = Cadence(schedule.starting_at, frequency_step(schedule.frequency))
    stamps = (cadence.boundary(k) for k in count())
    return list(takewhile(lambda t: t < schedule.ending_before, stamps))


def expand_recurring_schedule(schedule: RecurringSchedule) -> list[ScheduleItem]:
    """The concrete items of ``schedule`` (at least one: ``starting_at`` itself).

    EACH repeats the full ``unit_price`` x ``quantity`` on every item. DIVIDED and
    DIVIDED_ROUNDED split the total over the items (exactly, or in whole units with the
    remainder on the last item); their items carry quantity 1 and the piece as unit price.
    Whatever the distribution, DIVIDED* items sum to the total exactly.
    """
    stamps = schedule_timestamps(schedule)
    unit_price, quantity = schedule.item_unit_price, schedule.item_quantity
    if schedule.amount_distribution is AmountDistribution.EACH:
        return [ScheduleItem(t, unit_price * quantity, quantity, unit_price) for t in stamps]
    total = unit_price * quantity
    if schedule.amount_distribution is AmountDistribution.DIVIDED:
        pieces = divide_exactly(total, len(stamps))
    else:
        pieces = split_in_whole_units(total, len(stamps))
    return [
        ScheduleItem(t, piece, Decimal(1), piece) for t, piece in zip(stamps, pieces, strict=True)
    ]


# --- (b) recurring commits and credits ---------------------------------------------------------


class ProrationMode(Enum):
    """Which children of a recurring commit/credit are prorated. Wire default: FIRST_AND_LAST."""

    NONE = "NONE"
    FIRST = "FIRST"
    LAST = "LAST"
    FIRST_AND_LAST = "FIRST_AND_LAST"


@dataclass(frozen=True)
class RecurringCommitTerms:
    """The time and amount terms of a recurring commit or credit.

    ``access_quantity`` is the resolved quantity (from ``access_amount.quantity``, or from the
    linked subscription: resolving it is the caller's job). ``invoice_*`` is absent for credits
    and for commits without an ``invoice_amount``. ``recurrence_frequency=None`` means "on the
    usage statement cadence"; the caller then passes that cadence to the generator.
    ``commit_duration`` is in periods and must be a positive whole number.
    """

    starting_at: datetime
    access_unit_price: Decimal
    access_quantity: Decimal
    commit_duration: int = 1
    ending_before: datetime | None = None
    recurrence_frequency: Frequency | None = None
    invoice_unit_price: Decimal | None = None
    invoice_quantity: Decimal | None = None
    proration: ProrationMode = ProrationMode.FIRST_AND_LAST
    access_rounding: ProrationRounding | None = None
    invoice_rounding: ProrationRounding | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "starting_at", ensure_utc(self.starting_at, "starting_at"))
        if self.ending_before is not None:
            end = Period(self.starting_at, self.ending_before).ending_before
            object.__setattr__(self, "ending_before", end)
        if self.recurrence_frequency is not None:
            require_frequency(
                self.recurrence_frequency, RECURRENCE_FREQUENCIES, "recurrence_frequency"
            )
        if isinstance(self.commit_duration, bool) or not isinstance(self.commit_duration, int):
            raise DomainValidationError("commit_duration.value must be a whole number of periods")
        if self.commit_duration < 1:
            raise DomainValidationError("commit_duration.value must be at least 1")
        if (self.invoice_unit_price is None) != (self.invoice_quantity is None):
            raise DomainValidationError("invoice_amount needs both unit_price and quantity")


@dataclass(frozen=True)
class GeneratedCommit:
    """One child of a recurring commit/credit.

    ``period`` is the child's recurrence (service) period, clipped to the recurring item's window;
    ``access`` runs from the period's start for ``commit_duration`` periods, also clipped.
    ``fraction`` is 1 unless the child is prorated; amounts are the full amounts times it,
    rounded by the matching ``proration_rounding`` only when prorated.
    """

    period: Period
    access: Period
    fraction: Fraction
    access_amount: Decimal
    invoice_amount: Decimal | None

    @property
    def is_prorated(self) -> bool:
        """True when this child's amounts were prorated."""
        return self.fraction != 1


def iter_recurring_commits(
    terms: RecurringCommitTerms,
    statement_cadence: Cadence | None = None,
    since: datetime | None = None,
) -> Iterator[GeneratedCommit]:
    """Lazily yield the children of ``terms`` in order (infinite when ``ending_before`` is None).

    ``statement_cadence`` (the contract's usage statement cadence) is required when
    ``terms.recurrence_frequency`` is None and ignored otherwise. With ``since``, start at the
    child whose period holds ``since`` (in O(1)); children never depend on earlier ones.
    """
    cadence = _cadence_for(terms, statement_cadence)
    first = terms.starting_at
    if since is not None:
        first = max(first, cadence.floor(ensure_utc(since, "since")))
    for period in cadence.periods(first, terms.ending_before):
        yield _child(terms, cadence, period)


def recurring_commits_overlapping(
    terms: RecurringCommitTerms, window: Period, statement_cadence: Cadence | None = None
) -> list[GeneratedCommit]:
    """The children whose recurrence period overlaps ``window`` (always finite)."""
    children = iter_recurring_commits(terms, statement_cadence, window.starting_at)
    bounded = takewhile(lambda c: c.period.starting_at < window.ending_before, children)
    return [c for c in bounded if c.period.overlaps(window)]


def _cadence_for(terms: RecurringCommitTerms, statement_cadence: Cadence | None) -> Cadence:
    if terms.recurrence_frequency is not None:
        return Cadence.of(terms.starting_at, terms.recurrence_frequency)
    if statement_cadence is None:
        raise DomainValidationError(
            "a recurring commit without recurrence_frequency needs the usage statement cadence"
        )
    return statement_cadence


def _child(terms: RecurringCommitTerms, cadence: Cadence, period: Period) -> GeneratedCommit:
    index = cadence.index_at(period.starting_at)
    full = cadence.period(index)
    access_end = cadence.boundary(index + terms.commit_duration)
    if terms.ending_before is not None:
        # NOTE: access never outlives the recurring item's ending_before.
        access_end = min(access_end, terms.ending_before)
    fraction = _fraction(terms.proration, full, period)
    access_amount = prorate(
        terms.access_unit_price * terms.access_quantity, fraction, terms.access_rounding
    )
    invoice_amount = None
    if terms.invoice_unit_price is not None and terms.invoice_quantity is not None:
        invoice_total = terms.invoice_unit_price * terms.invoice_quantity
        invoice_amount = prorate(invoice_total, fraction, terms.invoice_rounding)
    return GeneratedCommit(
        period, Period(period.starting_at, access_end), fraction, access_amount, invoice_amount
    )


def _fraction(mode: ProrationMode, full: Period, period: Period) -> Fraction:
    """The share of ``full`` the child pays for: cut only on the sides ``mode`` allows.

    NOTE: only the first child can be cut at its start (a stub: the item starts mid-period) and
    only the last at its end (ending_before mid-period); a single child can be both.
    """
    cut_start = mode in (ProrationMode.FIRST, ProrationMode.FIRST_AND_LAST)
    cut_end = mode in (ProrationMode.LAST, ProrationMode.FIRST_AND_LAST)
    start = period.starting_at if cut_start else full.starting_at
    end = period.ending_before if cut_end else full.ending_before
    return fraction_of_period(full, Period(start, end))
