"""recurring_schedule expansion: timestamps from the start, EACH / DIVIDED / DIVIDED_ROUNDED."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Frequency, add_months
from meterbill.core.recurrence import (
    AmountDistribution,
    RecurringSchedule,
    ScheduleItem,
    expand_recurring_schedule,
)

from ._helpers import exact_sum, hours, utc

EACH, DIVIDED, ROUNDED = (
    AmountDistribution.EACH,
    AmountDistribution.DIVIDED,
    AmountDistribution.DIVIDED_ROUNDED,
)


def quarterly_2024(distribution: AmountDistribution, **amounts: Decimal) -> RecurringSchedule:
    return RecurringSchedule(
        utc(2024, 1, 1), utc(2025, 1, 1), Frequency.QUARTERLY, distribution, **amounts
    )


def test_each_bills_the_full_amount_every_period() -> None:
    items = expand_recurring_schedule(quarterly_2024(EACH, amount=Decimal(1000)))
    assert items == [
        ScheduleItem(utc(2024, m, 1), Decimal(1000), Decimal(1), Decimal(1000))
        for m in (1, 4, 7, 10)
    ]


def test_each_with_unit_price_and_quantity_keeps_both() -> None:
    items = expand_recurring_schedule(
        quarterly_2024(EACH, unit_price=Decimal(250), quantity=Decimal(3))
    )
    assert {(i.amount, i.quantity, i.unit_price) for i in items} == {
        (Decimal(750), Decimal(3), Decimal(250))
    }


def test_divided_splits_the_amount_exactly() -> None:
    items = expand_recurring_schedule(quarterly_2024(DIVIDED, amount=Decimal(1000)))
    assert [i.amount for i in items] == [Decimal(250)] * 4


def test_divided_with_a_repeating_share_still_sums_exactly() -> None:
    schedule = RecurringSchedule(
        utc(2024, 1, 1), utc(2024, 4, 1), Frequency.MONTHLY, DIVIDED, amount=Decimal(100)
    )
    items = expand_recurring_schedule(schedule)
    assert len(items) == 3
    assert exact_sum(i.amount for i in items) == Decimal(100)


def test_divided_rounded_puts_whole_units_first_and_the_remainder_last() -> None:
    schedule = RecurringSchedule(
        utc(2024, 1, 1), utc(2024, 4, 1), Frequency.MONTHLY, ROUNDED, amount=Decimal(10000)
    )
    items = expand_recurring_schedule(schedule)
    assert [i.amount for i in items] == [Decimal(3333), Decimal(3333), Decimal(3334)]
    assert all(i.quantity == 1 and i.unit_price == i.amount for i in items)


def test_divided_rounded_of_unit_price_times_quantity() -> None:
    items = expand_recurring_schedule(
        quarterly_2024(ROUNDED, unit_price=Decimal("333.33"), quantity=Decimal(3))
    )
    assert [i.amount for i in items] == [Decimal(249)] * 3 + [Decimal("252.99")]
    assert exact_sum(i.amount for i in items) == Decimal("999.99")


def test_timestamps_are_computed_from_the_start_and_never_drift() -> None:
    schedule = RecurringSchedule(
        utc(2024, 1, 31), utc(2024, 6, 1), Frequency.MONTHLY, EACH, amount=Decimal(1)
    )
    assert [i.timestamp for i in expand_recurring_schedule(schedule)] == [
        utc(2024, 1, 31),
        utc(2024, 2, 29),
        utc(2024, 3, 31),
        utc(2024, 4, 30),
        utc(2024, 5, 31),
    ]


def test_semi_annual_and_a_partial_last_period() -> None:
    schedule = RecurringSchedule(
        utc(2024, 1, 1), utc(2025, 2, 1), Frequency.SEMI_ANNUAL, EACH, amount=Decimal(5)
    )
    assert [i.timestamp for i in expand_recurring_schedule(schedule)] == [
        utc(2024, 1, 1),
        utc(2024, 7, 1),
        utc(2025, 1, 1),
    ]


def test_a_window_shorter_than_one_period_has_one_item() -> None:
    schedule = RecurringSchedule(
        utc(2024, 1, 1), utc(2024, 1, 2), Frequency.ANNUAL, DIVIDED, amount=Decimal(7)
    )
    assert [i.amount for i in expand_recurring_schedule(schedule)] == [Decimal(7)]


@pytest.mark.parametrize(
    "amounts",
    [
        {},
        {"unit_price": Decimal(1)},
        {"quantity": Decimal(1)},
        {"amount": Decimal(1), "quantity": Decimal(1)},
    ],
)
def test_amount_or_unit_price_and_quantity_are_required_exclusively(
    amounts: dict[str, Decimal],
) -> None:
    with pytest.raises(DomainValidationError):
        quarterly_2024(EACH, **amounts)


def test_weekly_is_not_a_recurring_schedule_frequency() -> None:
    with pytest.raises(DomainValidationError):
        RecurringSchedule(
            utc(2024, 1, 1), utc(2024, 2, 1), Frequency.WEEKLY, EACH, amount=Decimal(1)
        )


def test_the_window_must_not_be_empty() -> None:
    with pytest.raises(DomainValidationError):
        RecurringSchedule(
            utc(2024, 1, 1), utc(2024, 1, 1), Frequency.MONTHLY, EACH, amount=Decimal(1)
        )


schedule_frequencies = st.sampled_from(
    [Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.SEMI_ANNUAL, Frequency.ANNUAL]
)
amounts = st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False)


@given(
    hours, st.integers(1, 120), schedule_frequencies, amounts, st.sampled_from([DIVIDED, ROUNDED])
)
def test_pieces_of_a_distribution_always_sum_exactly_to_the_amount(
    start: datetime,
    months: int,
    frequency: Frequency,
    amount: Decimal,
    distribution: AmountDistribution,
) -> None:
    end = add_months(start, months)
    schedule = RecurringSchedule(start, end, frequency, distribution, amount=amount)
    items = expand_recurring_schedule(schedule)
    assert exact_sum(i.amount for i in items) == amount
    assert all(i.amount == i.unit_price * i.quantity for i in items)
    if distribution is ROUNDED:
        assert all(i.amount == i.amount.to_integral_value() for i in items[:-1])


@given(
    hours,
    st.integers(1, 60),
    amounts,
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False),
)
def test_each_items_all_carry_unit_price_times_quantity(
    start: datetime, months: int, unit_price: Decimal, quantity: Decimal
) -> None:
    schedule = RecurringSchedule(
        start,
        add_months(start, months),
        Frequency.MONTHLY,
        EACH,
        unit_price=unit_price,
        quantity=quantity,
    )
    items = expand_recurring_schedule(schedule)
    assert len(items) == months
    assert all(i.amount == unit_price * quantity for i in items)
