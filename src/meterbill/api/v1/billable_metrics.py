"""``/v1/billable-metrics``: the SDK's ``client.v1.billable_metrics`` (and a customer's list)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.errors import BadRequest
from meterbill.api.json import WireResponse
from meterbill.api.paging import cursor_page, page_limit, query_of
from meterbill.api.wire import Upper, WireModel
from meterbill.core.metering import (
    AggregationType,
    BillableMetricDefinition,
    EventTypeFilter,
    PropertyFilter,
)
from meterbill.services import billable_metrics as service
from meterbill.storage.repositories.billable_metrics import BillableMetric

router = APIRouter()

SQL_REFUSED = (
    "sql: SQL billable metrics are not supported by meterbill; define the metric with "
    "aggregation_type, aggregation_key, event_type_filter, property_filters and group_keys"
)


class EventTypeFilterIn(WireModel):
    in_values: list[str] | None = None
    not_in_values: list[str] | None = None


class PropertyFilterIn(WireModel):
    name: str
    exists: bool | None = None
    in_values: list[str] | None = None
    not_in_values: list[str] | None = None


class BillableMetricCreate(WireModel):
    name: str
    aggregation_key: str | None = None
    aggregation_type: (
        Annotated[Literal["COUNT", "LATEST", "MAX", "SUM", "UNIQUE"], Upper] | None
    ) = None
    custom_fields: dict[str, str] = Field(default_factory=dict)
    event_type_filter: EventTypeFilterIn | None = None
    group_keys: list[list[str]] | None = None
    property_filters: list[PropertyFilterIn] | None = None
    sql: str | None = None


class BillableMetricArchive(WireModel):
    id: str


class BillableMetricUpdate(WireModel):
    name: str


class BillableMetricListQuery(WireModel):
    include_archived: bool = False
    limit: int | None = None
    next_page: str | None = None


class CustomerMetricListQuery(BillableMetricListQuery):
    # Plans are not modelled: every metric can measure a customer's usage.
    on_current_plan: bool = False


def _tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def definition_of(body: BillableMetricCreate) -> BillableMetricDefinition:
    """The core definition of a create request; ``sql`` and a missing type are 400s."""
    if body.sql is not None:
        raise BadRequest(SQL_REFUSED)
    if body.aggregation_type is None:
        raise BadRequest("aggregation_type: required (SQL metrics are not supported)")
    etf = body.event_type_filter
    return BillableMetricDefinition(
        aggregation_type=AggregationType(body.aggregation_type),
        aggregation_key=body.aggregation_key,
        event_type_filter=None
        if etf is None
        else EventTypeFilter(_tuple(etf.in_values), _tuple(etf.not_in_values)),
        property_filters=tuple(
            PropertyFilter(f.name, f.exists, _tuple(f.in_values), _tuple(f.not_in_values))
            for f in body.property_filters or ()
        ),
        group_keys=tuple(tuple(key) for key in body.group_keys or ()),
    )


def _filter_values(**lists: tuple[str, ...] | None) -> dict[str, list[str]]:
    return {name: list(values) for name, values in lists.items() if values is not None}


def render_metric(metric: BillableMetric) -> dict[str, Any]:
    """The SDK's billable metric (retrieve, list, search's matched metrics)."""
    definition = metric.definition
    etf = definition.event_type_filter
    return {
        "id": metric.id,
        "name": metric.name,
        "aggregation_type": definition.aggregation_type.value,
        "aggregation_key": definition.aggregation_key,
        "event_type_filter": None
        if etf is None
        else _filter_values(in_values=etf.in_values, not_in_values=etf.not_in_values),
        "property_filters": [
            {
                "name": f.name,
                **({} if f.exists is None else {"exists": f.exists}),
                **_filter_values(in_values=f.in_values, not_in_values=f.not_in_values),
            }
            for f in definition.property_filters
        ],
        "group_keys": [list(key) for key in definition.group_keys],
        "custom_fields": dict(metric.custom_fields),
        "archived_at": metric.archived_at,
    }


@router.post("/v1/billable-metrics/create")
def create(
    context: Context,
    body: Annotated[BillableMetricCreate, Depends(body_of(BillableMetricCreate))],
) -> WireResponse:
    command = service.CreateMetric(
        name=body.name, definition=definition_of(body), custom_fields=body.custom_fields
    )
    metric = service.create(context.uow(), context.clock, command)
    return WireResponse({"data": {"id": metric.id}})


@router.get("/v1/billable-metrics/{billable_metric_id}")
def retrieve(context: Context, billable_metric_id: str) -> WireResponse:
    metric = service.get(context.uow(read_only=True), billable_metric_id)
    return WireResponse({"data": render_metric(metric)})


@router.put("/v1/billable-metrics/{billable_metric_id}")
def update(
    context: Context,
    billable_metric_id: str,
    body: Annotated[BillableMetricUpdate, Depends(body_of(BillableMetricUpdate))],
) -> WireResponse:
    service.rename(context.uow(), billable_metric_id, body.name)
    return WireResponse({"data": {"id": billable_metric_id}})


@router.get("/v1/billable-metrics")
def list_billable_metrics(
    context: Context,
    query: Annotated[BillableMetricListQuery, Depends(query_of(BillableMetricListQuery))],
) -> WireResponse:
    page = service.list_page(
        context.uow(read_only=True),
        include_archived=query.include_archived,
        limit=page_limit(query.limit, default=100),
        cursor=query.next_page,
    )
    return WireResponse(cursor_page(page, render_metric))


@router.post("/v1/billable-metrics/archive")
def archive(
    context: Context,
    body: Annotated[BillableMetricArchive, Depends(body_of(BillableMetricArchive))],
) -> WireResponse:
    service.archive(context.uow(), context.clock, body.id)
    return WireResponse({"data": {"id": body.id}})


@router.get("/v1/customers/{customer_id}/billable-metrics")
def list_customer_billable_metrics(
    context: Context,
    customer_id: str,
    query: Annotated[CustomerMetricListQuery, Depends(query_of(CustomerMetricListQuery))],
) -> WireResponse:
    page = service.list_for_customer(
        context.uow(read_only=True),
        customer_id,
        include_archived=query.include_archived,
        limit=page_limit(query.limit, default=100),
        cursor=query.next_page,
    )
    return WireResponse(cursor_page(page, render_metric))
