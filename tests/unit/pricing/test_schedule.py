"""The rate in force at a time from a rate card's schedule."""

from __future__ import annotations

from datetime import UTC, datetime

from meterbill.core.pricing import (
    BillingFrequency,
    RateEntry,
    rate_in_force,
    rate_segments,
    rates_in_force,
)

from .builders import FEB, JAN, MAR, MID_FEB, MID_JAN, d, flat


def test_windows_are_half_open() -> None:
    card = (RateEntry("p", JAN, flat(1), ending_before=FEB),)

    assert rate_in_force(card, "p", JAN) is card[0]
    assert rate_in_force(card, "p", FEB) is None
    assert rate_in_force(card, "p", datetime(2024, 12, 31, 23, tzinfo=UTC)) is None


def test_a_staggered_price_change_takes_over_at_its_start() -> None:
    old, new = RateEntry("p", JAN, flat(100)), RateEntry("p", FEB, flat(120))

    assert rate_in_force((old, new), "p", MID_JAN) is old
    assert rate_in_force((old, new), "p", FEB) is new


def test_a_group_specific_rate_beats_a_generic_one() -> None:
    generic = RateEntry("p", FEB, flat(1))
    specific = RateEntry("p", JAN, flat(2), pricing_group_values={"region": "eu"})

    found = rate_in_force(
        (generic, specific), "p", MID_FEB, pricing_group_values={"region": "eu", "tier": "x"}
    )
    assert found is specific
    assert (
        rate_in_force((generic, specific), "p", MID_FEB, pricing_group_values={"region": "us"})
        is generic
    )


def test_a_group_rate_does_not_match_usage_without_that_group() -> None:
    card = (RateEntry("p", JAN, flat(2), pricing_group_values={"region": "eu"}),)

    assert rate_in_force(card, "p", MID_JAN) is None


def test_subscription_rates_are_picked_by_billing_frequency() -> None:
    monthly = RateEntry("seat", JAN, flat(10), billing_frequency=BillingFrequency.MONTHLY)
    annual = RateEntry("seat", JAN, flat(100), billing_frequency=BillingFrequency.ANNUAL)
    card = (monthly, annual)

    assert rate_in_force(card, "seat", MID_JAN, billing_frequency=BillingFrequency.ANNUAL) is annual
    assert rate_in_force(card, "seat", MID_JAN) is None


def test_the_rate_added_last_wins_a_full_tie() -> None:
    first, second = RateEntry("p", JAN, flat(1)), RateEntry("p", JAN, flat(2))

    assert rate_in_force((first, second), "p", MID_JAN) is second


def test_rates_in_force_lists_every_product() -> None:
    card = (
        RateEntry("a", JAN, flat(1)),
        RateEntry("b", FEB, flat(2)),
        RateEntry("c", JAN, flat(3), ending_before=FEB),
    )

    assert [e.product_id for e in rates_in_force(card, MID_FEB)] == ["a", "b"]


def test_rate_segments_split_a_period_where_the_rate_changes() -> None:
    old = RateEntry("p", JAN, flat(1), ending_before=MID_FEB)
    new = RateEntry("p", MID_FEB, flat(2))
    unrelated = RateEntry("q", datetime(2025, 2, 20, tzinfo=UTC), flat(3))

    segments = rate_segments((old, new, unrelated), "p", FEB, MAR)

    assert [(s.starting_at, s.ending_before, s.entry) for s in segments] == [
        (FEB, MID_FEB, old),
        (MID_FEB, MAR, new),
    ]
    assert d(1) == segments[0].entry.rate.price  # type: ignore[union-attr]
