"""The first page after login: how much there is, and the weekly tasks one click away."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from meterbill.services import billable_metrics as metric_service
from meterbill.services import customers as customer_service
from meterbill.services import products as product_service
from meterbill.services import rate_cards as rate_card_service
from meterbill.storage.pagination import Page
from meterbill.web._framework import WebRequest

COUNT_UP_TO = 100


def dashboard(request: WebRequest) -> Response:
    context = request.context
    customers = customer_service.list_page(
        context.uow(read_only=True), customer_service.CustomerFilter(), COUNT_UP_TO, None
    )
    products = product_service.list_page(
        context.uow(read_only=True), "NOT_ARCHIVED", COUNT_UP_TO, None
    )
    cards = rate_card_service.list_page(context.uow(read_only=True), COUNT_UP_TO, None)
    metrics = metric_service.list_page(
        context.uow(read_only=True), include_archived=False, limit=COUNT_UP_TO, cursor=None
    )
    counts = {
        "customers": _count(customers),
        "products": _count(products),
        "rate_cards": _count(cards),
        "metrics": _count(metrics),
    }
    return request.render(
        "dashboard.html", counts=counts, rate_cards=cards.items[:10], now=context.clock.now()
    )


def _count(page: Page[Any]) -> str:
    """How many, up to a page: ``100+`` when there are more."""
    return f"{len(page.items)}+" if page.next_cursor else str(len(page.items))
