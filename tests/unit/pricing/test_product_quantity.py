"""Quantity conversion, then rounding; composite spend."""

from __future__ import annotations

from meterbill.core.pricing import (
    ConversionOperation,
    ProductPricing,
    ProductSpend,
    QuantityConversion,
    QuantityRounding,
    billable_quantity,
    composite_spend,
)
from meterbill.core.rounding import RoundingMethod

from .builders import d

MB_TO_GB = QuantityConversion(d(1024), ConversionOperation.DIVIDE)


def test_megabytes_are_converted_to_gigabytes() -> None:
    assert billable_quantity(ProductPricing("p", quantity_conversion=MB_TO_GB), d(1536)) == d("1.5")


def test_conversion_happens_before_rounding() -> None:
    product = ProductPricing(
        "p",
        quantity_conversion=MB_TO_GB,
        quantity_rounding=QuantityRounding(0, RoundingMethod.ROUND_UP),
    )
    # 1025 MB is just over 1 GB: converting first then rounding up bills 2 GB.
    assert billable_quantity(product, d(1025)) == d(2)


def test_multiply_conversion() -> None:
    product = ProductPricing(
        "p", quantity_conversion=QuantityConversion(d(100), ConversionOperation.MULTIPLY)
    )
    assert billable_quantity(product, d("0.37")) == d(37)


def test_rounding_without_conversion() -> None:
    product = ProductPricing(
        "p", quantity_rounding=QuantityRounding(2, RoundingMethod.ROUND_HALF_UP)
    )
    assert billable_quantity(product, d("1.005")) == d("1.01")


def test_quantity_is_unchanged_without_conversion_or_rounding() -> None:
    assert billable_quantity(ProductPricing("p"), d("3.14159")) == d("3.14159")


def test_composite_spend_sums_products_named_by_id_or_by_any_tag() -> None:
    composite = ProductPricing(
        "support", composite_product_ids=frozenset({"compute"}), composite_tags=frozenset({"ai"})
    )
    spends = (
        ProductSpend("compute", d(1000)),
        ProductSpend("tokens", d(500), tags=frozenset({"ai", "llm"})),
        ProductSpend("storage", d(300)),
        ProductSpend("support", d(99), tags=frozenset({"ai"})),
        ProductSpend("other-composite", d(7), tags=frozenset({"ai"}), is_composite=True),
    )

    assert composite_spend(composite, spends) == d(1500)


def test_composite_spend_includes_other_composites_only_when_asked() -> None:
    composite = ProductPricing(
        "support", composite_tags=frozenset({"ai"}), include_composite_spend=True
    )
    spends = (ProductSpend("other-composite", d(7), tags=frozenset({"ai"}), is_composite=True),)

    assert composite_spend(composite, spends) == d(7)
