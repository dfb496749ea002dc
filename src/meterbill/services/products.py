"""Use cases of ``/v1/contract-pricing/products``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeAlias

from meterbill.clock import Clock
from meterbill.core.catalog import (
    UPDATABLE_FIELDS,
    MetricFacts,
    Product,
    ProductState,
    ProductType,
    ProductUpdate,
    check_product_state,
    require_hour_aligned,
    states_from,
)
from meterbill.core.custom_fields import CustomFieldEntity
from meterbill.core.errors import DomainValidationError, NotFound
from meterbill.services.custom_fields import write_values
from meterbill.services.ids import new_id
from meterbill.storage.pagination import Page
from meterbill.storage.uow import UnitOfWork

# Who wrote a product state or a rate card. meterbill has API tokens, not users.
CREATED_BY = "api"

MetricLookup: TypeAlias = Callable[[UnitOfWork, str], MetricFacts | None]


def stored_metric(uow: UnitOfWork, metric_id: str) -> MetricFacts | None:
    """The billable metric as metering stores it (archived ones included), or ``None``."""
    metric = uow.billable_metrics.get(metric_id)
    if metric is None:
        return None
    return MetricFacts(
        id=metric.id, group_keys=metric.definition.group_keys, archived=metric.archived
    )


_metric_lookup: list[MetricLookup] = [stored_metric]


def set_metric_lookup(lookup: MetricLookup) -> MetricLookup:
    """Replace how products find billable metrics (tests); returns the previous lookup.

    ``lookup(uow, metric_id)`` runs inside the caller's open unit of work and returns ``None``
    for an unknown id. The default reads metering's ``uow.billable_metrics``.
    """
    previous = _metric_lookup[0]
    _metric_lookup[0] = lookup
    return previous


@dataclass(frozen=True, slots=True)
class CreateProduct:
    """``fields`` holds the given state fields (``ProductState`` names, core values)."""

    name: str
    type: ProductType
    fields: Mapping[str, Any] = field(default_factory=dict)
    custom_fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UpdateProduct:
    """Schedule ``changes`` (``ProductState`` names, core values) from ``starting_at``."""

    product_id: str
    starting_at: datetime
    changes: Mapping[str, Any] = field(default_factory=dict)


def create(uow: UnitOfWork, clock: Clock, command: CreateProduct) -> Product:
    """Create a product; an invalid combination is a 400 naming the field, and stores nothing."""
    now = clock.now()
    state = ProductState(
        name=command.name, created_at=now, created_by=CREATED_BY, **dict(command.fields)
    )
    product_id = new_id()
    with uow:
        _check(uow, command.type, state)
        uow.products.add(product_id, command.type, state)
        write_values(uow, CustomFieldEntity.PRODUCT, product_id, command.custom_fields)
        product = load(uow, product_id)
        uow.commit()
    return product


def update(uow: UnitOfWork, clock: Clock, command: UpdateProduct) -> Product:
    """Schedule a change. Every state the product goes through from ``starting_at`` on must be
    valid for its type. Archived products cannot be changed.
    """
    require_hour_aligned(command.starting_at, "starting_at")
    unknown = sorted(set(command.changes) - UPDATABLE_FIELDS)
    if unknown:
        raise DomainValidationError(f"{unknown[0]}: cannot be changed by an update")
    change = ProductUpdate(
        starting_at=command.starting_at,
        created_at=clock.now(),
        created_by=CREATED_BY,
        changes=MappingProxyType(dict(command.changes)),
    )
    with uow:
        product = load(uow, command.product_id, for_update=True)
        if product.is_archived:
            raise DomainValidationError(
                f"product_id: product {product.id!r} is archived and cannot be updated"
            )
        changed = replace(product, updates=(*product.updates, change))
        metric_changes = "billable_metric_id" in command.changes
        for state in states_from(changed, command.starting_at):
            _check(uow, product.type, state, refuse_archived_metric=metric_changes)
        uow.products.add_update(product.id, change)
        product = load(uow, product.id)
        uow.commit()
    return product


def archive(uow: UnitOfWork, clock: Clock, product_id: str) -> None:
    """Archive a product, for good: it keeps pricing existing rates but takes no new ones."""
    with uow:
        product = load(uow, product_id, for_update=True)
        if not product.is_archived:
            uow.products.archive(product_id, clock.now())
            uow.commit()


def get(uow: UnitOfWork, product_id: str) -> Product:
    with uow:
        return load(uow, product_id)


def list_page(
    uow: UnitOfWork, archive_filter: str, limit: int, cursor: str | None
) -> Page[Product]:
    with uow:
        page = uow.products.list_page(limit=limit, cursor=cursor, archive_filter=archive_filter)
        values = uow.custom_fields.values_of_many(
            CustomFieldEntity.PRODUCT, [product.id for product in page.items]
        )
    items = [replace(p, custom_fields=MappingProxyType(values.get(p.id, {}))) for p in page.items]
    return Page(items, page.next_cursor)


def load(uow: UnitOfWork, product_id: str, *, for_update: bool = False) -> Product:
    """The product with its custom fields, inside an open unit of work; 404 when unknown."""
    product = uow.products.get(product_id, for_update=for_update)
    if product is None:
        raise NotFound(f"product_id: no product with id {product_id!r}")
    values = uow.custom_fields.values_of(CustomFieldEntity.PRODUCT, product_id)
    return replace(product, custom_fields=MappingProxyType(values))


def load_many(uow: UnitOfWork, product_ids: list[str]) -> dict[str, Product]:
    """The products among ``product_ids`` that exist, with custom fields, by id."""
    products = uow.products.get_many(product_ids)
    values = uow.custom_fields.values_of_many(CustomFieldEntity.PRODUCT, list(products))
    return {
        ident: replace(p, custom_fields=MappingProxyType(values.get(ident, {})))
        for ident, p in products.items()
    }


def _check(
    uow: UnitOfWork, kind: ProductType, state: ProductState, *, refuse_archived_metric: bool = True
) -> None:
    metric = None
    if kind is ProductType.USAGE and state.billable_metric_id:
        metric = _metric_lookup[0](uow, state.billable_metric_id)
        if metric is None:
            raise DomainValidationError(
                f"billable_metric_id: no billable metric with id {state.billable_metric_id!r}"
            )
        if metric.archived and refuse_archived_metric:
            raise DomainValidationError(
                f"billable_metric_id: billable metric {metric.id!r} is archived"
            )
    check_product_state(kind, state, metric)
    if state.composite_product_ids:
        found = uow.products.get_many(state.composite_product_ids)
        for index, ident in enumerate(state.composite_product_ids):
            if ident not in found:
                raise DomainValidationError(
                    f"composite_product_ids[{index}]: no product with id {ident!r}"
                )
