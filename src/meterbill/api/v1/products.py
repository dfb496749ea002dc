"""``/v1/contract-pricing/products``: named after ``client.v1.contracts.products`` methods."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.errors import BadRequest
from meterbill.api.json import WireResponse
from meterbill.api.paging import cursor_page, page_limit, query_of
from meterbill.api.wire import Instant, Number, Upper, WireModel
from meterbill.core.catalog import Product, ProductState, ProductType, ProductUpdate
from meterbill.core.pricing import ConversionOperation, QuantityConversion, QuantityRounding
from meterbill.core.rounding import RoundingMethod
from meterbill.services import products as service

router = APIRouter()

_PREFIX = "/v1/contract-pricing/products"


class QuantityConversionWire(WireModel):
    conversion_factor: Number
    operation: Annotated[Literal["MULTIPLY", "DIVIDE"], Upper]
    name: str | None = None


class QuantityRoundingWire(WireModel):
    decimal_places: Number
    rounding_method: Annotated[Literal["ROUND_UP", "ROUND_DOWN", "ROUND_HALF_UP"], Upper]


class ProductFields(WireModel):
    """Fields shared by create and update (``ProductState`` names)."""

    billable_metric_id: str | None = None
    composite_product_ids: list[str] | None = None
    composite_tags: list[str] | None = None
    exclude_free_usage: bool | None = None
    include_composite_spend: bool | None = None
    is_refundable: bool | None = None
    netsuite_internal_item_id: str | None = None
    netsuite_overage_item_id: str | None = None
    presentation_group_key: list[str] | None = None
    pricing_group_key: list[str] | None = None
    quantity_conversion: QuantityConversionWire | None = None
    quantity_rounding: QuantityRoundingWire | None = None
    sql_breakdown_granularity: Annotated[Literal["HOUR", "SERVICE_PERIOD"], Upper] | None = None
    tags: list[str] | None = None


class ProductCreateBody(ProductFields):
    name: str
    type: Annotated[
        Literal[
            "FIXED", "USAGE", "COMPOSITE", "SUBSCRIPTION", "PROFESSIONAL_SERVICE", "PRO_SERVICE"
        ],
        Upper,
    ]
    custom_fields: dict[str, str] = Field(default_factory=dict)


class ProductUpdateBody(ProductFields):
    product_id: str
    starting_at: Instant
    name: str | None = None


class ProductIdBody(WireModel):
    id: str


class ProductArchiveBody(WireModel):
    product_id: str


class ProductListBody(WireModel):
    archive_filter: Annotated[Literal["ARCHIVED", "NOT_ARCHIVED", "ALL"], Upper] = "NOT_ARCHIVED"


class PageQuery(WireModel):
    limit: int | None = None
    next_page: str | None = None


_DEFAULTS = {f.name: f.default for f in fields(ProductState)}
_NOT_STATE = frozenset({"name", "type", "custom_fields", "product_id", "starting_at"})


def _state_fields(body: ProductFields, *, keep_nulls: bool) -> dict[str, Any]:
    """The fields the body gives, as core values. An explicit ``null`` resets a field to its
    default on update (``keep_nulls``) and is ignored on create.
    """
    found: dict[str, Any] = {}
    for name in sorted(body.model_fields_set - _NOT_STATE):
        value = getattr(body, name)
        if value is None:
            if keep_nulls:
                found[name] = _DEFAULTS[name]
            continue
        found[name] = _core_value(value)
    return found


def _core_value(value: Any) -> Any:
    if isinstance(value, QuantityConversionWire):
        return QuantityConversion(
            conversion_factor=value.conversion_factor,
            operation=ConversionOperation(value.operation),
            name=value.name,
        )
    if isinstance(value, QuantityRoundingWire):
        places = value.decimal_places
        if places != places.to_integral_value():
            raise BadRequest("quantity_rounding.decimal_places: must be a whole number")
        return QuantityRounding(int(places), RoundingMethod(value.rounding_method))
    if isinstance(value, list):
        return tuple(value)
    return value


def _render_value(value: Any) -> Any:
    if isinstance(value, QuantityConversion):
        return {
            "conversion_factor": value.conversion_factor,
            "operation": value.operation.value,
            "name": value.name,
        }
    if isinstance(value, QuantityRounding):
        return {
            "decimal_places": Decimal(value.decimal_places),
            "rounding_method": value.rounding_method.value,
        }
    if isinstance(value, tuple):
        return list(value)
    return value


def render_state(state: ProductState) -> dict[str, Any]:
    """The SDK's ``ProductListItemState``."""
    return {f.name: _render_value(getattr(state, f.name)) for f in fields(ProductState)}


def _render_update(update: ProductUpdate) -> dict[str, Any]:
    """An entry of ``updates[]``: when, by whom, and only the fields it changes."""
    return {
        "created_at": update.created_at,
        "created_by": update.created_by,
        "starting_at": update.starting_at,
        **{name: _render_value(value) for name, value in update.changes.items()},
    }


def render_product(product: Product, now: datetime) -> dict[str, Any]:
    """The SDK's product (``ProductListResponse``); ``current`` is the state in force at now."""
    return {
        "id": product.id,
        "type": product.type.value,
        "initial": render_state(product.initial),
        "current": render_state(product.state_at(now)),
        "updates": [_render_update(update) for update in product.updates],
        "archived_at": product.archived_at,
        "custom_fields": dict(product.custom_fields),
    }


@router.post(f"{_PREFIX}/create")
def create(
    context: Context, body: Annotated[ProductCreateBody, Depends(body_of(ProductCreateBody))]
) -> WireResponse:
    command = service.CreateProduct(
        name=body.name,
        type=ProductType.parse(body.type),
        fields=_state_fields(body, keep_nulls=False),
        custom_fields=body.custom_fields,
    )
    product = service.create(context.uow(), context.clock, command)
    return WireResponse({"data": {"id": product.id}})


@router.post(f"{_PREFIX}/get")
def retrieve(
    context: Context, body: Annotated[ProductIdBody, Depends(body_of(ProductIdBody))]
) -> WireResponse:
    product = service.get(context.uow(read_only=True), body.id)
    return WireResponse({"data": render_product(product, context.clock.now())})


@router.post(f"{_PREFIX}/update")
def update(
    context: Context, body: Annotated[ProductUpdateBody, Depends(body_of(ProductUpdateBody))]
) -> WireResponse:
    changes = _state_fields(body, keep_nulls=True)
    if "name" in body.model_fields_set:
        if body.name is None:
            raise BadRequest("name: must not be null")
        changes["name"] = body.name
    command = service.UpdateProduct(
        product_id=body.product_id, starting_at=body.starting_at, changes=changes
    )
    service.update(context.uow(), context.clock, command)
    return WireResponse({"data": {"id": body.product_id}})


@router.post(f"{_PREFIX}/list")
def list_products(
    context: Context,
    query: Annotated[PageQuery, Depends(query_of(PageQuery))],
    body: Annotated[ProductListBody, Depends(body_of(ProductListBody, allow_empty=True))],
) -> WireResponse:
    limit = page_limit(query.limit, default=100)
    page = service.list_page(
        context.uow(read_only=True), body.archive_filter, limit, query.next_page
    )
    now = context.clock.now()
    return WireResponse(cursor_page(page, lambda product: render_product(product, now)))


@router.post(f"{_PREFIX}/archive")
def archive(
    context: Context, body: Annotated[ProductArchiveBody, Depends(body_of(ProductArchiveBody))]
) -> WireResponse:
    service.archive(context.uow(), context.clock, body.product_id)
    return WireResponse({"data": {"id": body.product_id}})
