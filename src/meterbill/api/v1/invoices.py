"""Customer invoices and ``/v1/invoices``: named after the SDK's ``client.v1.customers.invoices``
and ``client.v1.invoices`` methods. Renders the SDK's ``Invoice`` and ``LineItem``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.json import WireResponse
from meterbill.api.paging import page_limit, query_of
from meterbill.api.wire import Instant, Upper, WireModel
from meterbill.core.invoicing import Invoice, InvoiceStatus, InvoiceType, LineItem
from meterbill.services import invoices as service

router = APIRouter()

Status = Annotated[Literal["DRAFT", "FINALIZED", "VOID"], Upper]


class InvoiceListQuery(WireModel):
    contract_id: str | None = None
    credit_type_id: str | None = None
    ending_before: Instant | None = None
    include_historical_commit_invoices: bool = False
    limit: int | None = None
    next_page: str | None = None
    skip_zero_qty_line_items: bool = False
    sort: Literal["date_asc", "date_desc"] = "date_asc"
    starting_on: Instant | None = None
    status: Status | None = None
    type: Annotated[Literal["USAGE", "USAGE_CONSOLIDATED", "SCHEDULED"], Upper] | None = None
    webhook_notification_id: str | None = None


class InvoiceRetrieveQuery(WireModel):
    skip_zero_qty_line_items: bool = False


class BreakdownQuery(WireModel):
    starting_on: Instant
    ending_before: Instant
    credit_type_id: str | None = None
    limit: int | None = None
    next_page: str | None = None
    skip_zero_qty_line_items: bool = False
    sort: Literal["date_asc", "date_desc"] = "date_asc"
    status: Status | None = None
    window_size: Annotated[Literal["HOUR", "DAY"], Upper] = "DAY"


class InvoiceId(WireModel):
    id: str


# --- rendering ----------------------------------------------------------------------------------


def _credit_type(ident: str, names: Mapping[str, str]) -> dict[str, str]:
    return {"id": ident, "name": names.get(ident, ident)}


def render_line(line: LineItem, names: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "credit_type": _credit_type(line.credit_type_id, names),
        "name": line.name,
        "total": line.total,
        "type": line.type.value,
    }
    optional: dict[str, Any] = {
        "product_id": line.product_id,
        "product_type": line.product_type,
        "product_tags": list(line.product_tags) if line.product_tags else None,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "starting_at": line.starting_at,
        "ending_before": line.ending_before,
        "pricing_group_values": _mapping(line.pricing_group_values),
        "presentation_group_values": _mapping(line.presentation_group_values),
        "subscription_id": line.subscription_id,
        "is_prorated": line.is_prorated,
        "scheduled_charge_id": line.scheduled_charge_id,
        "commit_id": line.commit_id,
        "commit_type": line.commit_type,
        "commit_segment_id": line.commit_segment_id,
        "product_custom_fields": _mapping(line.product_custom_fields),
    }
    if line.tier is not None:
        tier = line.tier
        optional["tier"] = {
            "level": tier.level,
            "starting_at": format(tier.starting_at, "f"),
            "size": None if tier.size is None else format(tier.size, "f"),
        }
    if line.applied_commit_or_credit is not None:
        applied = line.applied_commit_or_credit
        optional["applied_commit_or_credit"] = {
            "id": applied.id,
            "type": applied.type,
            "access_type": applied.access_type,
        }
    custom_key = {
        "subscription": "subscription_custom_fields",
        "scheduled": "scheduled_charge_custom_fields",
        "commit_purchase": "commit_custom_fields",
        "applied_commit_or_credit": "commit_custom_fields",
    }.get(line.type.value)
    if custom_key is not None:
        optional[custom_key] = _mapping(line.custom_fields)
    out.update({key: value for key, value in optional.items() if value is not None})
    return out


def _mapping(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return dict(values) if values else None


def render_invoice(
    invoice: Invoice, names: Mapping[str, str], *, skip_zero_qty: bool = False
) -> dict[str, Any]:
    """The SDK's ``Invoice``."""
    lines = [
        line
        for line in invoice.line_items
        if not (skip_zero_qty and line.quantity is not None and line.quantity == 0)
    ]
    out: dict[str, Any] = {
        "id": invoice.id,
        "credit_type": _credit_type(invoice.credit_type_id, names),
        "customer_id": invoice.customer_id,
        "contract_id": invoice.contract_id,
        "line_items": [render_line(line, names) for line in lines],
        "status": invoice.status.value,
        "total": invoice.total,
        "subtotal": invoice.subtotal,
        "type": invoice.type.value,
        "issued_at": invoice.issued_at,
        "custom_fields": dict(invoice.custom_fields),
        "contract_custom_fields": dict(invoice.contract_custom_fields),
        "billable_status": "billable",
    }
    if invoice.type is InvoiceType.USAGE:
        out["start_timestamp"] = invoice.key.starting_at
        out["end_timestamp"] = invoice.key.ending_before
    if invoice.net_payment_terms_days is not None:
        out["net_payment_terms_days"] = invoice.net_payment_terms_days
    if invoice.due_at is not None:
        out["due_date"] = invoice.due_at
    if invoice.regenerated_from_invoice_id is not None:
        out["regenerated_from_invoice_id"] = invoice.regenerated_from_invoice_id
    return out


def _names(context: Any, invoices: Sequence[Invoice]) -> dict[str, str]:
    return service.credit_type_names(context.uow(read_only=True), invoices)


# --- handlers -------------------------------------------------------------------------------------


@router.get("/v1/customers/{customer_id}/invoices/breakdowns")
def list_breakdowns(
    context: Context,
    customer_id: str,
    query: Annotated[BreakdownQuery, Depends(query_of(BreakdownQuery))],
) -> WireResponse:
    size = timedelta(days=1) if query.window_size == "DAY" else timedelta(hours=1)
    command = service.ListBreakdowns(
        customer_id=customer_id,
        starting_on=query.starting_on,
        ending_before=query.ending_before,
        window=size,
        credit_type_id=query.credit_type_id,
        status=None if query.status is None else InvoiceStatus(query.status),
        descending=query.sort == "date_desc",
    )
    found = service.breakdowns(context.uow(read_only=True), context.clock, command)
    limit = page_limit(query.limit, default=100, maximum=1000)
    offset = _offset(query.next_page)
    items = found[offset : offset + limit]
    names = _names(context, [b.invoice for b in items])
    data = [
        {
            **render_invoice(b.invoice, names, skip_zero_qty=query.skip_zero_qty_line_items),
            "breakdown_start_timestamp": b.starting_at,
            "breakdown_end_timestamp": b.ending_before,
        }
        for b in items
    ]
    more = offset + limit < len(found)
    return WireResponse({"data": data, "next_page": str(offset + limit) if more else None})


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        from meterbill.core.errors import DomainValidationError

        raise DomainValidationError("next_page: not a cursor this server issued")
    return int(cursor)


@router.get("/v1/customers/{customer_id}/invoices/{invoice_id}")
def retrieve(
    context: Context,
    customer_id: str,
    invoice_id: str,
    query: Annotated[InvoiceRetrieveQuery, Depends(query_of(InvoiceRetrieveQuery))],
) -> WireResponse:
    invoice = service.get(context.uow(read_only=True), context.clock, customer_id, invoice_id)
    names = _names(context, [invoice])
    rendered = render_invoice(invoice, names, skip_zero_qty=query.skip_zero_qty_line_items)
    return WireResponse({"data": rendered})


@router.get("/v1/customers/{customer_id}/invoices")
def list_invoices(
    context: Context,
    customer_id: str,
    query: Annotated[InvoiceListQuery, Depends(query_of(InvoiceListQuery))],
) -> WireResponse:
    if query.type == "USAGE_CONSOLIDATED":
        return WireResponse({"data": [], "next_page": None})
    command = service.ListInvoices(
        customer_id=customer_id,
        contract_id=query.contract_id,
        credit_type_id=query.credit_type_id,
        status=None if query.status is None else InvoiceStatus(query.status),
        type=None if query.type is None else InvoiceType(query.type),
        starting_on=query.starting_on,
        ending_before=query.ending_before,
        descending=query.sort == "date_desc",
        limit=page_limit(query.limit, default=25),
        cursor=query.next_page,
    )
    page = service.list_page(context.uow(read_only=True), context.clock, command)
    names = _names(context, page.items)
    data = [
        render_invoice(i, names, skip_zero_qty=query.skip_zero_qty_line_items) for i in page.items
    ]
    return WireResponse({"data": data, "next_page": page.next_cursor})


@router.post("/v1/invoices/void")
def void(context: Context, body: Annotated[InvoiceId, Depends(body_of(InvoiceId))]) -> WireResponse:
    voided = service.void(context.uow(), context.clock, body.id)
    return WireResponse({"data": {"id": voided}})


@router.post("/v1/invoices/regenerate")
def regenerate(
    context: Context, body: Annotated[InvoiceId, Depends(body_of(InvoiceId))]
) -> WireResponse:
    new_id = service.regenerate(context.uow(), context.clock, body.id)
    return WireResponse({"data": {"id": new_id}})
