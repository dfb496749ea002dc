"""Contracts, invoices and packages: read-only pages over their services.

A contract shows its terms and its invoices (drafts computed as of now, and finalised ones);
an invoice shows its line items; a package shows its relative terms and its cohort of
contracts with their invoiced and draft totals per period.
"""

from __future__ import annotations

from starlette.responses import Response

from meterbill.api.context import AppContext
from meterbill.core.contracts.terms import Contract
from meterbill.core.invoicing import Invoice
from meterbill.core.periods import Offset
from meterbill.services import contracts as contract_service
from meterbill.services import credit_types as credit_type_service
from meterbill.services import invoices as invoice_service
from meterbill.services import package_cohorts
from meterbill.services import packages as package_service
from meterbill.web._framework import WebRequest

LIST_LIMIT = 50
PAGE_SIZE = 25


def contracts_of(context: AppContext, customer_id: str) -> list[Contract]:
    """The customer's contracts, first page, in chronological order."""
    query = contract_service.ListContracts(customer_id=customer_id, limit=LIST_LIMIT)
    return contract_service.list_page(context.uow(read_only=True), query).items


def invoices_of(
    context: AppContext, customer_id: str, contract_id: str | None = None
) -> tuple[list[Invoice], dict[str, str]]:
    """The invoices (drafts and finalised), newest first, with their pricing units' names."""
    query = invoice_service.ListInvoices(
        customer_id=customer_id, contract_id=contract_id, descending=True, limit=LIST_LIMIT
    )
    invoices = invoice_service.list_page(context.uow(read_only=True), context.clock, query).items
    names = invoice_service.credit_type_names(context.uow(read_only=True), invoices)
    return invoices, names


def show_contract(request: WebRequest) -> Response:
    context = request.context
    customer_id = request.path_params["customer_id"]
    contract_id = request.path_params["contract_id"]
    now = context.clock.now()
    view = contract_service.view(context.uow(read_only=True), customer_id, contract_id, now)
    invoices, unit_names = invoices_of(context, customer_id, contract_id)
    return request.render(
        "contract.html",
        contract=view.current,
        edits=view.edits,
        products=view.names.products,
        names={**view.names.credit_types, **unit_names},
        invoices=invoices,
        unit_names=unit_names,
        now=now,
    )


def show_invoice(request: WebRequest) -> Response:
    context = request.context
    invoice = invoice_service.get(
        context.uow(read_only=True),
        context.clock,
        request.path_params["customer_id"],
        request.path_params["invoice_id"],
    )
    names = invoice_service.credit_type_names(context.uow(read_only=True), [invoice])
    return request.render("invoice.html", invoice=invoice, names=names)


def list_packages(request: WebRequest) -> Response:
    shown = request.query.get("archive_filter", "NOT_ARCHIVED").upper()
    if shown not in ("NOT_ARCHIVED", "ARCHIVED", "ALL"):
        shown = "NOT_ARCHIVED"
    page = package_service.list_page(
        request.context.uow(read_only=True),
        request.context.clock,
        shown,  # type: ignore[arg-type]
        PAGE_SIZE,
        request.query.get("cursor"),
    )
    return request.render(
        "packages.html", views=page.items, next_cursor=page.next_cursor, archive_filter=shown
    )


def show_package(request: WebRequest) -> Response:
    context = request.context
    package_id = request.path_params["package_id"]
    view = package_service.get(context.uow(read_only=True), context.clock, package_id)
    members = package_service.list_contracts(
        context.uow(read_only=True),
        package_id,
        covering_date=None,
        starting_at=None,
        include_archived=True,
        limit=LIST_LIMIT,
        cursor=None,
    )
    count, periods = package_cohorts.summary(context.uow(read_only=True), context.clock, package_id)
    unit_ids = {period.credit_type_id for period in periods}
    names = {**view.credit_type_names, **_unit_names(context, unit_ids)}
    return request.render(
        "package.html",
        package=view.package,
        products=view.product_names,
        names=names,
        members=members.items,
        more_members=members.next_cursor is not None,
        cohort_count=count,
        periods=periods,
        offset=offset_text,
    )


def _unit_names(context: AppContext, ids: set[str]) -> dict[str, str]:
    return {
        ident: credit_type_service.get(context.uow(read_only=True), ident).name for ident in ids
    }


def offset_text(offset: Offset | None, absent: str = "—") -> str:
    """``+1 MONTHS`` style text of a package offset."""
    if offset is None:
        return absent
    sign = "+" if offset.value >= 0 else ""
    return f"{sign}{offset.value} {offset.unit.value.lower()}"
