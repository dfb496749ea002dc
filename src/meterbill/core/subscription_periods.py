"""Subscription billing periods, proration fractions and quantity-change charges (pure time).

This module says *which* windows of a subscription are charged, at *what* share of the full
billing-period price, for *how many* units, and *when* (``billed_at``, the collection date that
decides which invoice carries the charge). It does not price: the invoice module multiplies
``unit_price * quantity`` by ``fraction`` with ``meterbill.core.proration.prorate``.

Contracts:

- Billing periods follow ``anchor + n * billing_frequency`` (``billing_cycle_config.anchor_date``,
  by default the contract's usage statement anchor), clipped to the subscription window; the
  first and last periods are partial when the subscription starts or ends between boundaries.
- ADVANCE collects a period at its start, ARREARS at its end.
- Quantity changes: ``docs/decisions/time-subscription-quantity-changes.md``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from itertools import pairwise, takewhile

from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Cadence, Frequency, Period, ensure_utc, require_frequency
from meterbill.core.proration import fraction_of_period
from meterbill.core.statement_schedule import UsageStatementSchedule, iter_statement_periods

__all__ = [
    "BILLING_FREQUENCIES",
    "BillingPeriod",
    "BillingPeriods",
    "CollectionSchedule",
    "InvoiceBehavior",
    "InvoicePlacement",
    "QuantityChange",
    "SubscriptionCharge",
    "SubscriptionTerms",
    "billing_period_containing",
    "billing_periods_around",
    "billing_periods_overlapping",
    "carrying_usage_statement",
    "iter_billing_periods",
    "quantity_at",
    "subscription_charges",
]

_TICK = timedelta(microseconds=1)

BILLING_FREQUENCIES = frozenset(
    {Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL, Frequency.WEEKLY}
)


class CollectionSchedule(Enum):
    """When a billing period is collected: at its start (ADVANCE) or its end (ARREARS)."""

    ADVANCE = "ADVANCE"
    ARREARS = "ARREARS"


class InvoiceBehavior(Enum):
    """``proration.invoice_behavior``: when a mid-period quantity increase is billed."""

    BILL_IMMEDIATELY = "BILL_IMMEDIATELY"
    BILL_ON_NEXT_COLLECTION_DATE = "BILL_ON_NEXT_COLLECTION_DATE"


class InvoicePlacement(Enum):
    """``billing_cycle_config.invoice_placement``; ON_USAGE_INVOICE is the wire default."""

    ON_USAGE_INVOICE = "ON_USAGE_INVOICE"
    ON_SCHEDULED_INVOICE = "ON_SCHEDULED_INVOICE"


@dataclass(frozen=True)
class SubscriptionTerms:
    """The time terms of one subscription.

    ``anchor_date`` is already resolved (``billing_cycle_config.anchor_date`` or the contract's
    usage statement anchor). ``invoice_behavior=None`` means the default for the collection
    schedule: BILL_IMMEDIATELY for ADVANCE, BILL_ON_NEXT_COLLECTION_DATE for ARREARS.
    """

    starting_at: datetime
    billing_frequency: Frequency
    collection_schedule: CollectionSchedule
    anchor_date: datetime
    ending_before: datetime | None = None
    is_prorated: bool = True
    invoice_behavior: InvoiceBehavior | None = None

    def __post_init__(self) -> None:
        require_frequency(
            self.billing_frequency, BILLING_FREQUENCIES, "subscription_rate.billing_frequency"
        )
        object.__setattr__(self, "starting_at", ensure_utc(self.starting_at, "starting_at"))
        object.__setattr__(self, "anchor_date", ensure_utc(self.anchor_date, "anchor_date"))
        if self.ending_before is not None:
            end = Period(self.starting_at, self.ending_before).ending_before
            object.__setattr__(self, "ending_before", end)
        if (
            self.invoice_behavior is InvoiceBehavior.BILL_IMMEDIATELY
            and self.collection_schedule is CollectionSchedule.ARREARS
        ):
            raise DomainValidationError(
                "proration.invoice_behavior BILL_IMMEDIATELY is only available with ADVANCE"
            )

    @property
    def resolved_invoice_behavior(self) -> InvoiceBehavior:
        """The invoice behavior in force, defaults applied."""
        if self.invoice_behavior is not None:
            return self.invoice_behavior
        if self.collection_schedule is CollectionSchedule.ADVANCE:
            return InvoiceBehavior.BILL_IMMEDIATELY
        return InvoiceBehavior.BILL_ON_NEXT_COLLECTION_DATE

    @property
    def cadence(self) -> Cadence:
        """The unclipped billing cycle."""
        return Cadence.of(self.anchor_date, self.billing_frequency)


@dataclass(frozen=True)
class BillingPeriod:
    """A billing period: ``period`` (clipped to the subscription) inside its ``full`` cycle.

    ``fraction`` is the share of the full-period price charged for the base quantity: the
    covered share when the subscription is prorated, else 1. ``collection_date`` is the start
    (ADVANCE) or the end (ARREARS) of ``period``.
    """

    period: Period
    full: Period
    fraction: Fraction
    collection_date: datetime

    @property
    def is_partial(self) -> bool:
        """True when the subscription covers only part of the cycle."""
        return self.period != self.full


def iter_billing_periods(
    terms: SubscriptionTerms, since: datetime | None = None
) -> Iterator[BillingPeriod]:
    """Lazily yield the billing periods (infinite when open-ended), from the one holding
    ``since`` when given (in O(1)), else from the subscription start."""
    cadence = terms.cadence
    first = terms.starting_at
    if since is not None:
        first = max(first, cadence.floor(ensure_utc(since, "since")))
    for period in cadence.periods(first, terms.ending_before):
        yield _billing_period(terms, cadence.period_at(period.starting_at), period)


def billing_periods_overlapping(terms: SubscriptionTerms, window: Period) -> list[BillingPeriod]:
    """The billing periods that overlap ``window``, in order (always finite)."""
    periods = takewhile(
        lambda b: b.period.starting_at < window.ending_before,
        iter_billing_periods(terms, window.starting_at),
    )
    return [b for b in periods if b.period.overlaps(window)]


def billing_period_containing(terms: SubscriptionTerms, instant: datetime) -> BillingPeriod | None:
    """The billing period holding ``instant``, or None outside the subscription window."""
    moment = ensure_utc(instant)
    if moment < terms.starting_at or (
        terms.ending_before is not None and moment >= terms.ending_before
    ):
        return None
    full = terms.cadence.period_at(moment)
    window = Period(terms.starting_at, terms.ending_before or full.ending_before)
    clipped = full.intersection(window)
    assert clipped is not None  # moment is in both
    return _billing_period(terms, full, clipped)


def _billing_period(terms: SubscriptionTerms, full: Period, period: Period) -> BillingPeriod:
    fraction = fraction_of_period(full, period) if terms.is_prorated else Fraction(1)
    advance = terms.collection_schedule is CollectionSchedule.ADVANCE
    collected = period.starting_at if advance else period.ending_before
    return BillingPeriod(period, full, fraction, collected)


@dataclass(frozen=True)
class BillingPeriods:
    """The SDK's ``billing_periods {previous, current, next}`` as of an instant."""

    previous: Period | None
    current: Period | None
    next: Period | None


def billing_periods_around(terms: SubscriptionTerms, as_of: datetime) -> BillingPeriods:
    """Previous, current and next billing periods as of ``as_of`` (each may be None).

    Before the subscription starts only ``next`` (the first period) is set; at or after its
    end only ``previous`` (the last period).
    """
    moment = ensure_utc(as_of, "as_of")
    if moment < terms.starting_at:
        return BillingPeriods(None, None, next(iter_billing_periods(terms)).period)
    current = billing_period_containing(terms, moment)
    if current is None:
        assert terms.ending_before is not None  # an open-ended subscription never ends
        last = billing_period_containing(terms, terms.ending_before - _TICK)
        return BillingPeriods(last.period if last else None, None, None)
    before = billing_period_containing(terms, current.period.starting_at - _TICK)
    after = billing_period_containing(terms, current.period.ending_before)
    return BillingPeriods(
        before.period if before else None, current.period, after.period if after else None
    )


# --- quantities and charges ---------------------------------------------------------------------


@dataclass(frozen=True)
class QuantityChange:
    """From ``starting_at`` on, the subscription has ``quantity`` units (quantity_schedule)."""

    starting_at: datetime
    quantity: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "starting_at", ensure_utc(self.starting_at, "starting_at"))
        if self.quantity < 0:
            raise DomainValidationError("a subscription quantity must not be negative")


def quantity_at(changes: Sequence[QuantityChange], instant: datetime) -> Decimal:
    """The quantity in force at ``instant``: the latest change at or before it, else 0."""
    moment = ensure_utc(instant)
    held = [c for c in changes if c.starting_at <= moment]
    if not held:
        return Decimal(0)
    # NOTE: of two changes at the same instant, the later one in ``changes`` wins.
    return max(reversed(held), key=lambda c: c.starting_at).quantity


@dataclass(frozen=True)
class SubscriptionCharge:
    """One charge line: ``quantity`` units of the full-period price times ``fraction``.

    ``service_period`` is the window paid for, inside ``billing_period.period``. ``billed_at`` is
    the collection date that decides which invoice carries it. Adjustments are the charges for
    mid-period quantity changes; for ADVANCE their ``quantity`` is the increase only.
    """

    service_period: Period
    billing_period: BillingPeriod
    quantity: Decimal
    fraction: Fraction
    billed_at: datetime
    is_adjustment: bool


def subscription_charges(
    terms: SubscriptionTerms, changes: Sequence[QuantityChange], window: Period
) -> list[SubscriptionCharge]:
    """The charges of every billing period overlapping ``window``, in billing-period order.

    ADVANCE: the quantity at the period start is collected at the start; each later increase
    above the highest quantity already paid for is an adjustment for the rest of the period,
    billed at the change (BILL_IMMEDIATELY) or at the period end (BILL_ON_NEXT_COLLECTION_DATE);
    decreases are not credited. ARREARS: collected at the period end; prorated, each stretch of
    constant quantity is charged for its share; not prorated, the period is charged in full at
    the highest quantity it held.
    """
    ordered = sorted(changes, key=lambda c: c.starting_at)
    charges: list[SubscriptionCharge] = []
    for billing in billing_periods_overlapping(terms, window):
        if terms.collection_schedule is CollectionSchedule.ADVANCE:
            charges.extend(_advance_charges(terms, billing, ordered))
        else:
            charges.extend(_arrears_charges(terms, billing, ordered))
    return charges


def _changes_within(changes: Sequence[QuantityChange], period: Period) -> list[QuantityChange]:
    return [c for c in changes if period.starting_at < c.starting_at < period.ending_before]


def _rest_fraction(terms: SubscriptionTerms, billing: BillingPeriod, rest: Period) -> Fraction:
    return fraction_of_period(billing.full, rest) if terms.is_prorated else Fraction(1)


def _advance_charges(
    terms: SubscriptionTerms, billing: BillingPeriod, changes: Sequence[QuantityChange]
) -> list[SubscriptionCharge]:
    period = billing.period
    paid = quantity_at(changes, period.starting_at)
    charges = [
        SubscriptionCharge(period, billing, paid, billing.fraction, period.starting_at, False)
    ]
    immediately = terms.resolved_invoice_behavior is InvoiceBehavior.BILL_IMMEDIATELY
    for change in _changes_within(changes, period):
        if change.quantity <= paid:
            # NOTE: a decrease, or a return to a quantity already paid for, is not credited.
            continue
        rest = Period(change.starting_at, period.ending_before)
        billed_at = change.starting_at if immediately else period.ending_before
        fraction = _rest_fraction(terms, billing, rest)
        charges.append(
            SubscriptionCharge(rest, billing, change.quantity - paid, fraction, billed_at, True)
        )
        paid = change.quantity
    return charges


def _arrears_charges(
    terms: SubscriptionTerms, billing: BillingPeriod, changes: Sequence[QuantityChange]
) -> list[SubscriptionCharge]:
    period = billing.period
    inner = sorted({c.starting_at for c in _changes_within(changes, period)})
    cuts = [period.starting_at, *inner, period.ending_before]
    stretches = [Period(a, b) for a, b in pairwise(cuts)]
    end = period.ending_before
    if not terms.is_prorated:
        highest = max(quantity_at(changes, s.starting_at) for s in stretches)
        return [SubscriptionCharge(period, billing, highest, Fraction(1), end, False)]
    return [
        SubscriptionCharge(
            s,
            billing,
            quantity_at(changes, s.starting_at),
            fraction_of_period(billing.full, s),
            end,
            s.starting_at != period.starting_at,
        )
        for s in stretches
    ]


def carrying_usage_statement(
    schedule: UsageStatementSchedule, billed_at: datetime
) -> Period | None:
    """The usage statement carrying an ON_USAGE_INVOICE charge billed at ``billed_at``.

    NOTE: it is the first statement period whose ``ending_before`` is at or after ``billed_at``
    (the first usage invoice issued once the charge is due): an ADVANCE charge collected on a
    statement boundary lands on the statement that ends there, an ARREARS charge too; a charge
    due at the contract start lands on the first statement. None when no statement ends at or
    after ``billed_at`` (the contract has ended before it).
    """
    moment = ensure_utc(billed_at, "billed_at")
    since = max(moment - _TICK, schedule.contract_starting_at)
    return next(
        (p for p in iter_statement_periods(schedule, since) if p.ending_before >= moment), None
    )
