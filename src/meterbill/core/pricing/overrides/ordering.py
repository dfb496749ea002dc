"""Which override prices which units (decisions.md §5, docs/decisions/pricing-override-ties.md).

An OVERWRITE beats everything. Otherwise the multipliers and tiered overrides form *layers*:
under LOWEST_MULTIPLIER the one lowest multiplier; under EXPLICIT every one, by ascending
``priority``. A unit at period position p is priced by the first layer covering p: a
multiplier covers every position, a tiered override the positions its bands cover (counted
from the start of the billing period). Units no layer covers are priced at the plain rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from meterbill.core.pricing._exact import OPEN, ZERO, add
from meterbill.core.pricing.errors import PricingValidationError
from meterbill.core.pricing.overrides.model import Override, OverrideType, Prioritization

Indexed = tuple[int, Override]


@dataclass(frozen=True, slots=True)
class Segment:
    """Period positions [lower, upper) priced with ``multiplier`` (``None`` = no override)."""

    lower: Decimal
    upper: Decimal
    multiplier: Decimal | None = None
    override_id: str | None = None
    override_tier_level: int | None = None


def _priority(override: Override) -> Decimal:
    return OPEN if override.priority is None else override.priority


def _lowest_multiplier(override: Override) -> Decimal:
    if override.type is OverrideType.TIERED:
        return min((tier.multiplier for tier in override.tiers), default=OPEN)
    return OPEN if override.multiplier is None else override.multiplier


def winning_overwrite(candidates: Sequence[Indexed]) -> Override | None:
    """The OVERWRITE that prices every unit: lowest priority first, then the latest added."""
    overwrites = [pair for pair in candidates if pair[1].type is OverrideType.OVERWRITE]
    if not overwrites:
        return None
    return min(overwrites, key=lambda pair: (_priority(pair[1]), -pair[0]))[1]


def layers(candidates: Sequence[Indexed], prioritization: Prioritization) -> tuple[Override, ...]:
    """Multiplier and tiered overrides in the order they claim units."""
    scaling = [
        pair
        for pair in candidates
        if pair[1].type in (OverrideType.MULTIPLIER, OverrideType.TIERED)
    ]
    if prioritization is Prioritization.LOWEST_MULTIPLIER:
        for _, override in scaling:
            if override.type is OverrideType.TIERED:
                raise PricingValidationError(
                    "multiplier_override_prioritization",
                    f"TIERED override {override.id} needs EXPLICIT prioritization",
                )
        ordered = sorted(scaling, key=lambda pair: (_lowest_multiplier(pair[1]), -pair[0]))
        return tuple(override for _, override in ordered[:1])
    ordered = sorted(
        scaling, key=lambda pair: (_priority(pair[1]), _lowest_multiplier(pair[1]), -pair[0])
    )
    return tuple(override for _, override in ordered)


def _bands(override: Override) -> tuple[Segment, ...]:
    """The positions an override covers, as segments with their multipliers."""
    if override.type is OverrideType.MULTIPLIER:
        return (Segment(ZERO, OPEN, override.multiplier, override.id),)
    bands: list[Segment] = []
    lower = ZERO
    for level, tier in enumerate(override.tiers, start=1):
        upper = OPEN if tier.size is None else add(lower, tier.size)
        bands.append(Segment(lower, upper, tier.multiplier, override.id, level))
        lower = upper
    return tuple(bands)


def segments(
    ordered_layers: Sequence[Override], already: Decimal, quantity: Decimal
) -> tuple[Segment, ...]:
    """Split positions [already, already + quantity) between the layers, in ascending order.

    Every layer covers a prefix [0, S) of the period, so the positions left to a layer are
    those from the furthest position covered so far upwards.
    """
    start, end = already, add(already, quantity)
    covered = ZERO
    result: list[Segment] = []
    for layer in ordered_layers:
        for band in _bands(layer):
            lower, upper = max(band.lower, covered, start), min(band.upper, end)
            if upper > lower:
                result.append(
                    Segment(
                        lower, upper, band.multiplier, band.override_id, band.override_tier_level
                    )
                )
            covered = max(covered, band.upper)
    if end > max(covered, start):
        result.append(Segment(max(covered, start), end))
    return tuple(result)
