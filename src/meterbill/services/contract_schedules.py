"""Schedules read off a contract: subscription quantity history, the contract's rate schedule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from meterbill.clock import Clock
from meterbill.core.catalog import Product, RateCardSchedule, RateSelector, ScheduledRate, select
from meterbill.core.contracts.terms import Contract, Override
from meterbill.core.errors import DomainValidationError, NotFound
from meterbill.core.pricing import OverrideType, Prioritization, Usage
from meterbill.core.pricing.overrides.matching import targets
from meterbill.core.pricing.overrides.resolve import is_entitled
from meterbill.core.pricing.schedule import rate_in_force
from meterbill.core.pricing.values import Rate, Tier
from meterbill.services import contracts as contract_service
from meterbill.services import products as product_service
from meterbill.services import rate_cards as rate_card_service
from meterbill.storage.pagination import Page, decode_cursor, encode_cursor
from meterbill.storage.uow import UnitOfWork

__all__ = ["QuantityHistory", "RateRow", "quantity_history", "rate_schedule"]


@dataclass(frozen=True, slots=True)
class QuantityPoint:
    starting_at: datetime
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class QuantityHistory:
    subscription_id: str
    fiat_credit_type_id: str | None
    custom_credit_type_id: str | None
    entries: tuple[QuantityPoint, ...]


def quantity_history(
    uow: UnitOfWork, clock: Clock, customer_id: str, contract_id: str, subscription_id: str
) -> QuantityHistory:
    """Every quantity the subscription has had up to now, with the unit price in force then
    (the rate card's subscription rate; ``docs/decisions/contracts-quantity-history.md``)."""
    now = clock.now()
    with uow:
        contract = contract_service.get_in(uow, customer_id, contract_id)
        subscription = next((s for s in contract.subscriptions if s.id == subscription_id), None)
        if subscription is None:
            raise NotFound(f"subscription_id: no subscription {subscription_id!r} on this contract")
        entries = []
        unit = None
        entries_in_force = [e for e in subscription.quantity_schedule if e.starting_at <= now]
        card = _card(uow, contract)
        for entry in entries_in_force:
            rate = None
            if card is not None:
                rate = rate_in_force(
                    card.entries,
                    subscription.product_id,
                    entry.starting_at,
                    billing_frequency=subscription.billing_frequency,
                )
            price = rate.rate.price if rate is not None and rate.rate.price is not None else None
            unit = rate.rate.credit_type_id if rate is not None else unit
            entries.append(QuantityPoint(entry.starting_at, entry.quantity, price or Decimal(0)))
        credit_type = uow.credit_types.get(unit) if unit is not None else None
    fiat = unit if credit_type is not None and credit_type.is_currency else None
    custom = unit if unit is not None and fiat is None else None
    return QuantityHistory(subscription_id, fiat, custom, tuple(entries))


def _card(uow: UnitOfWork, contract: Contract) -> RateCardSchedule | None:
    if contract.rate_card_id is None:
        return None
    return rate_card_service.load_rate_schedule(uow, contract.rate_card_id)


@dataclass(frozen=True, slots=True)
class RateRow:
    """One row of ``getContractRateSchedule``."""

    rate: ScheduledRate
    rate_card_id: str
    entitled: bool
    override_rate: Rate | None
    product_name: str
    product_tags: tuple[str, ...]
    product_custom_fields: Mapping[str, str]
    credit_type_names: Mapping[str, str]


def rate_schedule(
    uow: UnitOfWork,
    customer_id: str,
    contract_id: str,
    at: datetime,
    selectors: Sequence[RateSelector],
    limit: int,
    cursor: str | None,
) -> Page[RateRow]:
    """The rate card's rates in force at ``at`` matching any selector, with the contract's
    overrides in force then (``override_rate``, ``entitled``)."""
    with uow:
        contract = contract_service.get_in(uow, customer_id, contract_id)
        card = _card(uow, contract)
        if card is None:
            return Page([], None)
        rates = [rate for rate in card.schedule() if rate.holds(at)]
        products = product_service.load_many(uow, sorted({r.entry.product_id for r in rates}))
        tags = {i: frozenset(p.state_at(at).tags) for i, p in products.items()}
        chosen = select(rates, selectors, tags)
        page = _page(chosen, limit, cursor)
        units = {r.entry.rate.credit_type_id for r in page.items}
        names = rate_card_service.credit_type_names(uow, units)
        rows = [_row(contract, card.card.id, rate, products, at, names) for rate in page.items]
    return Page(rows, page.next_cursor)


def _row(
    contract: Contract,
    card_id: str,
    rate: ScheduledRate,
    products: Mapping[str, Product],
    at: datetime,
    names: Mapping[str, str],
) -> RateRow:
    entry = rate.entry
    product = products[entry.product_id]
    state = product.state_at(at)
    usage = Usage(
        product_id=entry.product_id,
        at=at,
        product_tags=frozenset(state.tags),
        pricing_group_values=dict(entry.pricing_group_values),
        billing_frequency=entry.billing_frequency,
    )
    in_force = [o for o in contract.overrides if o.holds(at) and not o.is_commit_specific]
    return RateRow(
        rate=rate,
        rate_card_id=card_id,
        entitled=is_entitled(entry, in_force, usage),
        override_rate=_override_rate(entry.rate, in_force, usage, contract),
        product_name=state.name,
        product_tags=tuple(state.tags),
        product_custom_fields=product.custom_fields,
        credit_type_names=names,
    )


def _override_rate(
    rate: Rate, overrides: Sequence[Override], usage: Usage, contract: Contract
) -> Rate | None:
    """The overwrite that wins, else the rate scaled by the winning multiplier, else None.

    TIERED overrides depend on the quantity already billed, so they are not shown here.
    """
    matching = [o for o in overrides if targets(o, usage)]
    overwrites = [o for o in matching if o.type is OverrideType.OVERWRITE and o.overwrite_rate]
    if overwrites:
        chosen = overwrites[-1].overwrite_rate
        assert chosen is not None
        return replace(chosen, credit_type_id=chosen.credit_type_id or rate.credit_type_id)
    multipliers = [
        o for o in matching if o.type is OverrideType.MULTIPLIER and o.multiplier is not None
    ]
    if not multipliers:
        return None
    if contract.multiplier_override_prioritization is Prioritization.EXPLICIT:
        best = min(multipliers, key=lambda o: o.priority or Decimal("Infinity"))
    else:
        best = min(multipliers, key=lambda o: o.multiplier or Decimal(0))
    factor = best.multiplier
    assert factor is not None
    return replace(
        rate,
        price=rate.price * factor if rate.price is not None else None,
        tiers=tuple(Tier(t.price * factor, t.size) for t in rate.tiers),
    )


def _page(rows: list[ScheduledRate], limit: int, cursor: str | None) -> Page[ScheduledRate]:
    start = 0
    if cursor is not None:
        (offset,) = decode_cursor(cursor, 1)
        if not isinstance(offset, int) or offset < 0:
            raise DomainValidationError("next_page: not a cursor this server issued")
        start = offset
    end = start + limit
    return Page(rows[start:end], encode_cursor([end]) if end < len(rows) else None)
