"""FLAT: every unit at ``price``."""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.pricing.charge import Charge
from meterbill.core.pricing.rate_types._single_price import single_price
from meterbill.core.pricing.validation import required_price
from meterbill.core.pricing.values import Rate, RateType


def price(rate: Rate, quantity: Decimal, already: Decimal) -> Charge:
    """``quantity x rate.price``; the period's earlier quantity (``already``) does not matter."""
    del already
    return single_price(RateType.FLAT, required_price(rate), quantity)
