"""Use cases of ``/v1/contract-pricing/rate-cards``, and what other areas read of rate cards.

For other areas (contracts, packages), inside their own open unit of work:

* ``resolve_alias(uow, alias, at) -> str``: the rate card holding ``alias`` at ``at``.
* ``load_rate_schedule(uow, rate_card_id) -> RateCardSchedule``: the card and all its rates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from meterbill.clock import Clock
from meterbill.core.catalog import (
    AliasWindow,
    CreditTypeConversion,
    Product,
    ProductState,
    RateCard,
    RateCardSchedule,
    RateSelector,
    ScheduledRate,
    check_alias_windows,
    check_rate_for_product,
    cut_previous_holders,
    rate_credit_type,
    select,
)
from meterbill.core.catalog import resolve_alias as resolve_alias_in
from meterbill.core.custom_fields import CustomFieldEntity
from meterbill.core.errors import DomainValidationError, NotFound
from meterbill.core.pricing import USD_CENTS_CREDIT_TYPE_ID, RateEntry
from meterbill.services import products as product_service
from meterbill.services.custom_fields import write_values
from meterbill.services.ids import new_id
from meterbill.storage.pagination import Page, decode_cursor, encode_cursor
from meterbill.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class CreateRateCard:
    name: str
    description: str | None = None
    aliases: tuple[AliasWindow, ...] = ()
    credit_type_conversions: tuple[CreditTypeConversion, ...] = ()
    fiat_credit_type_id: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UpdateRateCard:
    """``None`` leaves a field alone; ``aliases`` replaces the card's whole alias schedule."""

    rate_card_id: str
    name: str | None = None
    description: str | None = None
    aliases: tuple[AliasWindow, ...] | None = None
    add_credit_type_conversions: tuple[CreditTypeConversion, ...] = ()


@dataclass(frozen=True, slots=True)
class RateRow:
    """One row of ``getRates`` / ``getRateSchedule``: a scheduled rate and its product."""

    rate: ScheduledRate
    product: ProductState
    product_custom_fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Named:
    """A result with the names of the pricing units it mentions (id -> name), for display."""

    credit_type_names: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class CardView(Named):
    card: RateCard


@dataclass(frozen=True, slots=True)
class RatesView(Named):
    entries: tuple[RateEntry, ...]


@dataclass(frozen=True, slots=True)
class RowsView(Named):
    page: Page[RateRow]


# --- the card -------------------------------------------------------------------------------


def create(uow: UnitOfWork, clock: Clock, command: CreateRateCard) -> CardView:
    """Create a rate card; taking an alias cuts its previous holder's window (decisions.md §10)."""
    card = RateCard(
        id=new_id(),
        name=_name(command.name),
        created_at=clock.now(),
        created_by=product_service.CREATED_BY,
        fiat_credit_type_id=command.fiat_credit_type_id or USD_CENTS_CREDIT_TYPE_ID,
        description=command.description,
        credit_type_conversions=command.credit_type_conversions,
    )
    with uow:
        _check_fiat(uow, card.fiat_credit_type_id)
        _check_conversions(uow, (), command.credit_type_conversions, "credit_type_conversions")
        uow.rate_cards.add(card)
        _take_aliases(uow, card.id, command.aliases)
        write_values(uow, CustomFieldEntity.RATE_CARD, card.id, command.custom_fields)
        view = _view(uow, card.id)
        uow.commit()
    return view


def update(uow: UnitOfWork, command: UpdateRateCard) -> CardView:
    """Rename, describe, re-alias, or add conversions (existing ones cannot change)."""
    with uow:
        card = _load(uow, command.rate_card_id, for_update=True)
        _require_active(card)
        values: dict[str, object] = {}
        if command.name is not None:
            values["name"] = _name(command.name)
        if command.description is not None:
            values["description"] = command.description
        if values:
            uow.rate_cards.update_fields(card.id, **values)
        added = command.add_credit_type_conversions
        _check_conversions(uow, card.credit_type_conversions, added, "add_credit_type_conversions")
        uow.rate_cards.add_conversions(card.id, added)
        if command.aliases is not None:
            _take_aliases(uow, card.id, command.aliases)
        view = _view(uow, card.id)
        uow.commit()
    return view


def archive(uow: UnitOfWork, clock: Clock, rate_card_id: str) -> None:
    """Archive a rate card: no new contracts or rates; its rates keep pricing. Idempotent."""
    with uow:
        card = _load(uow, rate_card_id, for_update=True)
        if not card.is_archived:
            uow.rate_cards.update_fields(rate_card_id, archived_at=clock.now())
            uow.commit()


def get(uow: UnitOfWork, rate_card_id: str) -> CardView:
    with uow:
        return _view(uow, rate_card_id)


def list_page(uow: UnitOfWork, limit: int, cursor: str | None) -> Page[CardView]:
    """One page of unarchived rate cards in creation order."""
    with uow:
        page = uow.rate_cards.list_page(limit=limit, cursor=cursor)
        values = uow.custom_fields.values_of_many(
            CustomFieldEntity.RATE_CARD, [card.id for card in page.items]
        )
        items = [
            CardView(
                _card_names(uow, c),
                replace(c, custom_fields=MappingProxyType(values.get(c.id, {}))),
            )
            for c in page.items
        ]
    return Page(items, page.next_cursor)


# --- rates ----------------------------------------------------------------------------------


def add_rates(
    uow: UnitOfWork,
    clock: Clock,
    rate_card_id: str,
    entries: Sequence[RateEntry],
    *,
    prefix: str = "rates",
) -> RatesView:
    """Add rates, all or nothing; returns them as stored (pricing unit resolved).

    ``prefix`` names the rates in messages (``rates[2].price``); ``""`` for a single rate.
    """
    with uow:
        card = _load(uow, rate_card_id, for_update=True)
        _require_active(card)
        products = product_service.load_many(uow, [entry.product_id for entry in entries])
        accepted = list(uow.rate_cards.entries(card.id))
        stored: list[RateEntry] = []
        for index, entry in enumerate(entries):
            here = f"{prefix}[{index}]" if prefix else ""
            stored.append(_accept(card, entry, products, accepted, here))
            accepted.append(stored[-1])
        uow.rate_cards.add_rates(card.id, stored, clock.now())
        names = credit_type_names(uow, {entry.rate.credit_type_id for entry in stored})
        uow.commit()
    return RatesView(names, tuple(stored))


def get_rates(
    uow: UnitOfWork,
    rate_card_id: str,
    at: datetime,
    selectors: Sequence[RateSelector],
    limit: int,
    cursor: str | None,
) -> RowsView:
    """The rates in force at ``at`` matching any selector, in the card's product order."""
    with uow:
        schedule = load_rate_schedule(uow, rate_card_id)
        rows = [rate for rate in schedule.schedule() if rate.holds(at)]
        return _rows_view(uow, _rows(uow, rate_card_id, rows, selectors, at), limit, cursor)


def get_rate_schedule(
    uow: UnitOfWork,
    clock: Clock,
    rate_card_id: str,
    window: tuple[datetime, datetime | None],
    selectors: Sequence[RateSelector],
    limit: int,
    cursor: str | None,
) -> RowsView:
    """Schedule segments overlapping ``window`` (``[starting_at, ending_before)``)."""
    with uow:
        schedule = load_rate_schedule(uow, rate_card_id)
        rows = [rate for rate in schedule.schedule() if rate.overlaps(*window)]
        found = _rows(uow, rate_card_id, rows, selectors, clock.now())
        return _rows_view(uow, found, limit, cursor)


def move_products(uow: UnitOfWork, rate_card_id: str, moves: Sequence[tuple[str, int]]) -> None:
    """Move each product to ``position`` (0-based) of the card's invoice order, in turn."""
    with uow:
        card = _load(uow, rate_card_id, for_update=True)
        order = uow.rate_cards.product_order(card.id)
        for index, (product_id, position) in enumerate(moves):
            if product_id not in order:
                raise DomainValidationError(
                    f"product_moves[{index}].product_id: {product_id!r} has no rate on this card"
                )
            order.remove(product_id)
            order.insert(max(0, min(position, len(order))), product_id)
        uow.rate_cards.set_product_order(card.id, order)
        uow.commit()


def set_products_order(uow: UnitOfWork, rate_card_id: str, product_order: Sequence[str]) -> None:
    """Put the listed products first, in that order; unlisted ones follow in their order."""
    with uow:
        card = _load(uow, rate_card_id, for_update=True)
        order = uow.rate_cards.product_order(card.id)
        for index, product_id in enumerate(product_order):
            if product_id not in order:
                raise DomainValidationError(
                    f"product_order[{index}]: {product_id!r} has no rate on this card"
                )
        if len(set(product_order)) != len(product_order):
            raise DomainValidationError("product_order: lists a product more than once")
        rest = [product_id for product_id in order if product_id not in set(product_order)]
        uow.rate_cards.set_product_order(card.id, [*product_order, *rest])
        uow.commit()


# --- for other areas (inside an open unit of work) ------------------------------------------


def resolve_alias(uow: UnitOfWork, alias: str, at: datetime) -> str:
    """The id of the rate card holding ``alias`` at ``at`` (decisions.md §10).

    No holder at ``at`` is a ``DomainValidationError`` naming the alias and the instant. The
    holder may be archived: callers provisioning new contracts check ``is_archived``.
    """
    return resolve_alias_in(uow.rate_cards.alias_assignments([alias]), alias, at)


def load_rate_schedule(uow: UnitOfWork, rate_card_id: str) -> RateCardSchedule:
    """The rate card and every rate on it, as core values; ``NotFound`` when unknown."""
    card = _load(uow, rate_card_id)
    return RateCardSchedule(card=card, entries=uow.rate_cards.entries(rate_card_id))


# --- helpers --------------------------------------------------------------------------------


def _load(uow: UnitOfWork, rate_card_id: str, *, for_update: bool = False) -> RateCard:
    card = uow.rate_cards.get(rate_card_id, for_update=for_update)
    if card is None:
        raise NotFound(f"rate_card_id: no rate card with id {rate_card_id!r}")
    values = uow.custom_fields.values_of(CustomFieldEntity.RATE_CARD, rate_card_id)
    return replace(card, custom_fields=MappingProxyType(values))


def _name(name: str) -> str:
    if not name.strip():
        raise DomainValidationError("name: must not be empty")
    return name


def _require_active(card: RateCard) -> None:
    if card.is_archived:
        raise DomainValidationError(f"rate_card_id: rate card {card.id!r} is archived")


def _check_fiat(uow: UnitOfWork, credit_type_id: str) -> None:
    credit_type = uow.credit_types.get(credit_type_id)
    if credit_type is None or not credit_type.is_currency:
        raise DomainValidationError(
            f"fiat_credit_type_id: {credit_type_id!r} is not a fiat credit type"
        )


def _check_conversions(
    uow: UnitOfWork,
    existing: Sequence[CreditTypeConversion],
    added: Sequence[CreditTypeConversion],
    field_name: str,
) -> None:
    seen = {conversion.custom_credit_type_id for conversion in existing}
    for index, conversion in enumerate(added):
        here = f"{field_name}[{index}]"
        ident = conversion.custom_credit_type_id
        credit_type = uow.credit_types.get(ident)
        if credit_type is None or credit_type.is_currency or credit_type.archived_at is not None:
            raise DomainValidationError(
                f"{here}.custom_credit_type_id: {ident!r} is not an active custom credit type"
            )
        if ident in seen:
            raise DomainValidationError(
                f"{here}.custom_credit_type_id: the card already converts {ident!r}; "
                "existing conversions cannot be modified"
            )
        if conversion.fiat_per_custom_credit <= 0:
            raise DomainValidationError(f"{here}.fiat_per_custom_credit: must be greater than 0")
        seen.add(ident)


def _take_aliases(uow: UnitOfWork, rate_card_id: str, windows: Sequence[AliasWindow]) -> None:
    check_alias_windows(windows)
    names = [window.name for window in windows]
    uow.rate_cards.lock_aliases(names)
    others = [a for a in uow.rate_cards.alias_assignments(names) if a.holder_id != rate_card_id]
    for changed in cut_previous_holders(others, windows):
        uow.rate_cards.set_alias_end(changed, changed.window.ending_before)
    uow.rate_cards.replace_aliases(rate_card_id, windows)


def _accept(
    card: RateCard,
    entry: RateEntry,
    products: Mapping[str, Product],
    accepted: Sequence[RateEntry],
    here: str,
) -> RateEntry:
    product = products.get(entry.product_id)
    if product is None:
        path = f"{here}.product_id" if here else "product_id"
        raise DomainValidationError(f"{path}: no product with id {entry.product_id!r}")
    check_rate_for_product(entry, product, here)
    unit = rate_credit_type(
        entry, card.fiat_credit_type_id, card.credit_type_conversions, accepted, here
    )
    return replace(entry, rate=replace(entry.rate, credit_type_id=unit))


def _rows(
    uow: UnitOfWork,
    rate_card_id: str,
    rates: list[ScheduledRate],
    selectors: Sequence[RateSelector],
    as_of: datetime,
) -> list[RateRow]:
    products = product_service.load_many(uow, sorted({r.entry.product_id for r in rates}))
    states = {ident: product.state_at(as_of) for ident, product in products.items()}
    tags = {ident: frozenset(state.tags) for ident, state in states.items()}
    position = {p: i for i, p in enumerate(uow.rate_cards.product_order(rate_card_id))}
    chosen = sorted(
        select(rates, selectors, tags),
        key=lambda r: position.get(r.entry.product_id, len(position)),
    )
    return [
        RateRow(
            rate=rate,
            product=states[rate.entry.product_id],
            product_custom_fields=products[rate.entry.product_id].custom_fields,
        )
        for rate in chosen
    ]


def credit_type_names(uow: UnitOfWork, ids: set[str | None]) -> dict[str, str]:
    """Names of the pricing units ``ids`` (unknown ids are left out)."""
    names: dict[str, str] = {}
    for ident in sorted(i for i in ids if i is not None):
        credit_type = uow.credit_types.get(ident)
        if credit_type is not None:
            names[ident] = credit_type.name
    return names


def _view(uow: UnitOfWork, rate_card_id: str) -> CardView:
    card = _load(uow, rate_card_id)
    return CardView(_card_names(uow, card), card)


def _rows_view(uow: UnitOfWork, rows: list[RateRow], limit: int, cursor: str | None) -> RowsView:
    page = _page(rows, limit, cursor)
    names = credit_type_names(uow, {row.rate.entry.rate.credit_type_id for row in page.items})
    return RowsView(names, page)


def _card_names(uow: UnitOfWork, card: RateCard) -> dict[str, str]:
    ids: set[str | None] = {card.fiat_credit_type_id}
    ids |= {c.custom_credit_type_id for c in card.credit_type_conversions}
    return credit_type_names(uow, ids)


def _page(rows: list[RateRow], limit: int, cursor: str | None) -> Page[RateRow]:
    """Offset paging over a computed list (a card's schedule is read whole anyway)."""
    start = 0
    if cursor is not None:
        (offset,) = decode_cursor(cursor, 1)
        if not isinstance(offset, int) or offset < 0:
            raise DomainValidationError("next_page: not a cursor this server issued")
        start = offset
    end = start + limit
    return Page(rows[start:end], encode_cursor([end]) if end < len(rows) else None)
