"""Proration: exact fractions of a period, exact amounts, rounding only when configured."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Period
from meterbill.core.proration import (
    ProrationRounding,
    apply_fraction,
    fraction_of_period,
    prorate,
    prorated_amount,
)
from meterbill.core.rounding import RoundingMethod

from ._helpers import hours, utc

APRIL = Period(utc(2024, 4, 1), utc(2024, 5, 1))  # 30 days


def test_fifteen_of_thirty_days_is_one_half() -> None:
    assert fraction_of_period(APRIL, Period(utc(2024, 4, 16), utc(2024, 5, 1))) == Fraction(1, 2)


def test_one_day_of_a_leap_february_is_one_twenty_ninth() -> None:
    february = Period(utc(2024, 2, 1), utc(2024, 3, 1))
    assert fraction_of_period(february, Period(utc(2024, 2, 29), utc(2024, 3, 1))) == Fraction(
        1, 29
    )


def test_only_the_part_of_the_window_inside_the_period_counts() -> None:
    window = Period(utc(2024, 3, 20), utc(2024, 4, 4))
    assert fraction_of_period(APRIL, window) == Fraction(1, 10)
    assert fraction_of_period(APRIL, Period(utc(2024, 5, 1), utc(2024, 6, 1))) == 0
    assert fraction_of_period(APRIL, Period(utc(2024, 1, 1), utc(2025, 1, 1))) == 1


def test_the_prorated_amount_is_exact() -> None:
    window = Period(utc(2024, 4, 16), utc(2024, 5, 1))
    assert prorated_amount(Decimal("1000"), APRIL, window) == Decimal("500")
    assert prorated_amount(Decimal("999"), APRIL, window) == Decimal("499.5")


def test_a_repeating_fraction_is_carried_to_twenty_places_without_a_rounding_config() -> None:
    # NOTE: the one implicit precision limit (meterbill.core.rounding.QUOTIENT_EXPONENT).
    third = prorate(Decimal(100), Fraction(1, 3))
    assert third == Decimal("33." + "3" * 20)


def test_rounding_applies_only_when_configured() -> None:
    half_up = ProrationRounding(0, RoundingMethod.HALF_UP)
    assert prorate(Decimal(999), Fraction(1, 2), half_up) == Decimal(500)
    assert prorate(Decimal(999), Fraction(1, 2), ProrationRounding(0, RoundingMethod.FLOOR)) == 499
    # NOTE: negative places round to powers of ten: -2 on cents is the nearest dollar.
    nearest_dollar = ProrationRounding(-2, RoundingMethod.HALF_UP)
    assert prorate(Decimal(1000), Fraction(1, 3), nearest_dollar) == Decimal(300)


def test_a_full_period_is_never_rounded() -> None:
    assert prorate(
        Decimal("10.555"), Fraction(1), ProrationRounding(0, RoundingMethod.CEILING)
    ) == (Decimal("10.555"))


def test_a_fraction_outside_zero_one_is_refused() -> None:
    with pytest.raises(DomainValidationError):
        prorate(Decimal(1), Fraction(3, 2))


def test_apply_fraction_with_a_whole_fraction() -> None:
    assert apply_fraction(Decimal("2.5"), Fraction(0)) == 0


@given(hours, st.lists(st.integers(1, 10_000), min_size=1, max_size=20))
def test_fractions_of_a_partition_sum_to_one(start: datetime, minutes: list[int]) -> None:
    cuts = [start]
    for m in minutes:
        cuts.append(cuts[-1] + timedelta(minutes=m))
    whole = Period(cuts[0], cuts[-1])
    pieces = [Period(a, b) for a, b in pairwise(cuts)]
    assert sum(fraction_of_period(whole, p) for p in pieces) == 1


@given(
    st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False),
    st.fractions(min_value=0, max_value=1, max_denominator=10_000),
)
def test_the_prorated_amount_lies_between_zero_and_the_amount(
    amount: Decimal, fraction: Fraction
) -> None:
    result = prorate(amount, fraction)
    assert 0 <= result <= amount
