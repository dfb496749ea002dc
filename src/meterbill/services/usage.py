"""Use cases of ``/v1/usage``, ``/v1/usage/groups``, ``/v1/events/search`` and previews.

Every number comes from the storage aggregation engine (``uow.usage``), the same one invoices
use. The invoice engine calls :func:`usage_of` / :func:`usage_of_many` inside its own unit of
work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from meterbill.clock import Clock
from meterbill.core.customers import Customer
from meterbill.core.errors import DomainValidationError, NotFound
from meterbill.core.metering import (
    BillableMetricDefinition,
    GroupBy,
    UsageWindow,
    WindowSize,
    matches,
    parse_ingest_batch,
    usage_windows,
    validate_group_by,
)
from meterbill.services.ingest import check_storable
from meterbill.storage.pagination import Page, decode_cursor, encode_cursor
from meterbill.storage.repositories.billable_metrics import BillableMetric
from meterbill.storage.repositories.events import StoredEvent
from meterbill.storage.repositories.usage import MetricQuery, UsageKey
from meterbill.storage.uow import UnitOfWork

MAX_ROWS_PER_PAGE = 1000
"""``/v1/usage`` pages hold whole customers: as many as fit in about this many rows."""


def usage_of(
    uow: UnitOfWork,
    definition: BillableMetricDefinition,
    *,
    customer_id: str,
    starting_at: datetime,
    ending_before: datetime,
    window_size: WindowSize = WindowSize.NONE,
    group_by: GroupBy | None = None,
) -> tuple[UsageWindow, ...]:
    """One customer's usage of one metric over ``[starting_at, ending_before)`` (open ``uow``).

    Exact decimals; None for a window (or group) without matching events.
    """
    return uow.usage.aggregate(
        definition,
        customer_id=customer_id,
        starting_at=starting_at,
        ending_before=ending_before,
        window_size=window_size,
        group_by=group_by,
    )


def usage_of_many(
    uow: UnitOfWork,
    metrics: Sequence[MetricQuery],
    *,
    customer_ids: Sequence[str],
    starting_at: datetime,
    ending_before: datetime,
    window_size: WindowSize = WindowSize.NONE,
) -> dict[UsageKey, tuple[UsageWindow, ...]]:
    """Many metrics (one database scan) for some customers: ``(customer, metric_id) -> windows``."""
    return uow.usage.aggregate_many(
        metrics,
        customer_ids=customer_ids,
        starting_at=starting_at,
        ending_before=ending_before,
        window_size=window_size,
    )


@dataclass(frozen=True, slots=True)
class MetricSelection:
    """One entry of ``/v1/usage``'s ``billable_metrics``: an id and an optional simple group."""

    metric_id: str
    group_key: str | None = None
    group_values: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class UsageListQuery:
    starting_on: datetime
    ending_before: datetime
    window_size: WindowSize
    customer_ids: Sequence[str] | None = None
    metrics: Sequence[MetricSelection] | None = None


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One window of one metric for one customer."""

    customer_id: str
    metric: BillableMetric
    window: UsageWindow


def list_usage(uow: UnitOfWork, query: UsageListQuery, cursor: str | None) -> Page[UsageRow]:
    """Usage rows by customer, then metric, then window; a page holds whole customers."""
    _check_midnight_range(query.starting_on, query.ending_before)
    windows = usage_windows(query.starting_on, query.ending_before, query.window_size)
    with uow:
        selected = _selected_metrics(uow, query.metrics)
        per_customer = max(1, len(selected)) * len(windows)
        limit = max(1, min(100, MAX_ROWS_PER_PAGE // per_customer))
        customers = uow.customers.list_page(
            limit=limit, cursor=cursor, customer_ids=query.customer_ids
        )
        ids = [customer.id for customer in customers.items]
        found = uow.usage.aggregate_many(
            [query for _, query in selected],
            customer_ids=ids,
            starting_at=query.starting_on,
            ending_before=query.ending_before,
            window_size=query.window_size,
        )
    rows = [
        UsageRow(customer, metric, window)
        for customer in ids
        for metric, metric_query in selected
        for window in found[(customer, metric_query.metric_id)]
    ]
    return Page(rows, customers.next_cursor)


@dataclass(frozen=True, slots=True)
class GroupedUsageQuery:
    customer_id: str
    metric_id: str
    window_size: WindowSize
    starting_on: datetime | None = None
    ending_before: datetime | None = None
    current_period: bool = False
    group_key: tuple[str, ...] | None = None
    group_filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GroupedUsageRow:
    """One window, and one group of it when grouping (``group`` maps key -> text or None)."""

    starting_at: datetime
    ending_before: datetime
    value: Decimal | None
    group: Mapping[str, str | None] | None = None


def list_grouped_usage(
    uow: UnitOfWork, query: GroupedUsageQuery, limit: int, cursor: str | None
) -> Page[GroupedUsageRow]:
    """One customer's usage of one metric per window (and group), paged by position."""
    if query.current_period:
        raise DomainValidationError(
            "current_period: not supported yet (billing periods come with contracts); "
            "give starting_on and ending_before"
        )
    if query.starting_on is None or query.ending_before is None:
        raise DomainValidationError("starting_on, ending_before: both are required")
    _check_midnight_range(query.starting_on, query.ending_before)
    offset = 0 if cursor is None else _offset(cursor)
    with uow:
        metric = _metric(uow, query.metric_id, "billable_metric_id")
        _customer(uow, query.customer_id)
        group_by = None
        if query.group_key is not None:
            group_by = GroupBy(keys=query.group_key, values=query.group_filters)
            validate_group_by(metric.definition, group_by)
        windows = uow.usage.aggregate(
            metric.definition,
            customer_id=query.customer_id,
            starting_at=query.starting_on,
            ending_before=query.ending_before,
            window_size=query.window_size,
            group_by=group_by,
        )
    rows = _grouped_rows(windows, group_by)
    page = rows[offset : offset + limit]
    more = offset + limit < len(rows)
    return Page(page, encode_cursor([offset + limit]) if more else None)


def _grouped_rows(
    windows: Sequence[UsageWindow], group_by: GroupBy | None
) -> list[GroupedUsageRow]:
    rows: list[GroupedUsageRow] = []
    for window in windows:
        if group_by is None or window.groups is None:
            rows.append(GroupedUsageRow(window.starting_at, window.ending_before, window.value))
            continue
        for value, number in window.groups.items():
            group = dict(zip(group_by.keys, value, strict=True))
            rows.append(GroupedUsageRow(window.starting_at, window.ending_before, number, group))
    return rows


@dataclass(frozen=True, slots=True)
class SearchedEvent:
    stored: StoredEvent
    customer: Customer | None
    metrics: Sequence[BillableMetric]


def search_events(uow: UnitOfWork, transaction_ids: Sequence[str]) -> list[SearchedEvent]:
    """Events (counted ones and duplicates) by transaction id, with what they match now."""
    if len(transaction_ids) > 100:
        raise DomainValidationError("transactionIds: at most 100 transaction ids")
    with uow:
        found = uow.events.find(transaction_ids)
        refs = {stored.event.customer_id for stored in found}
        holders = uow.customers.alias_holders(refs)
        holders.update((ident, ident) for ident in uow.customers.existing_ids(refs))
        customers = {ident: uow.customers.get(ident) for ident in set(holders.values())}
        metrics = uow.billable_metrics.list_all()
    return [
        SearchedEvent(
            stored=stored,
            customer=customers.get(holders.get(stored.event.customer_id, "")),
            metrics=[m for m in metrics if matches(stored.event, m.definition)]
            if not stored.is_duplicate
            else [],
        )
        for stored in found
    ]


def preview_events(
    uow: UnitOfWork, clock: Clock, customer_id: str, events: object, *, backdate_days: int
) -> list[object]:
    """Check the events of a preview; the draft invoices they would change.

    Invoices come with contracts: until then a customer has none, so the list is empty.
    Events are validated like ingest (missing ``timestamp`` = now, missing ``transaction_id``
    = none); a transaction id given twice is an error.
    """
    now = clock.now()
    if not isinstance(events, list) or not events:
        raise DomainValidationError("events: at least one event is required")
    filled = [_preview_event(raw, index, customer_id, now) for index, raw in enumerate(events)]
    parsed = parse_ingest_batch(filled, now=now, backdate_days=backdate_days)
    check_storable(parsed)
    seen: set[str] = set()
    for index, raw in enumerate(events):
        ident = raw.get("transaction_id") if isinstance(raw, dict) else None
        if isinstance(ident, str):
            if ident in seen:
                raise DomainValidationError(
                    f"events[{index}].transaction_id: given twice in one preview"
                )
            seen.add(ident)
    with uow:
        _customer(uow, customer_id)
    return []


def _preview_event(raw: object, index: int, customer_id: str, now: datetime) -> object:
    if not isinstance(raw, dict):
        return raw
    return {
        "transaction_id": f"preview-{index}",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        **raw,
        "customer_id": customer_id,
    }


def _check_midnight_range(starting_on: datetime, ending_before: datetime) -> None:
    for name, bound in (("starting_on", starting_on), ("ending_before", ending_before)):
        if bound.utcoffset() is None:
            raise DomainValidationError(f"{name}: must include a timezone")
        if (bound.hour, bound.minute, bound.second, bound.microsecond) != (0, 0, 0, 0) or (
            bound.utcoffset() != timedelta(0)
        ):
            raise DomainValidationError(f"{name}: must be aligned to UTC midnight")
    if ending_before < starting_on + timedelta(days=1):
        raise DomainValidationError("ending_before: must be at least one day after starting_on")


def _selected_metrics(
    uow: UnitOfWork, selections: Sequence[MetricSelection] | None
) -> list[tuple[BillableMetric, MetricQuery]]:
    if selections is None:
        return [(m, MetricQuery(m.id, m.definition)) for m in uow.billable_metrics.list_all()]
    found = uow.billable_metrics.get_many(s.metric_id for s in selections)
    chosen: list[tuple[BillableMetric, MetricQuery]] = []
    for index, selection in enumerate(selections):
        metric = found.get(selection.metric_id)
        if metric is None:
            raise NotFound(
                f"billable_metrics[{index}].id: no billable metric with id {selection.metric_id!r}"
            )
        group_by = None
        if selection.group_key is not None:
            key = selection.group_key
            group_by = GroupBy(keys=(key,), values={key: selection.group_values or ()})
            try:
                validate_group_by(metric.definition, group_by)
            except DomainValidationError as error:
                raise DomainValidationError(
                    f"billable_metrics[{index}].group_by: {error.message}"
                ) from None
        chosen.append((metric, MetricQuery(f"{index}:{metric.id}", metric.definition, group_by)))
    return chosen


def _metric(uow: UnitOfWork, metric_id: str, field_name: str) -> BillableMetric:
    metric = uow.billable_metrics.get(metric_id)
    if metric is None:
        raise NotFound(f"{field_name}: no billable metric with id {metric_id!r}")
    return metric


def _customer(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = uow.customers.get(customer_id)
    if customer is None:
        raise NotFound(f"customer_id: no customer with id {customer_id!r}")
    return customer


def _offset(cursor: str) -> int:
    (offset,) = decode_cursor(cursor, 1)
    if not isinstance(offset, int) or offset < 0:
        raise DomainValidationError("next_page: not a cursor this server issued")
    return offset
