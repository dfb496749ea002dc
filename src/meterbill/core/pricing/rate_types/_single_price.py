"""One price for every unit: shared by FLAT, SUBSCRIPTION and PERCENTAGE."""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.pricing._exact import ZERO, mul
from meterbill.core.pricing.charge import Charge, TierBand
from meterbill.core.pricing.values import RateType


def single_price(rate_type: RateType, price: Decimal, quantity: Decimal) -> Charge:
    """``quantity x price`` as one open band at level 1 (no band when the quantity is zero)."""
    amount = mul(quantity, price)
    bands = (TierBand(1, ZERO, None, quantity, price, amount),) if quantity else ()
    return Charge(rate_type, quantity, amount, bands)
