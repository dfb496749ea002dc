"""The result of pricing a quantity with one rate: exact amount plus the per-band breakdown."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from meterbill.core.pricing.values import RateType


@dataclass(frozen=True, slots=True)
class TierBand:
    """The part of a charge that fell in one band of its rate.

    ``level`` is 1-based; ``starting_at`` is the cumulative period quantity where the band
    begins and ``size`` its width (``None`` = open), as on an invoice line's ``tier``.
    ``quantity`` is how many of *this charge's* units fell in the band, ``price`` the band's
    unit price (a fraction for percentage rates) and ``amount = quantity x price`` exactly.
    Single-price rates (FLAT, SUBSCRIPTION, PERCENTAGE) have one open band at level 1.
    """

    level: int
    starting_at: Decimal
    size: Decimal | None
    quantity: Decimal
    price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Charge:
    """``quantity`` priced with one rate: ``amount`` is exactly the sum of the bands' amounts.

    Bands with no quantity are left out, so a zero quantity has no bands and a zero amount.
    """

    rate_type: RateType
    quantity: Decimal
    amount: Decimal
    bands: tuple[TierBand, ...]
