"""``/v1/ingest``, ``/v1/usage``, ``/v1/usage/groups``, ``/v1/events/search``: ``client.v1.usage``.

Also ``/v1/customers/{id}/previewEvents`` (``client.v1.customers.preview_events``).

Ingest skips pydantic: the body (a bare JSON array, gzip allowed) goes straight to the core's
batch validation, which names the event and field of the first problem.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from meterbill.api.body import read_json
from meterbill.api.body_dep import body_of, openapi_body
from meterbill.api.context import AppContext, Context
from meterbill.api.errors import BadRequest
from meterbill.api.json import WireResponse
from meterbill.api.paging import cursor_page, page_limit, query_of
from meterbill.api.v1.billable_metrics import render_metric
from meterbill.api.wire import Instant, Lower, Upper, WireModel
from meterbill.core.metering import WindowSize, thaw_json
from meterbill.services import ingest as ingest_service
from meterbill.services import threshold_billing
from meterbill.services import usage as service

router = APIRouter()

WindowSizeIn = Annotated[Literal["HOUR", "DAY", "NONE"], Upper]


class IngestEvent(WireModel):
    """Documentation only: ingest validates the raw JSON with the core."""

    transaction_id: str
    customer_id: str
    event_type: str
    timestamp: str
    properties: dict[str, Any] | None = None


class IngestBody(WireModel):
    """Documentation only: the body is a bare JSON array of 1-100 events."""

    events: list[IngestEvent]


class UsageGroupBy(WireModel):
    key: str
    values: Annotated[list[str], Field(max_length=200)] | None = None


class UsageMetric(WireModel):
    id: str
    group_by: UsageGroupBy | None = None


class UsageListBody(WireModel):
    starting_on: Instant
    ending_before: Instant
    window_size: WindowSizeIn
    customer_ids: list[str] | None = None
    billable_metrics: list[UsageMetric] | None = None


class PageQuery(WireModel):
    next_page: str | None = None


class GroupedPageQuery(WireModel):
    limit: int | None = None
    next_page: str | None = None


class LegacyGroupBy(WireModel):
    key: str
    values: Annotated[list[str], Field(max_length=200)] | None = None


class UsageGroupsBody(WireModel):
    customer_id: str
    billable_metric_id: str
    window_size: WindowSizeIn
    starting_on: Instant | None = None
    ending_before: Instant | None = None
    current_period: bool = False
    group_key: list[str] | None = None
    group_filters: dict[str, list[str]] | None = None
    group_by: LegacyGroupBy | None = None
    limit: int | None = None


class SearchBody(WireModel):
    transactionIds: list[str]  # noqa: N815 - the wire name


class PreviewBody(WireModel):
    events: list[dict[str, Any]]
    mode: Annotated[Literal["replace", "merge"], Lower] = "replace"
    skip_zero_qty_line_items: bool = False


@router.post("/v1/ingest", openapi_extra=openapi_body(IngestBody))
async def ingest(request: Request, context: Context) -> Response:
    body = await read_json(request)
    # One trip to the thread pool: the batch, then (once durable) threshold billing.
    await run_in_threadpool(_ingest, context, body, _ingest_writer(context))
    return Response(status_code=200)


def _ingest(context: AppContext, body: object, writer: ingest_service.IngestWriter) -> None:
    result = ingest_service.ingest(
        context.uow(),
        context.clock,
        body,
        backdate_days=context.settings.ingest_backdate_days,
        writer=writer,
    )
    if result.customer_ids:
        # Threshold billing runs after the events are durable, in its own transaction: a
        # failure there never loses the batch (the billing worker evaluates again).
        threshold_billing.after_ingest(context.uow(), context.clock, result.customer_ids)


_INGEST_WRITERS: WeakKeyDictionary[object, ingest_service.IngestWriter] = WeakKeyDictionary()


def _ingest_writer(context: AppContext) -> ingest_service.IngestWriter:
    """The group-commit writer of the app's database (one per engine; made on the event
    loop's thread, so never twice)."""
    writer = _INGEST_WRITERS.get(context.engine)
    if writer is None:
        writer = _INGEST_WRITERS[context.engine] = ingest_service.IngestWriter()
    return writer


def _render_usage(row: service.UsageRow) -> dict[str, Any]:
    window = row.window
    rendered: dict[str, Any] = {
        "customer_id": row.customer_id,
        "billable_metric_id": row.metric.id,
        "billable_metric_name": row.metric.name,
        "start_timestamp": window.starting_at,
        "end_timestamp": window.ending_before,
        "value": window.value,
    }
    if window.groups is not None:
        # A JSON object cannot have a null key: events without the group value count in
        # ``value`` only.
        rendered["groups"] = {
            value[0]: number for value, number in window.groups.items() if value[0] is not None
        }
    return rendered


@router.post("/v1/usage")
def list_usage(
    context: Context,
    body: Annotated[UsageListBody, Depends(body_of(UsageListBody))],
    query: Annotated[PageQuery, Depends(query_of(PageQuery))],
) -> WireResponse:
    metrics = None
    if body.billable_metrics is not None:
        metrics = [
            service.MetricSelection(
                metric_id=m.id,
                group_key=None if m.group_by is None else m.group_by.key,
                group_values=None
                if m.group_by is None or m.group_by.values is None
                else tuple(m.group_by.values),
            )
            for m in body.billable_metrics
        ]
    usage_query = service.UsageListQuery(
        starting_on=body.starting_on,
        ending_before=body.ending_before,
        window_size=WindowSize(body.window_size),
        customer_ids=body.customer_ids,
        metrics=metrics,
    )
    page = service.list_usage(context.uow(read_only=True), usage_query, query.next_page)
    return WireResponse(cursor_page(page, _render_usage))


def _render_group_row(row: service.GroupedUsageRow) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "starting_on": row.starting_at,
        "ending_before": row.ending_before,
        "value": row.value,
        "group": None if row.group is None else dict(row.group),
    }
    if row.group is not None and len(row.group) == 1:
        ((key, value),) = row.group.items()
        rendered["group_key"] = key
        rendered["group_value"] = value
    return rendered


@router.post("/v1/usage/groups")
def list_with_groups(
    context: Context,
    body: Annotated[UsageGroupsBody, Depends(body_of(UsageGroupsBody))],
    query: Annotated[GroupedPageQuery, Depends(query_of(GroupedPageQuery))],
) -> WireResponse:
    group_key, filters = _grouping(body)
    maximum = 100 if group_key is not None and len(group_key) > 1 else 1000
    limit = page_limit(query.limit if query.limit is not None else body.limit, default=100,
                       maximum=maximum)  # fmt: skip
    grouped = service.GroupedUsageQuery(
        customer_id=body.customer_id,
        metric_id=body.billable_metric_id,
        window_size=WindowSize(body.window_size),
        starting_on=body.starting_on,
        ending_before=body.ending_before,
        current_period=body.current_period,
        group_key=group_key,
        group_filters=filters,
    )
    page = service.list_grouped_usage(context.uow(read_only=True), grouped, limit, query.next_page)
    return WireResponse(cursor_page(page, _render_group_row))


def _grouping(body: UsageGroupsBody) -> tuple[tuple[str, ...] | None, dict[str, tuple[str, ...]]]:
    if body.group_by is not None:
        if body.group_key is not None or body.group_filters is not None:
            raise BadRequest("group_by: cannot be combined with group_key or group_filters")
        key = body.group_by.key
        return (key,), {key: tuple(body.group_by.values or ())}
    filters = {key: tuple(values) for key, values in (body.group_filters or {}).items()}
    if body.group_key is None:
        if filters:
            raise BadRequest("group_filters: needs group_key")
        return None, {}
    return tuple(body.group_key), filters


def _render_event(found: service.SearchedEvent) -> dict[str, Any]:
    event = found.stored.event
    customer = found.customer
    return {
        "id": found.stored.id,
        "transaction_id": event.transaction_id,
        "customer_id": event.customer_id,
        "event_type": event.event_type,
        "timestamp": event.timestamp,
        "properties": thaw_json(event.properties),
        "processed_at": found.stored.processed_at,
        "is_duplicate": found.stored.is_duplicate,
        "matched_customer": None
        if customer is None
        else {"id": customer.id, "name": customer.name},
        "matched_billable_metrics": [render_metric(metric) for metric in found.metrics],
    }


@router.post("/v1/events/search")
def search(
    context: Context, body: Annotated[SearchBody, Depends(body_of(SearchBody))]
) -> WireResponse:
    found = service.search_events(context.uow(read_only=True), body.transactionIds)
    return WireResponse([_render_event(item) for item in found])


@router.post("/v1/customers/{customer_id}/previewEvents")
def preview_events(
    context: Context,
    customer_id: str,
    body: Annotated[PreviewBody, Depends(body_of(PreviewBody))],
) -> WireResponse:
    invoices = service.preview_events(
        context.uow(read_only=True),
        context.clock,
        customer_id,
        list(body.events),
        backdate_days=context.settings.ingest_backdate_days,
    )
    return WireResponse({"data": invoices})
