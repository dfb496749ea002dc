"""``/v1/contract-pricing/rate-cards``: ``client.v1.contracts.rate_cards`` and its ``rates`` and
``product_orders`` sub-resources.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.errors import BadRequest
from meterbill.api.json import WireResponse, format_decimal
from meterbill.api.paging import cursor_page, page_limit, query_of
from meterbill.api.wire import Instant, Number, Upper, WireModel
from meterbill.core.catalog import AliasWindow, CreditTypeConversion, RateCard, RateSelector
from meterbill.core.pricing import BillingFrequency, CommitRate, Rate, RateEntry, RateType, Tier
from meterbill.services import rate_cards as service

router = APIRouter()

_PREFIX = "/v1/contract-pricing/rate-cards"

RateTypeWire = Annotated[
    Literal["FLAT", "PERCENTAGE", "SUBSCRIPTION", "TIERED", "TIERED_PERCENTAGE", "CUSTOM"], Upper
]
FrequencyWire = Annotated[Literal["MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY"], Upper]


class AliasWire(WireModel):
    name: str
    starting_at: Instant | None = None
    ending_before: Instant | None = None


class ConversionWire(WireModel):
    custom_credit_type_id: str
    fiat_per_custom_credit: Number


class RateCardCreateBody(WireModel):
    name: str
    aliases: list[AliasWire] = Field(default_factory=list)
    credit_type_conversions: list[ConversionWire] = Field(default_factory=list)
    custom_fields: dict[str, str] = Field(default_factory=dict)
    description: str | None = None
    fiat_credit_type_id: str | None = None


class RateCardUpdateBody(WireModel):
    rate_card_id: str
    add_credit_type_conversions: list[ConversionWire] = Field(default_factory=list)
    aliases: list[AliasWire] | None = None
    description: str | None = None
    name: str | None = None


class RateCardIdBody(WireModel):
    id: str


class TierWire(WireModel):
    price: Number
    size: Number | None = None


class CommitRateWire(WireModel):
    rate_type: RateTypeWire
    price: Number | None = None
    tiers: list[TierWire] | None = None


class RateWire(WireModel):
    """A rate as ``addRates`` carries it (``addRate`` adds ``rate_card_id``)."""

    entitled: bool
    product_id: str
    rate_type: RateTypeWire
    starting_at: Instant
    billing_frequency: FrequencyWire | None = None
    commit_rate: CommitRateWire | None = None
    credit_type_id: str | None = None
    custom_rate: dict[str, Any] | None = None
    ending_before: Instant | None = None
    is_prorated: bool | None = None
    price: Number | None = None
    pricing_group_values: dict[str, str] | None = None
    quantity: Number | None = None
    tiers: list[TierWire] | None = None


class RateAddBody(RateWire):
    rate_card_id: str


class RateAddManyBody(WireModel):
    rate_card_id: str
    rates: Annotated[list[RateWire], Field(min_length=1)]


class SelectorWire(WireModel):
    billing_frequency: FrequencyWire | None = None
    partial_pricing_group_values: dict[str, str] | None = None
    pricing_group_values: dict[str, str] | None = None
    product_id: str | None = None
    product_tags: list[str] | None = None


class GetRatesBody(WireModel):
    at: Instant
    rate_card_id: str
    selectors: list[SelectorWire] = Field(default_factory=list)


class GetRateScheduleBody(WireModel):
    rate_card_id: str
    starting_at: Instant
    ending_before: Instant | None = None
    selectors: list[SelectorWire] = Field(default_factory=list)


class ListBody(WireModel):
    """``rate_cards.list`` sends an arbitrary ``body``; meterbill has no filters for it."""


class PageQuery(WireModel):
    limit: int | None = None
    next_page: str | None = None


class ProductMoveWire(WireModel):
    position: Number
    product_id: str


class MoveProductsBody(WireModel):
    product_moves: list[ProductMoveWire]
    rate_card_id: str


class SetProductsOrderBody(WireModel):
    product_order: list[str]
    rate_card_id: str


# --- wire -> core ---------------------------------------------------------------------------


def _tiers(tiers: list[TierWire] | None) -> tuple[Tier, ...]:
    return tuple(Tier(price=tier.price, size=tier.size) for tier in tiers or ())


def _entry(rate: RateWire, prefix: str) -> RateEntry:
    here = (prefix + ".") if prefix else ""
    if rate.rate_type == "CUSTOM" or rate.custom_rate is not None:
        field = "rate_type" if rate.rate_type == "CUSTOM" else "custom_rate"
        raise BadRequest(f"{here}{field}: CUSTOM rates are not supported")
    commit = rate.commit_rate
    return RateEntry(
        product_id=rate.product_id,
        starting_at=rate.starting_at,
        ending_before=rate.ending_before,
        entitled=rate.entitled,
        rate=Rate(
            rate_type=RateType(rate.rate_type),
            price=rate.price,
            tiers=_tiers(rate.tiers),
            is_prorated=rate.is_prorated,
            quantity=rate.quantity,
            credit_type_id=rate.credit_type_id,
        ),
        pricing_group_values=rate.pricing_group_values or {},
        billing_frequency=BillingFrequency(rate.billing_frequency)
        if rate.billing_frequency
        else None,
        commit_rate=CommitRate(
            rate_type=RateType(commit.rate_type), price=commit.price, tiers=_tiers(commit.tiers)
        )
        if commit is not None
        else None,
    )


def _aliases(aliases: list[AliasWire]) -> tuple[AliasWindow, ...]:
    return tuple(AliasWindow(a.name, a.starting_at, a.ending_before) for a in aliases)


def _conversions(conversions: list[ConversionWire]) -> tuple[CreditTypeConversion, ...]:
    return tuple(
        CreditTypeConversion(c.custom_credit_type_id, c.fiat_per_custom_credit) for c in conversions
    )


def _selectors(selectors: list[SelectorWire]) -> tuple[RateSelector, ...]:
    return tuple(
        RateSelector(
            product_id=s.product_id,
            product_tags=tuple(s.product_tags) if s.product_tags is not None else None,
            pricing_group_values=s.pricing_group_values,
            partial_pricing_group_values=s.partial_pricing_group_values,
            billing_frequency=BillingFrequency(s.billing_frequency)
            if s.billing_frequency
            else None,
        )
        for s in selectors
    )


# --- core -> wire ---------------------------------------------------------------------------


def _credit_type(ident: str | None, names: Mapping[str, str]) -> dict[str, str] | None:
    return None if ident is None else {"id": ident, "name": names.get(ident, ident)}


def _render_tiers(tiers: tuple[Tier, ...]) -> list[dict[str, Any]]:
    return [
        {"price": tier.price, **({"size": tier.size} if tier.size is not None else {})}
        for tier in tiers
    ]


def _without_nulls(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def render_rate(entry: RateEntry, names: Mapping[str, str]) -> dict[str, Any]:
    """The SDK's shared ``Rate``."""
    rate = entry.rate
    return _without_nulls(
        {
            "rate_type": rate.rate_type.value,
            "price": rate.price,
            "tiers": _render_tiers(rate.tiers) if rate.tiers else None,
            "is_prorated": rate.is_prorated,
            "quantity": rate.quantity,
            "credit_type": _credit_type(rate.credit_type_id, names),
            "pricing_group_values": dict(entry.pricing_group_values) or None,
        }
    )


def _render_commit_rate(commit: CommitRate | None) -> dict[str, Any] | None:
    if commit is None:
        return None
    return _without_nulls(
        {
            "rate_type": commit.rate_type.value,
            "price": commit.price,
            "tiers": _render_tiers(commit.tiers) if commit.tiers else None,
        }
    )


def _render_row(row: service.RateRow, names: Mapping[str, str]) -> dict[str, Any]:
    """The SDK's ``RateListResponse`` (and ``getRateSchedule``'s ``Data``)."""
    entry = row.rate.entry
    return {
        "entitled": entry.entitled,
        "product_id": entry.product_id,
        "product_name": row.product.name,
        "product_tags": list(row.product.tags),
        "product_custom_fields": dict(row.product_custom_fields),
        "rate": render_rate(entry, names),
        "starting_at": row.rate.starting_at,
        "ending_before": row.rate.ending_before,
        "billing_frequency": entry.billing_frequency.value if entry.billing_frequency else None,
        "commit_rate": _render_commit_rate(entry.commit_rate),
        "pricing_group_values": dict(entry.pricing_group_values) or None,
    }


def render_rate_card(card: RateCard, names: Mapping[str, str]) -> dict[str, Any]:
    """The SDK's rate card (``RateCardRetrieveResponse.Data``)."""
    return {
        "id": card.id,
        "created_at": card.created_at,
        "created_by": card.created_by,
        "name": card.name,
        "description": card.description,
        "aliases": [
            {"name": a.name, "starting_at": a.starting_at, "ending_before": a.ending_before}
            for a in card.aliases
        ],
        "credit_type_conversions": [
            {
                "custom_credit_type": _credit_type(c.custom_credit_type_id, names),
                # NOTE: a string in Metronome's response type, unlike every other amount.
                "fiat_per_custom_credit": format_decimal(c.fiat_per_custom_credit),
            }
            for c in card.credit_type_conversions
        ],
        "custom_fields": dict(card.custom_fields),
        "fiat_credit_type": _credit_type(card.fiat_credit_type_id, names),
    }


# --- handlers -------------------------------------------------------------------------------


@router.post(f"{_PREFIX}/create")
def create(
    context: Context, body: Annotated[RateCardCreateBody, Depends(body_of(RateCardCreateBody))]
) -> WireResponse:
    command = service.CreateRateCard(
        name=body.name,
        description=body.description,
        aliases=_aliases(body.aliases),
        credit_type_conversions=_conversions(body.credit_type_conversions),
        fiat_credit_type_id=body.fiat_credit_type_id,
        custom_fields=body.custom_fields,
    )
    view = service.create(context.uow(), context.clock, command)
    return WireResponse({"data": {"id": view.card.id}})


@router.post(f"{_PREFIX}/get")
def retrieve(
    context: Context, body: Annotated[RateCardIdBody, Depends(body_of(RateCardIdBody))]
) -> WireResponse:
    view = service.get(context.uow(read_only=True), body.id)
    return WireResponse({"data": render_rate_card(view.card, view.credit_type_names)})


@router.post(f"{_PREFIX}/update")
def update(
    context: Context, body: Annotated[RateCardUpdateBody, Depends(body_of(RateCardUpdateBody))]
) -> WireResponse:
    command = service.UpdateRateCard(
        rate_card_id=body.rate_card_id,
        name=body.name,
        description=body.description,
        aliases=_aliases(body.aliases) if body.aliases is not None else None,
        add_credit_type_conversions=_conversions(body.add_credit_type_conversions),
    )
    service.update(context.uow(), command)
    return WireResponse({"data": {"id": body.rate_card_id}})


@router.post(f"{_PREFIX}/list")
def list_rate_cards(
    context: Context,
    query: Annotated[PageQuery, Depends(query_of(PageQuery))],
    _body: Annotated[ListBody, Depends(body_of(ListBody, allow_empty=True))],
) -> WireResponse:
    limit = page_limit(query.limit, default=100)
    page = service.list_page(context.uow(read_only=True), limit, query.next_page)
    return WireResponse(
        cursor_page(page, lambda view: render_rate_card(view.card, view.credit_type_names))
    )


@router.post(f"{_PREFIX}/archive")
def archive(
    context: Context, body: Annotated[RateCardIdBody, Depends(body_of(RateCardIdBody))]
) -> WireResponse:
    service.archive(context.uow(), context.clock, body.id)
    return WireResponse({"data": {"id": body.id}})


@router.post(f"{_PREFIX}/addRate")
def add_rate(
    context: Context, body: Annotated[RateAddBody, Depends(body_of(RateAddBody))]
) -> WireResponse:
    entry = _entry(body, "")
    view = service.add_rates(context.uow(), context.clock, body.rate_card_id, [entry], prefix="")
    (stored,) = view.entries
    return WireResponse(
        {
            "data": {
                **render_rate(stored, view.credit_type_names),
                **_without_nulls({"commit_rate": _render_commit_rate(stored.commit_rate)}),
            }
        }
    )


@router.post(f"{_PREFIX}/addRates")
def add_rates(
    context: Context, body: Annotated[RateAddManyBody, Depends(body_of(RateAddManyBody))]
) -> WireResponse:
    entries = [_entry(rate, f"rates[{index}]") for index, rate in enumerate(body.rates)]
    service.add_rates(context.uow(), context.clock, body.rate_card_id, entries)
    return WireResponse({"data": {"id": body.rate_card_id}})


@router.post(f"{_PREFIX}/getRates")
def get_rates(
    context: Context,
    query: Annotated[PageQuery, Depends(query_of(PageQuery))],
    body: Annotated[GetRatesBody, Depends(body_of(GetRatesBody))],
) -> WireResponse:
    limit = page_limit(query.limit, default=100)
    view = service.get_rates(
        context.uow(read_only=True),
        body.rate_card_id,
        body.at,
        _selectors(body.selectors),
        limit,
        query.next_page,
    )
    return WireResponse(cursor_page(view.page, lambda r: _render_row(r, view.credit_type_names)))


@router.post(f"{_PREFIX}/getRateSchedule")
def retrieve_rate_schedule(
    context: Context,
    query: Annotated[PageQuery, Depends(query_of(PageQuery))],
    body: Annotated[GetRateScheduleBody, Depends(body_of(GetRateScheduleBody))],
) -> WireResponse:
    if body.ending_before is not None and body.ending_before <= body.starting_at:
        raise BadRequest("ending_before: must be after starting_at")
    limit = page_limit(query.limit, default=100)
    view = service.get_rate_schedule(
        context.uow(read_only=True),
        context.clock,
        body.rate_card_id,
        (body.starting_at, body.ending_before),
        _selectors(body.selectors),
        limit,
        query.next_page,
    )
    return WireResponse(cursor_page(view.page, lambda r: _render_row(r, view.credit_type_names)))


@router.post(f"{_PREFIX}/moveRateCardProducts")
def move_rate_card_products(
    context: Context, body: Annotated[MoveProductsBody, Depends(body_of(MoveProductsBody))]
) -> WireResponse:
    moves = []
    for index, move in enumerate(body.product_moves):
        if move.position != move.position.to_integral_value() or move.position < 0:
            raise BadRequest(f"product_moves[{index}].position: must be a whole number >= 0")
        moves.append((move.product_id, int(move.position)))
    service.move_products(context.uow(), body.rate_card_id, moves)
    return WireResponse({"data": {"id": body.rate_card_id}})


@router.post(f"{_PREFIX}/setRateCardProductsOrder")
def set_rate_card_products_order(
    context: Context,
    body: Annotated[SetProductsOrderBody, Depends(body_of(SetProductsOrderBody))],
) -> WireResponse:
    service.set_products_order(context.uow(), body.rate_card_id, body.product_order)
    return WireResponse({"data": {"id": body.rate_card_id}})
