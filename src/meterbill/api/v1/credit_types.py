"""``/v1/credit-types``: the SDK's ``client.v1.pricing_units``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.json import WireResponse
from meterbill.api.paging import cursor_page, page_limit, query_of
from meterbill.api.wire import WireModel
from meterbill.core.credit_types import CreditType
from meterbill.services import credit_types as service

router = APIRouter()


class PricingUnitCreate(WireModel):
    name: str


class PricingUnitArchive(WireModel):
    id: str


class PricingUnitListQuery(WireModel):
    limit: int | None = None
    next_page: str | None = None


def render_credit_type(credit_type: CreditType) -> dict[str, Any]:
    return {"id": credit_type.id, "name": credit_type.name, "is_currency": credit_type.is_currency}


@router.post("/v1/credit-types/create")
def create(
    context: Context, body: Annotated[PricingUnitCreate, Depends(body_of(PricingUnitCreate))]
) -> WireResponse:
    return WireResponse({"data": {"id": service.create(context.uow(), context.clock, body.name)}})


@router.get("/v1/credit-types/list")
def list_pricing_units(
    context: Context,
    query: Annotated[PricingUnitListQuery, Depends(query_of(PricingUnitListQuery))],
) -> WireResponse:
    limit = page_limit(query.limit, default=100)
    page = service.list_page(context.uow(read_only=True), limit, query.next_page)
    return WireResponse(cursor_page(page, render_credit_type))


@router.post("/v1/credit-types/archive")
def archive(
    context: Context, body: Annotated[PricingUnitArchive, Depends(body_of(PricingUnitArchive))]
) -> WireResponse:
    service.archive(context.uow(), context.clock, body.id)
    return WireResponse({"data": {"id": body.id}})
