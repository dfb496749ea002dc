"""TIERED: graduated tiers measured by cumulative quantity within the billing period."""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.pricing.charge import Charge
from meterbill.core.pricing.rate_types._graduated import graduate
from meterbill.core.pricing.values import Rate, RateType


def price(rate: Rate, quantity: Decimal, already: Decimal) -> Charge:
    """Each unit at the price of the band its period position falls in.

    ``already`` is the quantity of the same period priced before (periods billed in pieces).
    """
    return graduate(RateType.TIERED, rate.tiers, quantity, already)
