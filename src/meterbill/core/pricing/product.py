"""What pricing needs to know about a product: quantity conversion and rounding, tags, composites.

The order is Metronome's (convert, then round) and applies to the aggregated quantity of one
line item, never to single events (see docs/decisions/pricing-quantity-conversion.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from meterbill.core.pricing._exact import div, mul
from meterbill.core.rounding import RoundingMethod, round_to_places


class ConversionOperation(Enum):
    """``quantity_conversion.operation``."""

    MULTIPLY = "MULTIPLY"
    DIVIDE = "DIVIDE"


@dataclass(frozen=True, slots=True)
class QuantityConversion:
    """Multiply or divide the metered quantity by ``conversion_factor`` (MB -> GB: 1024, DIVIDE)."""

    conversion_factor: Decimal
    operation: ConversionOperation
    name: str | None = None


@dataclass(frozen=True, slots=True)
class QuantityRounding:
    """Round the converted quantity to ``decimal_places`` with ``rounding_method``."""

    decimal_places: int
    rounding_method: RoundingMethod


@dataclass(frozen=True, slots=True)
class ProductPricing:
    """The pricing-relevant part of a product as of one time.

    ``composite_product_ids`` / ``composite_tags`` are set for COMPOSITE products only: the
    products whose spend a PERCENTAGE rate takes a fraction of.
    """

    product_id: str
    tags: frozenset[str] = frozenset()
    quantity_conversion: QuantityConversion | None = None
    quantity_rounding: QuantityRounding | None = None
    composite_product_ids: frozenset[str] = frozenset()
    composite_tags: frozenset[str] = frozenset()
    include_composite_spend: bool = False
    exclude_free_usage: bool = False


def convert_quantity(quantity: Decimal, conversion: QuantityConversion | None) -> Decimal:
    """``quantity`` converted by ``conversion`` (unchanged when ``None``); exact to 60 digits."""
    if conversion is None:
        return quantity
    if conversion.operation is ConversionOperation.MULTIPLY:
        return mul(quantity, conversion.conversion_factor)
    return div(quantity, conversion.conversion_factor)


def billable_quantity(product: ProductPricing, metered: Decimal) -> Decimal:
    """The quantity to price for ``metered`` units of ``product``: convert, then round.

    Rounding happens only when the product names a ``quantity_rounding``; it goes through
    ``meterbill.core.rounding`` like every rounding in meterbill.
    """
    converted = convert_quantity(metered, product.quantity_conversion)
    rounding = product.quantity_rounding
    if rounding is None:
        return converted
    return round_to_places(converted, rounding.decimal_places, rounding.rounding_method)
