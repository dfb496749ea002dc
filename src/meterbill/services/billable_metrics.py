"""Use cases of ``/v1/billable-metrics``: structured metrics, immutable but for their name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from meterbill.clock import Clock
from meterbill.core.custom_fields import CustomFieldEntity
from meterbill.core.errors import DomainValidationError, NotFound
from meterbill.core.metering import BillableMetricDefinition, validate_metric
from meterbill.services.custom_fields import write_values
from meterbill.services.ids import new_id
from meterbill.storage.pagination import Page
from meterbill.storage.repositories.billable_metrics import BillableMetric
from meterbill.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class CreateMetric:
    name: str
    definition: BillableMetricDefinition
    custom_fields: Mapping[str, str] = field(default_factory=dict)


def create(uow: UnitOfWork, clock: Clock, command: CreateMetric) -> BillableMetric:
    """Validate the definition (400 naming the field) and store the metric."""
    name = _name(command.name)
    metric = BillableMetric(
        id=new_id(),
        name=name,
        definition=validate_metric(command.definition),
        created_at=clock.now(),
    )
    with uow:
        uow.billable_metrics.add(metric)
        write_values(uow, CustomFieldEntity.BILLABLE_METRIC, metric.id, command.custom_fields)
        uow.commit()
    return replace(metric, custom_fields=MappingProxyType(dict(command.custom_fields)))


def get(uow: UnitOfWork, metric_id: str) -> BillableMetric:
    """The metric with its custom fields, archived or not; 404 when unknown."""
    with uow:
        return _load(uow, metric_id)


def list_page(
    uow: UnitOfWork, *, include_archived: bool, limit: int, cursor: str | None
) -> Page[BillableMetric]:
    with uow:
        page = uow.billable_metrics.list_page(
            limit=limit, cursor=cursor, include_archived=include_archived
        )
        values = uow.custom_fields.values_of_many(
            CustomFieldEntity.BILLABLE_METRIC, [metric.id for metric in page.items]
        )
    items = [replace(m, custom_fields=MappingProxyType(values.get(m.id, {}))) for m in page.items]
    return Page(items, page.next_cursor)


def list_for_customer(
    uow: UnitOfWork, customer_id: str, *, include_archived: bool, limit: int, cursor: str | None
) -> Page[BillableMetric]:
    """The metrics a customer's usage can be measured by: every metric (no plans here)."""
    with uow:
        if uow.customers.get(customer_id) is None:
            raise NotFound(f"customer_id: no customer with id {customer_id!r}")
    return list_page(uow, include_archived=include_archived, limit=limit, cursor=cursor)


def archive(uow: UnitOfWork, clock: Clock, metric_id: str) -> None:
    """Archive a metric: it keeps working for existing products. Idempotent."""
    with uow:
        metric = uow.billable_metrics.get(metric_id, for_update=True)
        if metric is None:
            raise NotFound(f"id: no billable metric with id {metric_id!r}")
        if not metric.archived:
            uow.billable_metrics.archive(metric_id, clock.now())
            uow.commit()


def rename(uow: UnitOfWork, metric_id: str, name: str) -> None:
    """The only change a metric accepts: its display name."""
    new_name = _name(name)
    with uow:
        if uow.billable_metrics.get(metric_id, for_update=True) is None:
            raise NotFound(f"billable_metric_id: no billable metric with id {metric_id!r}")
        uow.billable_metrics.set_name(metric_id, new_name)
        uow.commit()


def _name(name: str) -> str:
    if not name.strip():
        raise DomainValidationError("name: must not be empty")
    return name


def _load(uow: UnitOfWork, metric_id: str) -> BillableMetric:
    metric = uow.billable_metrics.get(metric_id)
    if metric is None:
        raise NotFound(f"billable_metric_id: no billable metric with id {metric_id!r}")
    values = uow.custom_fields.values_of(CustomFieldEntity.BILLABLE_METRIC, metric_id)
    return replace(metric, custom_fields=MappingProxyType(values))
