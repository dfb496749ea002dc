"""The catalog's pure rules: products and their scheduled updates, rate card aliases, and the
rate schedule a rate card shows over time.

Everything here is frozen values and functions over them: no clock (instants are passed in),
no storage. Prices and rates themselves are the pricing core's values
(``meterbill.core.pricing``); this module only says which rates a product may carry and how a
card's entries line up in time. Windows are half-open: ``starting_at`` inclusive,
``ending_before`` exclusive, ``None`` unbounded on that side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Any

from meterbill.core import aliases
from meterbill.core.errors import DomainValidationError
from meterbill.core.pricing import (
    BillingFrequency,
    ProductPricing,
    QuantityConversion,
    QuantityRounding,
    RateEntry,
    RateType,
    validate_product_pricing,
    validate_rate_entry,
)

# --- products -------------------------------------------------------------------------------


class ProductType(Enum):
    """A product's ``type``; ``PROFESSIONAL_SERVICE`` is accepted and stored as ``PRO_SERVICE``."""

    USAGE = "USAGE"
    SUBSCRIPTION = "SUBSCRIPTION"
    COMPOSITE = "COMPOSITE"
    FIXED = "FIXED"
    PRO_SERVICE = "PRO_SERVICE"

    @classmethod
    def parse(cls, value: str) -> ProductType:
        upper = value.upper()
        return cls.PRO_SERVICE if upper == "PROFESSIONAL_SERVICE" else cls(upper)


@dataclass(frozen=True, slots=True)
class ProductState:
    """A product's configuration as of one instant (the SDK's ``ProductListItemState``).

    ``starting_at`` is when this state took effect (``None`` for the initial state, which holds
    from the beginning of time); ``created_at`` / ``created_by`` say who wrote it and when.
    """

    name: str
    created_at: datetime
    created_by: str
    starting_at: datetime | None = None
    billable_metric_id: str | None = None
    composite_product_ids: tuple[str, ...] = ()
    composite_tags: tuple[str, ...] = ()
    exclude_free_usage: bool = False
    include_composite_spend: bool = False
    is_refundable: bool = True
    netsuite_internal_item_id: str | None = None
    netsuite_overage_item_id: str | None = None
    presentation_group_key: tuple[str, ...] = ()
    pricing_group_key: tuple[str, ...] = ()
    quantity_conversion: QuantityConversion | None = None
    quantity_rounding: QuantityRounding | None = None
    sql_breakdown_granularity: str | None = None
    tags: tuple[str, ...] = ()


# Fields an update may change; the others (created_at, created_by, starting_at) describe it.
UPDATABLE_FIELDS = frozenset(
    {
        "name", "billable_metric_id", "composite_product_ids", "composite_tags",
        "exclude_free_usage", "include_composite_spend", "is_refundable",
        "netsuite_internal_item_id", "netsuite_overage_item_id", "presentation_group_key",
        "pricing_group_key", "quantity_conversion", "quantity_rounding",
        "sql_breakdown_granularity", "tags",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ProductUpdate:
    """A scheduled change: the given ``changes`` (field -> new value) apply from ``starting_at``."""

    starting_at: datetime
    created_at: datetime
    created_by: str
    changes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Product:
    """A product: its type, its initial state and the updates scheduled on it, in write order."""

    id: str
    type: ProductType
    initial: ProductState
    updates: tuple[ProductUpdate, ...] = ()
    archived_at: datetime | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def state_at(self, at: datetime) -> ProductState:
        """The configuration in force at ``at``: the initial state, then every update whose
        ``starting_at`` is at or before ``at`` in ``starting_at`` order (write order on ties).
        """
        state = self.initial
        for update in sorted(self.updates, key=lambda u: u.starting_at):
            if update.starting_at <= at:
                state = apply_update(state, update)
        return state

    def pricing_at(self, at: datetime) -> ProductPricing:
        """What the pricing core needs of this product at ``at``."""
        state = self.state_at(at)
        return ProductPricing(
            product_id=self.id,
            tags=frozenset(state.tags),
            quantity_conversion=state.quantity_conversion,
            quantity_rounding=state.quantity_rounding,
            composite_product_ids=frozenset(state.composite_product_ids),
            composite_tags=frozenset(state.composite_tags),
            include_composite_spend=state.include_composite_spend,
            exclude_free_usage=state.exclude_free_usage,
        )


def apply_update(state: ProductState, update: ProductUpdate) -> ProductState:
    """``state`` with ``update``'s changes; fields the update does not name keep their value."""
    unknown = set(update.changes) - UPDATABLE_FIELDS
    if unknown:
        raise DomainValidationError(f"{sorted(unknown)[0]}: cannot be changed by an update")
    changes: dict[str, Any] = dict(update.changes)
    return replace(
        state,
        created_at=update.created_at,
        created_by=update.created_by,
        starting_at=update.starting_at,
        **changes,
    )


def states_from(product: Product, starting_at: datetime) -> list[ProductState]:
    """Every state the product goes through from ``starting_at`` on (for validating an update)."""
    moments = [starting_at] + [
        u.starting_at for u in product.updates if u.starting_at > starting_at
    ]
    return [product.state_at(moment) for moment in moments]


def require_hour_aligned(instant: datetime, field_name: str) -> None:
    """Metronome schedules product updates on hour boundaries (1:00, not 1:30)."""
    if instant.minute or instant.second or instant.microsecond:
        raise DomainValidationError(f"{field_name}: must be on an hour boundary (e.g. 01:00:00Z)")


@dataclass(frozen=True, slots=True)
class MetricFacts:
    """What the catalog needs to know of a billable metric.

    ``group_keys`` is ``None`` when the metric's keys are not known (metering not wired yet):
    group keys are then not checked.
    """

    id: str
    group_keys: tuple[tuple[str, ...], ...] | None = None
    archived: bool = False


_USAGE_ONLY = (
    "billable_metric_id", "pricing_group_key", "presentation_group_key",
    "quantity_conversion", "quantity_rounding",
)  # fmt: skip
_COMPOSITE_ONLY = (
    "composite_product_ids", "composite_tags", "exclude_free_usage", "include_composite_spend",
)  # fmt: skip


def check_product_state(kind: ProductType, state: ProductState, metric: MetricFacts | None) -> None:
    """Refuse a configuration the product's type does not allow, naming the field.

    USAGE needs a billable metric; COMPOSITE needs composite product ids or tags; fields of one
    type are refused on the others. When ``metric`` has known group keys, the union of
    ``pricing_group_key`` and ``presentation_group_key`` must be one of them.
    """
    if not state.name.strip():
        raise DomainValidationError("name: must not be empty")
    _refuse_foreign_fields(kind, state)
    if kind is ProductType.USAGE:
        if not state.billable_metric_id:
            raise DomainValidationError("billable_metric_id: is required for USAGE products")
        _check_group_keys(state, metric)
        validate_product_pricing(
            ProductPricing(
                product_id="",
                quantity_conversion=state.quantity_conversion,
                quantity_rounding=state.quantity_rounding,
            )
        )
    if kind is ProductType.COMPOSITE and not (state.composite_product_ids or state.composite_tags):
        raise DomainValidationError(
            "composite_product_ids: COMPOSITE products need composite_product_ids or composite_tags"
        )


def _refuse_foreign_fields(kind: ProductType, state: ProductState) -> None:
    for name in _USAGE_ONLY if kind is not ProductType.USAGE else ():
        if getattr(state, name):
            raise DomainValidationError(f"{name}: is only valid for USAGE products")
    for name in _COMPOSITE_ONLY if kind is not ProductType.COMPOSITE else ():
        if getattr(state, name):
            raise DomainValidationError(f"{name}: is only valid for COMPOSITE products")


def _check_group_keys(state: ProductState, metric: MetricFacts | None) -> None:
    for name in ("pricing_group_key", "presentation_group_key"):
        keys: tuple[str, ...] = getattr(state, name)
        if len(set(keys)) != len(keys) or not all(keys):
            raise DomainValidationError(f"{name}: keys must be non-empty and distinct")
    wanted = set(state.pricing_group_key) | set(state.presentation_group_key)
    if not wanted or metric is None or metric.group_keys is None:
        return
    if not any(set(group) == wanted for group in metric.group_keys):
        raise DomainValidationError(
            f"pricing_group_key: {sorted(wanted)} (with presentation_group_key) must be one "
            f"group key of billable metric {metric.id!r}"
        )


# --- rates on a card ------------------------------------------------------------------------

_RATE_TYPES_BY_PRODUCT: dict[ProductType, frozenset[RateType]] = {
    ProductType.USAGE: frozenset({RateType.FLAT, RateType.TIERED}),
    ProductType.COMPOSITE: frozenset({RateType.PERCENTAGE, RateType.TIERED_PERCENTAGE}),
    ProductType.SUBSCRIPTION: frozenset({RateType.FLAT, RateType.SUBSCRIPTION}),
}


def check_rate_for_product(entry: RateEntry, product: Product, prefix: str = "") -> None:
    """Refuse a rate the product cannot carry, naming the field (``rates[2].rate_type: ...``).

    Archived products take no new rates; FIXED and PRO_SERVICE products are priced on contracts,
    not rate cards; the rate type must suit the product type; subscription rates need a
    ``billing_frequency`` and other rates may not have one; ``pricing_group_values`` keys must be
    the product's pricing group keys. Then the pricing core checks the rate itself.
    """
    here = (prefix + ".") if prefix else ""
    if product.is_archived:
        raise DomainValidationError(
            f"{here}product_id: product {product.id!r} is archived and cannot get new rates"
        )
    allowed = _RATE_TYPES_BY_PRODUCT.get(product.type)
    if allowed is None:
        raise DomainValidationError(
            f"{here}product_id: {product.type.value} products are priced on contracts, "
            "not on rate cards"
        )
    if entry.rate.rate_type is RateType.CUSTOM:
        raise DomainValidationError(f"{here}rate_type: CUSTOM rates are not supported")
    if entry.rate.rate_type not in allowed:
        names = ", ".join(sorted(kind.value for kind in allowed))
        raise DomainValidationError(
            f"{here}rate_type: a {product.type.value} product takes {names} rates, "
            f"not {entry.rate.rate_type.value}"
        )
    _check_frequency(entry, product, here)
    _check_pricing_groups(entry, product, here)
    validate_rate_entry(entry, prefix)


def _check_frequency(entry: RateEntry, product: Product, here: str) -> None:
    is_subscription = product.type is ProductType.SUBSCRIPTION
    if is_subscription and entry.billing_frequency is None:
        raise DomainValidationError(
            f"{here}billing_frequency: is required for SUBSCRIPTION products"
        )
    if not is_subscription and entry.billing_frequency is not None:
        raise DomainValidationError(
            f"{here}billing_frequency: is only valid for SUBSCRIPTION products"
        )


def _check_pricing_groups(entry: RateEntry, product: Product, here: str) -> None:
    if not entry.pricing_group_values:
        return
    keys = set(product.state_at(entry.starting_at).pricing_group_key)
    unknown = sorted(set(entry.pricing_group_values) - keys)
    if unknown:
        raise DomainValidationError(
            f"{here}pricing_group_values.{unknown[0]}: not a pricing_group_key of product "
            f"{product.id!r}"
        )


@dataclass(frozen=True, slots=True)
class CreditTypeConversion:
    """``fiat_per_custom_credit`` units of the card's fiat currency buy one custom credit."""

    custom_credit_type_id: str
    fiat_per_custom_credit: Decimal


_PERCENTAGES = frozenset({RateType.PERCENTAGE, RateType.TIERED_PERCENTAGE})


def rate_credit_type(
    entry: RateEntry,
    fiat_credit_type_id: str,
    conversions: Sequence[CreditTypeConversion],
    earlier: Sequence[RateEntry],
    prefix: str = "",
) -> str | None:
    """The pricing unit a new rate is stored in, or a ``DomainValidationError``.

    No ``credit_type_id`` means the card's fiat unit. Percentage rates have none: they take the
    unit of the charges they apply to. A custom unit needs a conversion on the card, and a
    product keeps the unit of its earlier rates on the card (Metronome: "once a rate is saved in
    a pricing unit for a product, its pricing unit cannot change").
    """
    if entry.rate.rate_type in _PERCENTAGES:
        return None
    here = (prefix + ".") if prefix else ""
    unit = entry.rate.credit_type_id or fiat_credit_type_id
    allowed = {fiat_credit_type_id} | {c.custom_credit_type_id for c in conversions}
    if unit not in allowed:
        raise DomainValidationError(
            f"{here}credit_type_id: {unit!r} is neither the rate card's fiat credit type nor a "
            "custom credit type with a credit_type_conversions entry on the card"
        )
    for prior in earlier:
        used = prior.rate.credit_type_id
        if prior.product_id == entry.product_id and used is not None and used != unit:
            raise DomainValidationError(
                f"{here}credit_type_id: product {entry.product_id!r} is priced in {used!r} on "
                "this rate card; a product's pricing unit cannot change"
            )
    return unit


# --- aliases --------------------------------------------------------------------------------


def _before(a: datetime | None, b: datetime | None) -> bool:
    """``a < b`` where ``a`` is a start (``None`` = -inf) and ``b`` an end (``None`` = +inf)."""
    return a is None or b is None or a < b


@dataclass(frozen=True, slots=True)
class AliasWindow:
    """An alias held over [starting_at, ending_before)."""

    name: str
    starting_at: datetime | None = None
    ending_before: datetime | None = None

    def holds(self, at: datetime) -> bool:
        return aliases.holds(self, at)

    def overlaps(self, other: AliasWindow) -> bool:
        return aliases.overlap(self, other)


@dataclass(frozen=True, slots=True)
class AliasAssignment:
    """``window`` held by rate card ``holder_id``; ``sequence`` orders assignments in time."""

    holder_id: str
    window: AliasWindow
    sequence: int = 0


def check_alias_windows(windows: Sequence[AliasWindow], field_name: str = "aliases") -> None:
    """Names are non-empty, windows are not empty, and one name's windows do not overlap."""
    for index, window in enumerate(windows):
        here = f"{field_name}[{index}]"
        if not window.name.strip():
            raise DomainValidationError(f"{here}.name: must not be empty")
        start, end = window.starting_at, window.ending_before
        if start is not None and end is not None and end <= start:
            raise DomainValidationError(
                f"{here}.ending_before: must be after starting_at (the alias window is empty)"
            )
        for other in windows[:index]:
            if other.name == window.name and other.overlaps(window):
                raise DomainValidationError(
                    f"{here}: alias {window.name!r} is given twice with overlapping windows"
                )


def cut_previous_holders(
    others: Sequence[AliasAssignment],
    taken: Sequence[AliasWindow],
    field_name: str = "aliases",
) -> list[AliasAssignment]:
    """How other cards' windows change when a card takes ``taken`` (decisions.md §10).

    Each overlapping window of another holder is cut to end at the new ``starting_at``. A window
    the cut would leave empty (it starts at or after the new ``starting_at``) is a
    ``DomainValidationError``: take the alias from a later instant, or change that card first.
    Returns the changed assignments (same ``sequence``, new window); others are left alone.
    """
    current = {held.sequence: held for held in others}
    order = sorted(range(len(taken)), key=lambda i: _start_key(taken[i].starting_at))
    for index in order:
        window = taken[index]
        for sequence, held in list(current.items()):
            if held.window.name != window.name or not held.window.overlaps(window):
                continue
            cut_at = window.starting_at
            if cut_at is None or not _before(held.window.starting_at, cut_at):
                raise DomainValidationError(
                    f"{field_name}[{index}].starting_at: alias {window.name!r} is held by rate "
                    f"card {held.holder_id!r} from {_when(held.window.starting_at)}; taking it "
                    f"from {_when(cut_at)} would leave that card an empty window"
                )
            current[sequence] = replace(held, window=replace(held.window, ending_before=cut_at))
    before = {held.sequence: held for held in others}
    return [held for sequence, held in current.items() if held != before[sequence]]


def _start_key(instant: datetime | None) -> tuple[bool, datetime | None]:
    return (instant is not None, instant)


def resolve_alias(assignments: Sequence[AliasAssignment], name: str, at: datetime) -> str:
    """The holder of alias ``name`` at ``at``; no holder is a ``DomainValidationError``.

    Windows of one alias never overlap (``cut_previous_holders``); should they, the most
    recent assignment wins, as Metronome documents.
    """
    holder = aliases.holder_at(((a.sequence, a.window, a.holder_id) for a in assignments), name, at)
    if holder is None:
        raise DomainValidationError(
            f"rate_card_alias: no rate card holds alias {name!r} at {at.isoformat()}"
        )
    return holder


def _when(instant: datetime | None) -> str:
    return "the beginning of time" if instant is None else instant.isoformat()


# --- the rate schedule ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduledRate:
    """``entry`` in force over [starting_at, ending_before): the part of its window that no
    later entry for the same product, pricing group values and billing frequency overrides.
    """

    entry: RateEntry
    starting_at: datetime
    ending_before: datetime | None

    def holds(self, at: datetime) -> bool:
        return self.starting_at <= at and (self.ending_before is None or at < self.ending_before)

    def overlaps(self, starting_at: datetime, ending_before: datetime | None) -> bool:
        return _before(self.starting_at, ending_before) and _before(starting_at, self.ending_before)


def _key(entry: RateEntry) -> tuple[str, tuple[tuple[str, str], ...], BillingFrequency | None]:
    return (
        entry.product_id,
        tuple(sorted(entry.pricing_group_values.items())),
        entry.billing_frequency,
    )


def assemble_schedule(entries: Sequence[RateEntry]) -> tuple[ScheduledRate, ...]:
    """The card's schedule: each entry cut where a later-starting entry of the same kind takes
    over (the pricing core's rule: latest ``starting_at`` wins, then the entry added last).

    ``entries`` are in the order they were added. The result is ordered by product (first
    appearance), kind, then ``starting_at``; an entry hidden everywhere does not appear.
    """
    pieces: list[tuple[int, int, ScheduledRate]] = []
    product_order: dict[str, int] = {}
    kind_order: dict[object, int] = {}
    for index, entry in enumerate(entries):
        product_order.setdefault(entry.product_id, len(product_order))
        kind_order.setdefault(_key(entry), index)
        winners = [
            (other.starting_at, other.ending_before)
            for later, other in enumerate(entries)
            if _key(other) == _key(entry)
            and (other.starting_at, later) > (entry.starting_at, index)
        ]
        for start, end in _subtract((entry.starting_at, entry.ending_before), winners):
            order = (product_order[entry.product_id], kind_order[_key(entry)])
            pieces.append((*order, ScheduledRate(entry, start, end)))
    pieces.sort(key=lambda piece: (piece[0], piece[1], piece[2].starting_at))
    return tuple(piece[2] for piece in pieces)


Span = tuple[datetime, datetime | None]


def _subtract(span: Span, holes: Sequence[Span]) -> list[Span]:
    """``span`` minus every hole: half-open intervals, ``None`` end = unbounded."""
    remaining = [span]
    for hole_start, hole_end in holes:
        cut: list[Span] = []
        for start, end in remaining:
            if not (_before(start, hole_end) and _before(hole_start, end)):
                cut.append((start, end))
                continue
            if start < hole_start:
                cut.append((start, hole_start))
            if hole_end is not None and (end is None or hole_end < end):
                cut.append((hole_end, end))
        remaining = cut
    return remaining


@dataclass(frozen=True, slots=True)
class RateSelector:
    """A ``selectors[]`` item of ``getRates`` / ``getRateSchedule``; its fields are ANDed."""

    product_id: str | None = None
    product_tags: tuple[str, ...] | None = None
    pricing_group_values: Mapping[str, str] | None = None
    partial_pricing_group_values: Mapping[str, str] | None = None
    billing_frequency: BillingFrequency | None = None


def selector_matches(selector: RateSelector, entry: RateEntry, tags: frozenset[str]) -> bool:
    """Whether ``entry`` (of a product with ``tags``) satisfies every field ``selector`` gives.

    ``product_tags`` matches any tag; ``pricing_group_values`` must equal the entry's values;
    ``partial_pricing_group_values`` must be contained in them.
    """
    groups = dict(entry.pricing_group_values)
    partial = selector.partial_pricing_group_values
    return (
        selector.product_id in (None, entry.product_id)
        and (selector.product_tags is None or bool(set(selector.product_tags) & tags))
        and (selector.pricing_group_values is None or dict(selector.pricing_group_values) == groups)
        and (partial is None or all(groups.get(k) == v for k, v in partial.items()))
        and selector.billing_frequency in (None, entry.billing_frequency)
    )


def select(
    rates: Sequence[ScheduledRate],
    selectors: Sequence[RateSelector],
    tags_of: Mapping[str, frozenset[str]],
) -> list[ScheduledRate]:
    """The rates matching ANY selector (all of them when there is none)."""
    if not selectors:
        return list(rates)
    return [
        rate
        for rate in rates
        if any(
            selector_matches(s, rate.entry, tags_of.get(rate.entry.product_id, frozenset()))
            for s in selectors
        )
    ]


# --- rate cards -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateCard:
    """A rate card without its rates: one fiat unit, custom-unit conversions, aliases."""

    id: str
    name: str
    created_at: datetime
    created_by: str
    fiat_credit_type_id: str
    description: str | None = None
    aliases: tuple[AliasWindow, ...] = ()
    credit_type_conversions: tuple[CreditTypeConversion, ...] = ()
    archived_at: datetime | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True, slots=True)
class RateCardSchedule:
    """A rate card with every rate it holds, in the order they were added.

    What contracts price against: ``rate_in_force`` (the pricing core's rule) for one product at
    one instant, ``schedule()`` for the whole card over time.
    """

    card: RateCard
    entries: tuple[RateEntry, ...]

    def schedule(self) -> tuple[ScheduledRate, ...]:
        return assemble_schedule(self.entries)

    def in_force_at(self, at: datetime) -> tuple[ScheduledRate, ...]:
        """Every rate in force at ``at`` (one per product, group values and frequency)."""
        return tuple(rate for rate in self.schedule() if rate.holds(at))
