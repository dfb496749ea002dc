"""Customers: the list (paged) and one customer, with its contracts and invoices."""

from __future__ import annotations

from starlette.responses import Response

from meterbill.services import customers as service
from meterbill.web import billing
from meterbill.web._framework import WebRequest

PAGE_SIZE = 25


def list_customers(request: WebRequest) -> Response:
    filters = service.CustomerFilter(only_archived=request.query.get("archived") == "1")
    page = service.list_page(
        request.context.uow(read_only=True), filters, PAGE_SIZE, request.query.get("cursor")
    )
    return request.render("customers.html", customers=page.items, next_cursor=page.next_cursor)


def show_customer(request: WebRequest) -> Response:
    customer_id = request.path_params["customer_id"]
    customer = service.get(request.context.uow(read_only=True), customer_id)
    invoices, unit_names = billing.invoices_of(request.context, customer_id)
    return request.render(
        "customer.html",
        customer=customer,
        contracts=billing.contracts_of(request.context, customer_id),
        invoices=invoices,
        unit_names=unit_names,
    )
