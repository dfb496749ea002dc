"""Billable metrics and pricing units: read-only lists and details."""

from __future__ import annotations

from starlette.responses import Response

from meterbill.services import billable_metrics as metric_service
from meterbill.services import credit_types as credit_type_service
from meterbill.web._framework import WebRequest

PAGE_SIZE = 25


def list_metrics(request: WebRequest) -> Response:
    include_archived = request.query.get("archived") == "1"
    page = metric_service.list_page(
        request.context.uow(read_only=True),
        include_archived=include_archived,
        limit=PAGE_SIZE,
        cursor=request.query.get("cursor"),
    )
    return request.render(
        "metrics.html",
        metrics=page.items,
        next_cursor=page.next_cursor,
        include_archived=include_archived,
    )


def show_metric(request: WebRequest) -> Response:
    metric = metric_service.get(
        request.context.uow(read_only=True), request.path_params["metric_id"]
    )
    return request.render("metric.html", metric=metric, definition=metric.definition)


def list_pricing_units(request: WebRequest) -> Response:
    page = credit_type_service.list_page(
        request.context.uow(read_only=True), PAGE_SIZE, request.query.get("cursor")
    )
    return request.render("pricing_units.html", units=page.items, next_cursor=page.next_cursor)
