"""PERCENTAGE: a composite product costs a fraction of the spend of the products it references.

The quantity priced is that spend (see ``meterbill.core.pricing.composite.composite_spend``),
in the pricing unit of the referenced rates.
"""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.pricing.charge import Charge
from meterbill.core.pricing.rate_types._single_price import single_price
from meterbill.core.pricing.validation import required_price
from meterbill.core.pricing.values import Rate, RateType


def price(rate: Rate, quantity: Decimal, already: Decimal) -> Charge:
    """``spend x rate.price`` where ``quantity`` is the spend and the price a fraction."""
    del already
    return single_price(RateType.PERCENTAGE, required_price(rate), quantity)
