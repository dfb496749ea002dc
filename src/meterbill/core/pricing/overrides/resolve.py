"""Price one piece of usage with its rate-card entry and the contract's overrides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from meterbill.core.pricing._exact import ZERO, mul, sub, total
from meterbill.core.pricing.charge import TierBand
from meterbill.core.pricing.overrides.matching import candidates, targets
from meterbill.core.pricing.overrides.model import (
    Override,
    OverrideTarget,
    Prioritization,
    Usage,
)
from meterbill.core.pricing.overrides.ordering import (
    Indexed,
    Segment,
    layers,
    segments,
    winning_overwrite,
)
from meterbill.core.pricing.pricing import price_rate
from meterbill.core.pricing.validation import validate_quantity
from meterbill.core.pricing.values import Rate, RateEntry


class RateSource(Enum):
    """Which rate the units were priced from before any multiplier."""

    LIST_RATE = "LIST_RATE"
    COMMIT_RATE = "COMMIT_RATE"
    OVERWRITE = "OVERWRITE"


@dataclass(frozen=True, slots=True)
class PricedPiece:
    """Units priced alike: ``quantity`` at ``unit_price``, ``amount`` exact.

    ``band`` is the band of the base rate (list, commit or overwrite rate) the units fell in,
    with its own price and amount; ``multiplier`` and ``override_id`` say which override
    scaled them (``override_tier_level`` for a TIERED override's band). An overwrite piece
    names the overwrite in ``override_id`` with no multiplier.
    """

    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    band: TierBand
    override_id: str | None = None
    multiplier: Decimal | None = None
    override_tier_level: int | None = None


@dataclass(frozen=True, slots=True)
class PricedUsage:
    """The priced usage: ``amount`` is exactly the sum of the pieces' amounts.

    When not ``entitled`` nothing is billed: no pieces and a zero amount.
    """

    quantity: Decimal
    amount: Decimal
    pieces: tuple[PricedPiece, ...]
    entitled: bool
    rate: Rate
    source: RateSource


def is_entitled(entry: RateEntry, overrides: Sequence[Override], usage: Usage) -> bool:
    """The rate's ``entitled``, unless a plain override in force sets it (the latest added wins)."""
    for override in reversed(overrides):
        if (
            override.entitled is not None
            and not override.is_commit_specific
            and targets(override, usage)
        ):
            return override.entitled
    return entry.entitled


def price_usage(
    entry: RateEntry,
    overrides: Sequence[Override],
    usage: Usage,
    quantity: Decimal,
    *,
    already: Decimal = ZERO,
    prioritization: Prioritization = Prioritization.LOWEST_MULTIPLIER,
) -> PricedUsage:
    """Price ``quantity`` units of ``usage`` with the rate-card ``entry`` in force and the
    contract's ``overrides`` (in the order they were added).

    ``already`` is the quantity of the same product and group priced earlier in the billing
    period: graduated tiers and TIERED override bands continue from it. When ``usage.balance``
    is a COMMIT_RATE commit or credit, the entry's ``commit_rate`` is used with commit-specific
    COMMIT_RATE overrides; without a commit rate it falls back to the list rate
    (docs/decisions/pricing-commit-rate-fallback.md). Exact; nothing is rounded.
    """
    validate_quantity(quantity)
    validate_quantity(already, "already")
    rate, source, rates = _base_rate(entry, usage)
    if not is_entitled(entry, overrides, usage):
        return PricedUsage(quantity, ZERO, (), False, rate, source)
    applicable = candidates(overrides, usage, rates)
    overwrite = winning_overwrite(applicable)
    if overwrite is not None and overwrite.overwrite_rate is not None:
        return _overwritten(overwrite, overwrite.overwrite_rate, quantity, already)
    pieces = _layered(rate, applicable, prioritization, quantity, already)
    return PricedUsage(quantity, total(p.amount for p in pieces), pieces, True, rate, source)


def _base_rate(
    entry: RateEntry, usage: Usage
) -> tuple[Rate, RateSource, tuple[OverrideTarget, ...]]:
    """The rate to start from, its source, and which override targets may change it."""
    balance = usage.balance
    if balance is None or balance.rate_type is OverrideTarget.LIST_RATE:
        return entry.rate, RateSource.LIST_RATE, (OverrideTarget.LIST_RATE,)
    if entry.commit_rate is None:
        both = (OverrideTarget.LIST_RATE, OverrideTarget.COMMIT_RATE)
        return entry.rate, RateSource.LIST_RATE, both
    commit_rate = entry.commit_rate.as_rate(entry.rate)
    return commit_rate, RateSource.COMMIT_RATE, (OverrideTarget.COMMIT_RATE,)


def _overwritten(
    overwrite: Override, rate: Rate, quantity: Decimal, already: Decimal
) -> PricedUsage:
    charge = price_rate(rate, quantity, already=already)
    pieces = tuple(
        PricedPiece(band.quantity, band.price, band.amount, band, overwrite.id)
        for band in charge.bands
    )
    return PricedUsage(quantity, charge.amount, pieces, True, rate, RateSource.OVERWRITE)


def _layered(
    rate: Rate,
    applicable: Sequence[Indexed],
    prioritization: Prioritization,
    quantity: Decimal,
    already: Decimal,
) -> tuple[PricedPiece, ...]:
    ordered = layers(applicable, prioritization)
    pieces: list[PricedPiece] = []
    for segment in segments(ordered, already, quantity):
        pieces.extend(_segment_pieces(rate, segment))
    return tuple(pieces)


def _segment_pieces(rate: Rate, segment: Segment) -> tuple[PricedPiece, ...]:
    """The base rate's bands over the segment's positions, scaled by its multiplier."""
    width = sub(segment.upper, segment.lower)
    charge = price_rate(rate, width, already=segment.lower)
    factor = segment.multiplier
    return tuple(
        PricedPiece(
            band.quantity,
            band.price if factor is None else mul(band.price, factor),
            band.amount if factor is None else mul(band.amount, factor),
            band,
            segment.override_id,
            factor,
            segment.override_tier_level,
        )
        for band in charge.bands
    )
