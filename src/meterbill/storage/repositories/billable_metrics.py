"""Billable metrics: a stored definition with its name, custom fields and archive state.

Other areas read metrics through :meth:`BillableMetricRepository.get` (the catalog checks a
USAGE product's ``billable_metric_id`` and group keys against ``.definition``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from meterbill.core.metering import (
    AggregationType,
    BillableMetricDefinition,
    EventTypeFilter,
    PropertyFilter,
)
from meterbill.storage.pagination import Page, in_creation_order, page_of
from meterbill.storage.tables import billable_metrics as metrics_t

_NO_FIELDS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class BillableMetric:
    """A billable metric as stored: only ``name`` (and the archive state) ever change."""

    id: str
    name: str
    definition: BillableMetricDefinition
    created_at: datetime
    archived_at: datetime | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: _NO_FIELDS)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class BillableMetricRepository:
    """Reads and writes billable metrics; custom fields live in ``CustomFieldRepository``."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, metric: BillableMetric) -> None:
        self._conn.execute(
            insert(metrics_t).values(
                id=metric.id,
                name=metric.name,
                definition=definition_to_json(metric.definition),
                created_at=metric.created_at,
                archived_at=metric.archived_at,
            )
        )

    def get(self, metric_id: str, *, for_update: bool = False) -> BillableMetric | None:
        """The metric with ``metric_id`` (archived or not), or ``None``; no custom fields."""
        query = select(metrics_t).where(metrics_t.c.id == metric_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else _from_row(row)

    def get_many(self, metric_ids: Iterable[str]) -> dict[str, BillableMetric]:
        """The metrics among ``metric_ids`` that exist, by id."""
        wanted = list(dict.fromkeys(metric_ids))
        if not wanted:
            return {}
        rows = self._conn.execute(select(metrics_t).where(metrics_t.c.id.in_(wanted)))
        return {row.id: _from_row(row) for row in rows}

    def list_all(self, *, include_archived: bool = False) -> list[BillableMetric]:
        """Every metric in creation order."""
        query = select(metrics_t).order_by(metrics_t.c.created_at, metrics_t.c.id)
        if not include_archived:
            query = query.where(metrics_t.c.archived_at.is_(None))
        return [_from_row(row) for row in self._conn.execute(query)]

    def list_page(
        self, *, limit: int, cursor: str | None, include_archived: bool = False
    ) -> Page[BillableMetric]:
        """One page in creation order."""
        query = select(metrics_t)
        if not include_archived:
            query = query.where(metrics_t.c.archived_at.is_(None))
        query = in_creation_order(query, metrics_t, cursor).limit(limit + 1)
        found = [_from_row(row) for row in self._conn.execute(query)]
        return page_of(found, limit, lambda m: [m.created_at.isoformat(), m.id])

    def set_name(self, metric_id: str, name: str) -> None:
        self._conn.execute(update(metrics_t).where(metrics_t.c.id == metric_id).values(name=name))

    def archive(self, metric_id: str, at: datetime) -> None:
        self._conn.execute(
            update(metrics_t).where(metrics_t.c.id == metric_id).values(archived_at=at)
        )


def definition_to_json(definition: BillableMetricDefinition) -> str:
    """The definition as JSON text (strings and lists only)."""
    etf = definition.event_type_filter
    return json.dumps(
        {
            "aggregation_type": definition.aggregation_type.value,
            "aggregation_key": definition.aggregation_key,
            "event_type_filter": None
            if etf is None
            else {"in_values": _list(etf.in_values), "not_in_values": _list(etf.not_in_values)},
            "property_filters": [
                {
                    "name": f.name,
                    "exists": f.exists,
                    "in_values": _list(f.in_values),
                    "not_in_values": _list(f.not_in_values),
                }
                for f in definition.property_filters
            ],
            "group_keys": [list(key) for key in definition.group_keys],
        },
        ensure_ascii=False,
    )


def definition_from_json(text: str) -> BillableMetricDefinition:
    data = json.loads(text)
    etf = data["event_type_filter"]
    return BillableMetricDefinition(
        aggregation_type=AggregationType(data["aggregation_type"]),
        aggregation_key=data["aggregation_key"],
        event_type_filter=None
        if etf is None
        else EventTypeFilter(
            in_values=_tuple(etf["in_values"]), not_in_values=_tuple(etf["not_in_values"])
        ),
        property_filters=tuple(
            PropertyFilter(
                name=f["name"],
                exists=f["exists"],
                in_values=_tuple(f["in_values"]),
                not_in_values=_tuple(f["not_in_values"]),
            )
            for f in data["property_filters"]
        ),
        group_keys=tuple(tuple(key) for key in data["group_keys"]),
    )


def _list(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


def _tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def _from_row(row: Row[Any]) -> BillableMetric:
    return BillableMetric(
        id=row.id,
        name=row.name,
        definition=definition_from_json(row.definition),
        created_at=row.created_at,
        archived_at=row.archived_at,
    )
