"""Price a quantity with one rate: validate, then dispatch to the rate type's module."""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.pricing._exact import ZERO
from meterbill.core.pricing.charge import Charge
from meterbill.core.pricing.rate_types import PRICERS
from meterbill.core.pricing.validation import validate_quantity, validate_rate
from meterbill.core.pricing.values import Rate


def price_rate(rate: Rate, quantity: Decimal, *, already: Decimal = ZERO) -> Charge:
    """Price ``quantity`` with ``rate``, exactly, with its tier breakdown.

    ``already`` is the quantity of the same billing period priced before (graduated tiers
    continue from it; other types ignore it). For PERCENTAGE and TIERED_PERCENTAGE the quantity
    is the referenced spend. Raises ``PricingValidationError`` for an invalid rate (CUSTOM
    included) or a negative quantity. Nothing is rounded.
    """
    validate_rate(rate)
    validate_quantity(quantity)
    validate_quantity(already, "already")
    return PRICERS[rate.rate_type](rate, quantity, already)
