"""Properties of pricing that hold for every rate, quantity and override."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.pricing import (
    Override,
    OverrideTier,
    OverrideType,
    Prioritization,
    Rate,
    RateEntry,
    RateType,
    Tier,
    Usage,
    price_rate,
    price_usage,
    specifiers_for,
)

from .builders import JAN, MID_JAN

quantities = st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False)
prices = st.decimals(min_value=0, max_value=10**4, places=4, allow_nan=False)
multipliers = st.decimals(min_value=0, max_value=3, places=3, allow_nan=False)
sizes = st.decimals(min_value=Decimal("0.001"), max_value=10**6, places=3, allow_nan=False)


@st.composite
def tiered_rates(draw: st.DrawFn) -> Rate:
    sized = draw(st.lists(st.tuples(prices, sizes), max_size=5))
    tiers = (*(Tier(price, size) for price, size in sized), Tier(draw(prices)))
    return Rate(RateType.TIERED, tiers=tiers)


flat_rates = prices.map(lambda price: Rate(RateType.FLAT, price=price))
rates = st.one_of(flat_rates, tiered_rates())
USAGE = Usage("api", MID_JAN)


def _entry(rate: Rate) -> RateEntry:
    return RateEntry("api", JAN, rate)


@given(rates, quantities, quantities)
def test_price_never_decreases_with_quantity(rate: Rate, q: Decimal, more: Decimal) -> None:
    assert price_rate(rate, q + more).amount >= price_rate(rate, q).amount


@given(tiered_rates(), quantities, quantities)
def test_tier_band_quantities_sum_to_the_quantity(rate: Rate, q: Decimal, already: Decimal) -> None:
    charge = price_rate(rate, q, already=already)

    assert sum((band.quantity for band in charge.bands), Decimal(0)) == q
    assert sum((band.amount for band in charge.bands), Decimal(0)) == charge.amount


@given(tiered_rates(), quantities, quantities, quantities)
def test_pricing_in_pieces_equals_pricing_at_once(
    rate: Rate, already: Decimal, q1: Decimal, q2: Decimal
) -> None:
    first = price_rate(rate, q1, already=already)
    second = price_rate(rate, q2, already=already + q1)

    assert first.amount + second.amount == price_rate(rate, q1 + q2, already=already).amount


@given(rates, quantities, quantities)
def test_a_multiplier_of_one_changes_nothing(rate: Rate, q: Decimal, already: Decimal) -> None:
    one = Override(
        "one", JAN, specifiers_for("api"), OverrideType.MULTIPLIER, multiplier=Decimal(1)
    )

    priced = price_usage(_entry(rate), (one,), USAGE, q, already=already)

    assert priced.amount == price_rate(rate, q, already=already).amount


@given(rates, rates, prices, quantities)
def test_an_overwrite_ignores_list_rate_changes(
    before: Rate, after: Rate, overwrite_price: Decimal, q: Decimal
) -> None:
    overwrite = Override(
        "o",
        JAN,
        specifiers_for("api"),
        OverrideType.OVERWRITE,
        overwrite_rate=Rate(RateType.FLAT, price=overwrite_price),
    )

    old = price_usage(_entry(before), (overwrite,), USAGE, q)
    new = price_usage(_entry(after), (overwrite,), USAGE, q)

    assert old == new
    assert old.amount == q * overwrite_price


@given(rates, st.lists(multipliers, min_size=1, max_size=6), quantities)
def test_lowest_multiplier_picks_the_lowest(rate: Rate, values: list[Decimal], q: Decimal) -> None:
    overrides = tuple(
        Override(f"m{i}", JAN, specifiers_for("api"), OverrideType.MULTIPLIER, multiplier=value)
        for i, value in enumerate(values)
    )

    priced = price_usage(_entry(rate), overrides, USAGE, q)

    assert priced.amount == price_rate(rate, q).amount * min(values)
    assert all(piece.multiplier == min(values) for piece in priced.pieces)


@given(
    rates,
    st.lists(st.tuples(multipliers, sizes), min_size=1, max_size=4),
    multipliers,
    quantities,
    quantities,
)
def test_explicit_layers_price_every_unit_once(
    rate: Rate,
    bands: list[tuple[Decimal, Decimal]],
    fallback: Decimal,
    q: Decimal,
    already: Decimal,
) -> None:
    tiered = Override(
        "t",
        JAN,
        specifiers_for("api"),
        OverrideType.TIERED,
        priority=Decimal(1),
        tiers=tuple(OverrideTier(m, size) for m, size in bands),
    )
    plain = Override(
        "m",
        JAN,
        specifiers_for("api"),
        OverrideType.MULTIPLIER,
        multiplier=fallback,
        priority=Decimal(2),
    )

    priced = price_usage(
        _entry(rate),
        (plain, tiered),
        USAGE,
        q,
        already=already,
        prioritization=Prioritization.EXPLICIT,
    )

    assert sum((piece.quantity for piece in priced.pieces), Decimal(0)) == q
    assert sum((piece.amount for piece in priced.pieces), Decimal(0)) == priced.amount
    assert priced.amount <= price_rate(rate, q, already=already).amount * max(
        [fallback, *(m for m, _ in bands)]
    )
