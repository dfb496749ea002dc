"""TIERED_PERCENTAGE: graduated percentages of spend (docs/decisions/pricing-tiered-percentage.md).

Like TIERED, but the quantity is the referenced spend, tier sizes are spend amounts and tier
prices are fractions: the first ``size`` of spend at one percentage, the next at another.
"""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.pricing.charge import Charge
from meterbill.core.pricing.rate_types._graduated import graduate
from meterbill.core.pricing.values import Rate, RateType


def price(rate: Rate, quantity: Decimal, already: Decimal) -> Charge:
    """Each unit of spend at the fraction of the band its period position falls in."""
    return graduate(RateType.TIERED_PERCENTAGE, rate.tiers, quantity, already)
