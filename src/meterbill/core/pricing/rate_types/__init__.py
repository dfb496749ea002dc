"""One module per rate type, picked from ``PRICERS``: adding a rate type is a file and a row.

Every pricer has the signature ``(rate, quantity, already) -> Charge`` where ``already`` is the
quantity of the same billing period priced before this one. Pricers expect a validated rate;
``meterbill.core.pricing.pricing.price_rate`` validates and dispatches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType

from meterbill.core.pricing.charge import Charge
from meterbill.core.pricing.rate_types import (
    flat,
    percentage,
    subscription,
    tiered,
    tiered_percentage,
)
from meterbill.core.pricing.values import Rate, RateType

Pricer = Callable[[Rate, Decimal, Decimal], Charge]

PRICERS: Mapping[RateType, Pricer] = MappingProxyType(
    {
        RateType.FLAT: flat.price,
        RateType.TIERED: tiered.price,
        RateType.PERCENTAGE: percentage.price,
        RateType.SUBSCRIPTION: subscription.price,
        RateType.TIERED_PERCENTAGE: tiered_percentage.price,
    }
)
"""Every priceable rate type; CUSTOM is deliberately absent."""

__all__ = ["PRICERS", "Pricer"]
