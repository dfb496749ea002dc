"""Usage and composite lines of a usage invoice (spec 8.3 steps 1-3).

A statement period is cut into *segments* wherever something that prices usage changes: a
rate starts or ends, an override starts or ends, a product update takes effect. Usage is
aggregated per segment (``usage_needed``), priced with the rate and overrides in force at the
segment start, and graduated tiers continue across the segments of one period: the tier
position is the cumulative quantity of the same product and pricing group values since the
period start, in segment order (``docs/decisions/invoices-usage-segments.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from meterbill.core.catalog import Product, ProductState, ProductType
from meterbill.core.invoicing.inputs import BillingInputs, GroupValue, UsageKey
from meterbill.core.invoicing.model import LineItem, LineTier, LineType
from meterbill.core.periods import Period
from meterbill.core.pricing import (
    PricedUsage,
    ProductSpend,
    RateEntry,
    RateType,
    Usage,
    billable_quantity,
    composite_spend,
    price_usage,
    rate_in_force,
)
from meterbill.core.rounding import EXACT_CONTEXT

_ZERO = Decimal(0)
_TIERED = frozenset({RateType.TIERED, RateType.TIERED_PERCENTAGE})
_PRODUCT_TYPE_NAMES = {
    ProductType.USAGE: "UsageProductListItem",
    ProductType.COMPOSITE: "CompositeProductListItem",
}


@dataclass(frozen=True, slots=True)
class _Segment:
    product: Product
    state: ProductState
    window: Period
    entries: tuple[RateEntry, ...]  # the product's rate entries, in the card's order

    def usage_key(self) -> UsageKey | None:
        if self.state.billable_metric_id is None:
            return None
        return UsageKey(
            self.product.id,
            self.state.billable_metric_id,
            group_keys(self.state),
            self.window.starting_at,
            self.window.ending_before,
        )


def group_keys(state: ProductState) -> tuple[str, ...]:
    """Pricing group keys, then the presentation keys not already among them."""
    pricing = tuple(state.pricing_group_key)
    return pricing + tuple(k for k in state.presentation_group_key if k not in pricing)


def usage_needed(
    inputs: BillingInputs, period: Period, cuts: Iterable[datetime] = ()
) -> tuple[UsageKey, ...]:
    """Every usage aggregate the usage lines of ``period`` read, in a stable order.

    ``cuts`` are extra instants to cut the segments at (breakdown windows).
    """
    segments = _segments(inputs, period, ProductType.USAGE, tuple(cuts))
    keys = (segment.usage_key() for segment in segments)
    return tuple(key for key in keys if key is not None)


def usage_lines(
    inputs: BillingInputs, period: Period, cuts: Iterable[datetime] = ()
) -> tuple[LineItem, ...]:
    """The ``usage`` lines (USAGE then COMPOSITE products) of ``period``, every pricing unit.

    A product with a rate but no usage in a segment gets one zero-quantity line, as Metronome
    lists it (``skip_zero_qty_line_items`` hides those). Products that are not entitled get no
    line.
    """
    extra = tuple(cuts)
    positions: dict[tuple[str, GroupValue], Decimal] = {}
    lines: list[LineItem] = []
    for segment in _segments(inputs, period, ProductType.USAGE, extra):
        lines.extend(_segment_lines(inputs, segment, positions))
    composites = [
        line
        for segment in _segments(inputs, period, ProductType.COMPOSITE, extra)
        for line in _composite_lines(inputs, segment, lines)
    ]
    return (*lines, *composites)


# --- segments ---------------------------------------------------------------------------------


def _segments(
    inputs: BillingInputs, period: Period, kind: ProductType, cuts: tuple[datetime, ...]
) -> Iterator[_Segment]:
    by_product: dict[str, list[RateEntry]] = {}
    for entry in inputs.rate_entries:
        by_product.setdefault(entry.product_id, []).append(entry)
    for product_id in _rated_products(inputs.rate_entries, period):
        product = inputs.products.get(product_id)
        if product is None or product.type is not kind:
            continue
        entries = tuple(by_product[product_id])
        for window in _windows(inputs, product, entries, period, cuts):
            yield _Segment(product, product.state_at(window.starting_at), window, entries)


def _rated_products(entries: Sequence[RateEntry], period: Period) -> list[str]:
    """Products with a rate overlapping ``period``, in the order they first appear."""
    seen: dict[str, None] = {}
    for entry in entries:
        if entry.starting_at < period.ending_before and (
            entry.ending_before is None or entry.ending_before > period.starting_at
        ):
            seen.setdefault(entry.product_id, None)
    return list(seen)


def _windows(
    inputs: BillingInputs,
    product: Product,
    entries: Sequence[RateEntry],
    period: Period,
    cuts: tuple[datetime, ...],
) -> list[Period]:
    moments: set[datetime] = {period.starting_at, period.ending_before}
    moments.update(_inner(period, *cuts))
    for entry in entries:
        moments.update(_inner(period, entry.starting_at, entry.ending_before))
    for override in inputs.contract.overrides:
        moments.update(_inner(period, override.starting_at, override.ending_before))
    for update in product.updates:
        moments.update(_inner(period, update.starting_at, None))
    return [Period(a, b) for a, b in pairwise(sorted(moments))]


def _inner(period: Period, *moments: datetime | None) -> Iterator[datetime]:
    for moment in moments:
        if moment is not None and period.starting_at < moment < period.ending_before:
            yield moment


# --- usage lines ------------------------------------------------------------------------------


def _sort_key(value: GroupValue) -> tuple[tuple[bool, str], ...]:
    return tuple((text is not None, text or "") for text in value)


def _segment_lines(
    inputs: BillingInputs, segment: _Segment, positions: dict[tuple[str, GroupValue], Decimal]
) -> Iterator[LineItem]:
    key = segment.usage_key()
    if key is None:
        return
    groups = inputs.usage.get(key) or {}
    values = sorted(groups, key=_sort_key) or [tuple(None for _ in key.group_keys)]
    pricing_count = len(segment.state.pricing_group_key)
    for value in values:
        pricing = dict(zip(key.group_keys[:pricing_count], value[:pricing_count], strict=True))
        shown = dict(zip(key.group_keys[pricing_count:], value[pricing_count:], strict=True))
        presentation = {k: pricing.get(k) for k in segment.state.presentation_group_key} | shown
        metered = groups.get(value, _ZERO)
        position_key = (segment.product.id, value[:pricing_count])
        already = positions.get(position_key, _ZERO)
        priced = _price(inputs, segment, pricing, presentation, metered, already)
        if priced is None:
            continue
        entry, usage = priced
        positions[position_key] = EXACT_CONTEXT.add(already, usage.quantity)
        yield from _lines(inputs, segment, entry, usage, pricing, presentation)


def _price(
    inputs: BillingInputs,
    segment: _Segment,
    pricing: Mapping[str, str | None],
    presentation: Mapping[str, str | None],
    metered: Decimal,
    already: Decimal,
) -> tuple[RateEntry, PricedUsage] | None:
    at = segment.window.starting_at
    entry = rate_in_force(segment.entries, segment.product.id, at, pricing_group_values=pricing)
    if entry is None:
        return None
    product_pricing = segment.product.pricing_at(at)
    usage = Usage(
        segment.product.id,
        at,
        product_pricing.tags,
        pricing_group_values=pricing,
        presentation_group_values=presentation,
    )
    priced = price_usage(
        entry,
        inputs.contract.overrides,
        usage,
        billable_quantity(product_pricing, metered),
        already=already,
        prioritization=inputs.contract.multiplier_override_prioritization,
    )
    return (entry, priced) if priced.entitled else None


def _lines(
    inputs: BillingInputs,
    segment: _Segment,
    entry: RateEntry,
    priced: PricedUsage,
    pricing: Mapping[str, str | None],
    presentation: Mapping[str, str | None],
) -> Iterator[LineItem]:
    tiered = priced.rate.rate_type in _TIERED
    shared = {
        "credit_type_id": entry.rate.credit_type_id or inputs.fiat_credit_type_id,
        "name": segment.state.name,
        "product_id": segment.product.id,
        "product_type": _PRODUCT_TYPE_NAMES.get(segment.product.type),
        "product_tags": segment.state.tags,
        "starting_at": segment.window.starting_at,
        "ending_before": segment.window.ending_before,
        "pricing_group_values": pricing or None,
        "presentation_group_values": presentation or None,
        "product_custom_fields": segment.product.custom_fields,
    }
    if not priced.pieces:
        first = priced.rate.tiers[0] if tiered and priced.rate.tiers else None
        yield LineItem(
            LineType.USAGE,
            total=_ZERO,
            quantity=_ZERO,
            # A zero line of a tiered rate is shown at the first band's price.
            unit_price=priced.rate.price if first is None else first.price,
            tier=None if first is None else LineTier(1, _ZERO, first.size),
            **shared,  # type: ignore[arg-type]
        )
        return
    for piece in priced.pieces:
        band = piece.band
        yield LineItem(
            LineType.USAGE,
            total=piece.amount,
            quantity=piece.quantity,
            unit_price=piece.unit_price,
            tier=LineTier(band.level, band.starting_at, band.size) if tiered else None,
            **shared,  # type: ignore[arg-type]
        )


# --- composite lines --------------------------------------------------------------------------


def _composite_lines(
    inputs: BillingInputs, segment: _Segment, usage_lines: Sequence[LineItem]
) -> Iterator[LineItem]:
    at = segment.window.starting_at
    entry = rate_in_force(segment.entries, segment.product.id, at)
    if entry is None:
        return
    pricing = segment.product.pricing_at(at)
    spends = [
        ProductSpend(line.product_id, line.total, frozenset(line.product_tags))
        for line in usage_lines
        if line.product_id is not None
        and line.starting_at is not None
        and line.ending_before is not None
        and segment.window.starting_at <= line.starting_at
        and line.ending_before <= segment.window.ending_before
        and line.credit_type_id == inputs.fiat_credit_type_id
    ]
    base_spend = composite_spend(pricing, spends)
    usage = Usage(segment.product.id, at, pricing.tags)
    priced = price_usage(
        entry,
        inputs.contract.overrides,
        usage,
        base_spend,
        prioritization=inputs.contract.multiplier_override_prioritization,
    )
    if priced.entitled:
        yield from _lines(inputs, segment, entry, priced, {}, {})
