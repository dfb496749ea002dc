"""Each rate type's module, through the table and ``price_rate``."""

from __future__ import annotations

import pytest

from meterbill.core.pricing import PRICERS, PricingValidationError, Rate, RateType, Tier, price_rate

from .builders import d, flat, tiered


def test_every_rate_type_but_custom_has_a_pricer() -> None:
    assert set(PRICERS) == set(RateType) - {RateType.CUSTOM}


def test_custom_rates_cannot_be_priced() -> None:
    with pytest.raises(PricingValidationError):
        price_rate(Rate(RateType.CUSTOM), d(1))


def test_flat_rate_charges_quantity_times_price_in_one_open_band() -> None:
    charge = price_rate(flat("0.25"), d(7))

    assert charge.amount == d("1.75")
    assert [(b.level, b.size, b.quantity, b.price) for b in charge.bands] == [
        (1, None, d(7), d("0.25"))
    ]


def test_zero_quantity_has_no_bands_and_costs_nothing() -> None:
    charge = price_rate(tiered((1, 10), (2, None)), d(0))

    assert (charge.amount, charge.bands) == (d(0), ())


def test_graduated_tiers_continue_from_the_quantity_already_billed_in_the_period() -> None:
    charge = price_rate(tiered((1, 10000), ("0.5", None)), d(5000), already=d(8000))

    assert [(b.level, b.quantity) for b in charge.bands] == [(1, d(2000)), (2, d(3000))]
    assert charge.amount == d(2000) + d(1500)


def test_percentage_rate_takes_a_fraction_of_spend() -> None:
    charge = price_rate(Rate(RateType.PERCENTAGE, price=d("0.15")), d(20000))

    assert charge.amount == d(3000)


def test_subscription_rate_charges_price_per_seat_for_a_full_period() -> None:
    rate = Rate(RateType.SUBSCRIPTION, price=d(4900), quantity=d(1), is_prorated=True)

    assert price_rate(rate, d(3)).amount == d(14700)


def test_tiered_percentage_graduates_over_spend() -> None:
    rate = Rate(RateType.TIERED_PERCENTAGE, tiers=(Tier(d("0.1"), d(10000)), Tier(d("0.05"))))

    charge = price_rate(rate, d(30000))

    assert charge.amount == d(1000) + d(1000)
    assert [b.price for b in charge.bands] == [d("0.1"), d("0.05")]


def test_amounts_are_exact_beyond_28_digits() -> None:
    quantity = d("12345678901234567.123456789012")

    # The default 28-digit context would round both of these.
    assert str(price_rate(flat("1E-12"), quantity).amount) == "12345.678901234567123456789012"
    assert str(price_rate(flat("3"), quantity).amount) == "37037036703703701.370370367036"
