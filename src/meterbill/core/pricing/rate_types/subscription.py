"""SUBSCRIPTION: a recurring fee of ``price`` per unit (seat) for one whole billing period.

Proration of partial periods is not done here: the proration module scales the full-period
amount this returns (decisions.md §3).
"""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.pricing.charge import Charge
from meterbill.core.pricing.rate_types._single_price import single_price
from meterbill.core.pricing.validation import required_price
from meterbill.core.pricing.values import Rate, RateType


def price(rate: Rate, quantity: Decimal, already: Decimal) -> Charge:
    """``quantity x rate.price`` for one full period; the caller passes the subscription's
    quantity (``rate.quantity`` is only the default it may fall back to)."""
    del already
    return single_price(RateType.SUBSCRIPTION, required_price(rate), quantity)
