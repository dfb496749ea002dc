"""Graduated banding shared by TIERED and TIERED_PERCENTAGE."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from meterbill.core.pricing._exact import OPEN, ZERO, add, mul, sub, total
from meterbill.core.pricing.charge import Charge, TierBand
from meterbill.core.pricing.values import RateType, Tier


def _bounds(tiers: tuple[Tier, ...]) -> Iterator[tuple[int, Decimal, Decimal, Tier]]:
    """Each tier with its level and its [lower, upper) cumulative bounds (``OPEN`` if unsized)."""
    lower = ZERO
    for index, tier in enumerate(tiers):
        upper = OPEN if tier.size is None else add(lower, tier.size)
        yield index + 1, lower, upper, tier
        lower = upper


def graduate(
    rate_type: RateType, tiers: tuple[Tier, ...], quantity: Decimal, already: Decimal
) -> Charge:
    """Price units at cumulative positions [already, already + quantity) band by band.

    Each unit costs the price of the band its period position falls in, so pricing q1 then q2
    with ``already=q1`` equals pricing q1 + q2 at once. Expects validated tiers (final band
    open) and non-negative ``quantity`` and ``already``.
    """
    start, end = already, add(already, quantity)
    bands: list[TierBand] = []
    for level, lower, upper, tier in _bounds(tiers):
        inside = sub(min(end, upper), max(start, lower))
        if inside > 0:
            amount = mul(inside, tier.price)
            bands.append(TierBand(level, lower, tier.size, inside, tier.price, amount))
    return Charge(rate_type, quantity, total(band.amount for band in bands), tuple(bands))
