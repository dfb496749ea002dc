"""Invalid rates and tiers are refused with an error naming the field."""

from __future__ import annotations

import pytest

from meterbill.core.errors import DomainValidationError
from meterbill.core.pricing import (
    CommitRate,
    ConversionOperation,
    PricingValidationError,
    ProductPricing,
    QuantityConversion,
    Rate,
    RateEntry,
    RateType,
    Tier,
    price_rate,
    validate_commit_rate,
    validate_product_pricing,
    validate_rate,
    validate_rate_entry,
)

from .builders import FEB, JAN, d, flat, tiered


def _field_of(rate: Rate) -> str:
    with pytest.raises(PricingValidationError) as caught:
        validate_rate(rate)
    return caught.value.field


def test_pricing_errors_are_domain_validation_errors_that_name_the_field() -> None:
    with pytest.raises(DomainValidationError) as caught:
        validate_rate(Rate(RateType.PERCENTAGE, price=d("1.5")))
    assert "price" in caught.value.message


def test_custom_rates_are_refused() -> None:
    assert _field_of(Rate(RateType.CUSTOM)) == "rate_type"


def test_custom_commit_rates_are_refused() -> None:
    with pytest.raises(PricingValidationError) as caught:
        validate_commit_rate(CommitRate(RateType.CUSTOM))
    assert caught.value.field == "commit_rate.rate_type"


def test_tiers_need_a_final_open_band() -> None:
    assert _field_of(tiered((1, 10), (2, 10))) == "tiers[1].size"


def test_only_the_last_tier_may_be_open() -> None:
    assert _field_of(tiered((1, None), (2, None))) == "tiers[0].size"


@pytest.mark.parametrize("size", ["0", "-5"])
def test_tier_sizes_must_be_positive(size: str) -> None:
    assert _field_of(tiered((1, 10), (1, size), (2, None))) == "tiers[1].size"


def test_tiered_rates_need_tiers() -> None:
    assert _field_of(Rate(RateType.TIERED)) == "tiers"


def test_tier_prices_must_not_be_negative() -> None:
    assert _field_of(tiered((1, 10), ("-1", None))) == "tiers[1].price"


@pytest.mark.parametrize("price", ["-0.01", "1.01"])
def test_percentage_must_be_between_zero_and_one(price: str) -> None:
    assert _field_of(Rate(RateType.PERCENTAGE, price=d(price))) == "price"


def test_tiered_percentages_must_be_fractions() -> None:
    rate = Rate(RateType.TIERED_PERCENTAGE, tiers=(Tier(d("0.1"), d(100)), Tier(d(2))))
    assert _field_of(rate) == "tiers[1].price"


@pytest.mark.parametrize("rate_type", [RateType.FLAT, RateType.SUBSCRIPTION])
def test_flat_and_subscription_prices_are_required_and_not_negative(rate_type: RateType) -> None:
    assert _field_of(Rate(rate_type)) == "price"
    assert _field_of(Rate(rate_type, price=d(-1))) == "price"


def test_is_prorated_is_only_for_subscriptions_and_must_be_true() -> None:
    assert _field_of(Rate(RateType.FLAT, price=d(1), is_prorated=True)) == "is_prorated"
    assert _field_of(Rate(RateType.SUBSCRIPTION, price=d(1), is_prorated=False)) == "is_prorated"


def test_subscription_quantity_must_not_be_negative() -> None:
    assert _field_of(Rate(RateType.SUBSCRIPTION, price=d(1), quantity=d(-1))) == "quantity"


def test_a_price_on_a_tiered_rate_is_refused() -> None:
    assert _field_of(Rate(RateType.TIERED, price=d(1), tiers=(Tier(d(1)),))) == "price"


def test_nested_fields_carry_their_prefix() -> None:
    with pytest.raises(PricingValidationError) as caught:
        validate_rate(tiered((1, 10)), "overwrite_rate")
    assert caught.value.field == "overwrite_rate.tiers[0].size"


def test_rate_entries_need_a_non_empty_aware_window() -> None:
    with pytest.raises(PricingValidationError) as caught:
        validate_rate_entry(RateEntry("p", FEB, flat(1), ending_before=JAN))
    assert caught.value.field == "ending_before"
    with pytest.raises(PricingValidationError) as caught:
        validate_rate_entry(RateEntry("p", JAN.replace(tzinfo=None), flat(1)))
    assert caught.value.field == "starting_at"


def test_pricing_refuses_a_negative_quantity() -> None:
    with pytest.raises(PricingValidationError) as caught:
        price_rate(flat(1), d(-1))
    assert caught.value.field == "quantity"


def test_conversion_factor_must_be_positive() -> None:
    product = ProductPricing(
        "p", quantity_conversion=QuantityConversion(d(0), ConversionOperation.DIVIDE)
    )
    with pytest.raises(PricingValidationError) as caught:
        validate_product_pricing(product)
    assert caught.value.field == "quantity_conversion.conversion_factor"


def test_valid_rates_pass() -> None:
    validate_rate(tiered((1, 10000), ("0.5", None)))
    validate_rate(Rate(RateType.PERCENTAGE, price=d(1)))
    validate_rate(Rate(RateType.SUBSCRIPTION, price=d(0), quantity=d(3), is_prorated=True))
