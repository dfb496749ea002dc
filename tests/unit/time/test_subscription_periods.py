"""Subscription billing periods, partial-period proration and quantity changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import islice, pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Frequency, Period
from meterbill.core.statement_schedule import UsageStatementSchedule
from meterbill.core.subscription_periods import (
    BillingPeriods,
    CollectionSchedule,
    InvoiceBehavior,
    QuantityChange,
    SubscriptionCharge,
    SubscriptionTerms,
    billing_period_containing,
    billing_periods_around,
    billing_periods_overlapping,
    carrying_usage_statement,
    iter_billing_periods,
    quantity_at,
    subscription_charges,
)

from ._helpers import hours, utc

ADVANCE, ARREARS = CollectionSchedule.ADVANCE, CollectionSchedule.ARREARS
APRIL = Period(utc(2024, 4, 1), utc(2024, 5, 1))


def monthly(collection: CollectionSchedule = ADVANCE, **extra: object) -> SubscriptionTerms:
    fields: dict[str, object] = {"starting_at": utc(2024, 1, 16), "anchor_date": utc(2024, 1, 1)}
    fields.update(extra)
    return SubscriptionTerms(
        billing_frequency=Frequency.MONTHLY,
        collection_schedule=collection,
        **fields,  # type: ignore[arg-type]
    )


def q(*pairs: tuple[datetime, int]) -> list[QuantityChange]:
    return [QuantityChange(at, Decimal(n)) for at, n in pairs]


def test_a_mid_cycle_start_gives_a_prorated_first_period_collected_at_its_start() -> None:
    first, second = billing_periods_overlapping(monthly(), Period(utc(2024, 1, 1), utc(2024, 3, 1)))
    assert first.period == Period(utc(2024, 1, 16), utc(2024, 2, 1))
    assert first.full == Period(utc(2024, 1, 1), utc(2024, 2, 1))
    assert first.fraction == Fraction(16, 31)
    assert first.collection_date == utc(2024, 1, 16)
    assert first.is_partial
    assert (second.fraction, second.collection_date) == (Fraction(1), utc(2024, 2, 1))


def test_without_proration_a_partial_period_is_charged_in_full() -> None:
    first = next(iter_billing_periods(monthly(is_prorated=False)))
    assert first.is_partial and first.fraction == 1


def test_arrears_collects_at_the_period_end_and_the_last_period_is_truncated() -> None:
    terms = monthly(ARREARS, ending_before=utc(2024, 3, 11))
    periods = list(iter_billing_periods(terms))
    assert [b.collection_date for b in periods] == [
        utc(2024, 2, 1),
        utc(2024, 3, 1),
        utc(2024, 3, 11),
    ]
    assert periods[-1].fraction == Fraction(10, 31)


def test_a_quarterly_subscription_on_its_own_anchor() -> None:
    terms = SubscriptionTerms(
        utc(2024, 2, 15), Frequency.QUARTERLY, ADVANCE, anchor_date=utc(2023, 11, 30)
    )
    first, second = islice(iter_billing_periods(terms), 2)
    assert first.period == Period(utc(2024, 2, 15), utc(2024, 2, 29))
    assert first.full == Period(utc(2023, 11, 30), utc(2024, 2, 29))
    assert second.period == Period(utc(2024, 2, 29), utc(2024, 5, 30))


def test_advance_increase_billed_immediately_for_the_rest_of_the_period() -> None:
    charges = subscription_charges(
        monthly(), q((utc(2024, 1, 16), 10), (utc(2024, 4, 16), 15)), APRIL
    )
    assert charges == [
        SubscriptionCharge(
            APRIL, charges[0].billing_period, Decimal(10), Fraction(1), utc(2024, 4, 1), False
        ),
        SubscriptionCharge(
            Period(utc(2024, 4, 16), utc(2024, 5, 1)),
            charges[0].billing_period,
            Decimal(5),
            Fraction(1, 2),  # 15 of 30 days
            utc(2024, 4, 16),
            True,
        ),
    ]


def test_advance_increase_billed_on_the_next_collection_date() -> None:
    terms = monthly(invoice_behavior=InvoiceBehavior.BILL_ON_NEXT_COLLECTION_DATE)
    charges = subscription_charges(terms, q((utc(2024, 1, 1), 10), (utc(2024, 4, 16), 15)), APRIL)
    assert [c.billed_at for c in charges] == [utc(2024, 4, 1), utc(2024, 5, 1)]


def test_advance_decreases_are_not_credited_and_increases_count_from_the_highest_paid() -> None:
    changes = q((utc(2024, 1, 1), 10), (utc(2024, 4, 6), 8), (utc(2024, 4, 16), 12))
    charges = subscription_charges(monthly(), changes, APRIL)
    assert [(c.quantity, c.fraction) for c in charges] == [
        (Decimal(10), Fraction(1)),
        (Decimal(2), Fraction(1, 2)),
    ]
    # The next period is collected at the quantity then in force.
    may = subscription_charges(monthly(), changes, Period(utc(2024, 5, 1), utc(2024, 6, 1)))
    assert [c.quantity for c in may] == [Decimal(12)]


def test_advance_without_proration_charges_an_increase_in_full() -> None:
    changes = q((utc(2024, 1, 1), 1), (utc(2024, 4, 16), 3))
    charges = subscription_charges(monthly(is_prorated=False), changes, APRIL)
    assert [(c.quantity, c.fraction) for c in charges] == [
        (Decimal(1), Fraction(1)),
        (Decimal(2), Fraction(1)),
    ]


def test_arrears_charges_each_stretch_of_constant_quantity_for_its_share() -> None:
    changes = q((utc(2024, 1, 1), 10), (utc(2024, 4, 16), 4))
    charges = subscription_charges(monthly(ARREARS), changes, APRIL)
    assert [
        (c.service_period, c.quantity, c.fraction, c.billed_at, c.is_adjustment) for c in charges
    ] == [
        (
            Period(utc(2024, 4, 1), utc(2024, 4, 16)),
            Decimal(10),
            Fraction(1, 2),
            utc(2024, 5, 1),
            False,
        ),
        (
            Period(utc(2024, 4, 16), utc(2024, 5, 1)),
            Decimal(4),
            Fraction(1, 2),
            utc(2024, 5, 1),
            True,
        ),
    ]


def test_arrears_without_proration_charges_the_highest_quantity_in_full() -> None:
    changes = q((utc(2024, 1, 1), 10), (utc(2024, 4, 10), 14), (utc(2024, 4, 20), 4))
    (charge,) = subscription_charges(monthly(ARREARS, is_prorated=False), changes, APRIL)
    assert (charge.quantity, charge.fraction, charge.billed_at) == (
        Decimal(14),
        Fraction(1),
        utc(2024, 5, 1),
    )


def test_bill_immediately_needs_advance() -> None:
    with pytest.raises(DomainValidationError, match="ADVANCE"):
        monthly(ARREARS, invoice_behavior=InvoiceBehavior.BILL_IMMEDIATELY)


def test_invoice_behavior_defaults_follow_the_collection_schedule() -> None:
    assert monthly().resolved_invoice_behavior is InvoiceBehavior.BILL_IMMEDIATELY
    assert (
        monthly(ARREARS).resolved_invoice_behavior is InvoiceBehavior.BILL_ON_NEXT_COLLECTION_DATE
    )


def test_semi_annual_is_not_a_billing_frequency() -> None:
    with pytest.raises(DomainValidationError):
        SubscriptionTerms(utc(2024, 1, 1), Frequency.SEMI_ANNUAL, ADVANCE, utc(2024, 1, 1))


def test_quantities_are_a_step_function() -> None:
    changes = q((utc(2024, 1, 1), 1), (utc(2024, 2, 1), 2), (utc(2024, 2, 1), 3))
    assert quantity_at(changes, utc(2023, 12, 31)) == 0
    assert quantity_at(changes, utc(2024, 1, 31)) == 1
    assert quantity_at(changes, utc(2024, 2, 1)) == 3  # NOTE: the later of two equal instants wins
    with pytest.raises(DomainValidationError):
        QuantityChange(utc(2024, 1, 1), Decimal(-1))


def test_billing_periods_around_an_instant() -> None:
    terms = monthly(ending_before=utc(2024, 4, 1))
    assert billing_periods_around(terms, utc(2024, 1, 1)) == BillingPeriods(
        None, None, Period(utc(2024, 1, 16), utc(2024, 2, 1))
    )
    assert billing_periods_around(terms, utc(2024, 1, 20)) == BillingPeriods(
        None, Period(utc(2024, 1, 16), utc(2024, 2, 1)), Period(utc(2024, 2, 1), utc(2024, 3, 1))
    )
    assert billing_periods_around(terms, utc(2024, 3, 1)) == BillingPeriods(
        Period(utc(2024, 2, 1), utc(2024, 3, 1)), Period(utc(2024, 3, 1), utc(2024, 4, 1)), None
    )
    assert billing_periods_around(terms, utc(2024, 4, 1)) == BillingPeriods(
        Period(utc(2024, 3, 1), utc(2024, 4, 1)), None, None
    )


def test_billing_period_containing_outside_the_subscription_is_none() -> None:
    assert billing_period_containing(monthly(), utc(2024, 1, 15)) is None


def test_the_usage_statement_that_carries_a_charge() -> None:
    schedule = UsageStatementSchedule(Frequency.MONTHLY, utc(2024, 1, 16))
    # Due at the contract start: the first statement.
    assert carrying_usage_statement(schedule, utc(2024, 1, 16)) == Period(
        utc(2024, 1, 16), utc(2024, 2, 1)
    )
    # Due on a boundary: the statement ending there.
    assert carrying_usage_statement(schedule, utc(2024, 3, 1)) == Period(
        utc(2024, 2, 1), utc(2024, 3, 1)
    )
    # Due mid-period: the open statement.
    assert carrying_usage_statement(schedule, utc(2024, 3, 5)) == Period(
        utc(2024, 3, 1), utc(2024, 4, 1)
    )
    ended = UsageStatementSchedule(Frequency.MONTHLY, utc(2024, 1, 16), utc(2024, 3, 1))
    assert carrying_usage_statement(ended, utc(2024, 3, 2)) is None


@given(
    hours,
    hours,
    st.integers(1, 900),
    st.sampled_from([Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL, Frequency.WEEKLY]),
)
def test_billing_periods_tile_the_subscription(
    anchor: datetime, start: datetime, days: int, frequency: Frequency
) -> None:
    end = start + timedelta(days=days)
    terms = SubscriptionTerms(start, frequency, ADVANCE, anchor, ending_before=end)
    periods = list(iter_billing_periods(terms))
    assert periods[0].period.starting_at == start and periods[-1].period.ending_before == end
    for before, after in pairwise(periods):
        assert before.period.ending_before == after.period.starting_at
    assert all(b.fraction == 1 for b in periods[1:-1])


@given(st.lists(st.tuples(st.integers(0, 30 * 24 - 1), st.integers(0, 50)), max_size=6))
def test_prorated_arrears_charges_the_time_weighted_quantity(steps: list[tuple[int, int]]) -> None:
    changes = [QuantityChange(utc(2024, 1, 1), Decimal(7))] + [
        QuantityChange(APRIL.starting_at + timedelta(hours=h), Decimal(n)) for h, n in steps
    ]
    charges = subscription_charges(monthly(ARREARS), changes, APRIL)
    charged = sum(Fraction(c.quantity) * c.fraction for c in charges)
    hourly = sum(
        Fraction(quantity_at(changes, APRIL.starting_at + timedelta(hours=h))) for h in range(720)
    )
    assert charged == hourly / 720
    assert sum(c.fraction for c in charges) == 1
