"""The aggregation engine: metric definitions in, SQL pushed down, exact decimals out.

This is the one place usage is computed from stored events, for usage queries and invoices.
It must agree with :func:`meterbill.core.metering.aggregate_usage` (the definition of truth);
``tests/storage/test_metering_aggregation.py`` checks that on random events and metrics, on
both backends.

How a definition becomes SQL (``texts``/``numbers`` are described in ``tables/metering.py``):

- the text of property ``p`` is ``texts ->> p``, its number ``numbers ->> p`` (``NUMERIC`` on
  PostgreSQL; on SQLite the text goes to exact Python aggregates registered on the connection);
- filters become ``IN``/``NOT IN``/``IS [NOT] NULL`` on those texts; an event matches a SUM,
  MAX or LATEST metric only with a number, a UNIQUE metric only with a text;
- windows are the timestamp truncated to the hour or day (UTC), groups are the key texts;
- events are attributed to customers through their current ids and active ingest aliases.

Every metric of a request is computed in one scan (one ``FILTER`` per metric); grouped
metrics and, on PostgreSQL, LATEST add one statement each. Memory stays flat: only one row per
customer, window and group comes back.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Numeric,
    Select,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import distinct_on

from meterbill.core.metering import (
    AggregationType,
    BillableMetricDefinition,
    GroupBy,
    GroupValue,
    PropertyFilter,
    UsageWindow,
    WindowSize,
    requested_groups,
    usage_windows,
)
from meterbill.core.metering.properties import EXACT_DIGITS
from meterbill.storage.repositories.events import sqlite_key
from meterbill.storage.tables import customer_ingest_aliases as aliases_t
from meterbill.storage.tables import customers as customers_t
from meterbill.storage.tables import usage_events as events_t

_EXACT = decimal.Context(
    prec=EXACT_DIGITS,
    traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow],
)
_NUMERIC_KINDS = frozenset({AggregationType.SUM, AggregationType.MAX, AggregationType.LATEST})

UsageKey = tuple[str, str]
"""``(customer_id, metric_id)``."""


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """One metric of a usage request, optionally grouped (the grouping is checked already)."""

    metric_id: str
    definition: BillableMetricDefinition
    group_by: GroupBy | None = None


class UsageRepository:
    """Usage per customer, metric and window, computed by the database."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._sql = _Dialect(connection.dialect.name == "sqlite")

    def aggregate(
        self,
        definition: BillableMetricDefinition,
        *,
        customer_id: str,
        starting_at: datetime,
        ending_before: datetime,
        window_size: WindowSize = WindowSize.NONE,
        group_by: GroupBy | None = None,
    ) -> tuple[UsageWindow, ...]:
        """One customer's usage of one metric over ``[starting_at, ending_before)``.

        Same contract as :func:`meterbill.core.metering.aggregate_usage`: one window per
        :func:`usage_windows` window, empty ones included (value None). The customer's
        events are those sent under its id or one of its active ingest aliases.
        """
        found = self.aggregate_many(
            [MetricQuery("metric", definition, group_by)],
            customer_ids=[customer_id],
            starting_at=starting_at,
            ending_before=ending_before,
            window_size=window_size,
        )
        return found[(customer_id, "metric")]

    def aggregate_many(
        self,
        metrics: Sequence[MetricQuery],
        *,
        customer_ids: Sequence[str] | None,
        starting_at: datetime,
        ending_before: datetime,
        window_size: WindowSize = WindowSize.NONE,
    ) -> dict[UsageKey, tuple[UsageWindow, ...]]:
        """Usage of every metric for every customer (``None``: every customer with events).

        Returns ``(customer_id, metric_id) -> windows`` for each listed customer (customers
        with no event get empty windows), or, when ``customer_ids`` is None, for each
        customer that has at least one event in the range.
        """
        windows = usage_windows(starting_at, ending_before, window_size)
        if not metrics:
            return {}
        self._sql.prepare(self._conn)
        start, end = windows[0][0], windows[-1][1]
        refs = None
        if customer_ids is not None:
            resolved = self._conn.execute(select(_customer_refs(customer_ids)))
            refs = {row.ref: row.customer_id for row in resolved}
        scan = _Scan(self._sql, refs, start, end, window_size)
        totals = self._totals(scan, metrics)
        grouped = {m.metric_id: self._groups(scan, m) for m in metrics if m.group_by is not None}
        customers = (
            list(customer_ids)
            if customer_ids is not None
            else sorted({customer for customer, _ in totals})
        )
        return {
            (customer, m.metric_id): _assemble(
                windows, window_size, totals.get((customer, m.metric_id), {}),
                grouped.get(m.metric_id, {}).get(customer, {}), m.group_by,
            )
            for customer in customers
            for m in metrics
        }  # fmt: skip

    def _totals(
        self, scan: _Scan, metrics: Sequence[MetricQuery]
    ) -> dict[UsageKey, dict[datetime, Decimal]]:
        found: dict[UsageKey, dict[datetime, Decimal]] = {}
        plain = [m for m in metrics if not self._sql.separate_latest(m.definition)]
        typed = [m for m in plain if _event_types(m.definition, self._sql.sqlite) is not None]
        if len(typed) == len(plain) and plain:
            self._typed_totals(scan, plain, found)
        elif plain:
            self._filtered_totals(scan, plain, found)
        for m in metrics:
            if self._sql.separate_latest(m.definition):
                for row in self._conn.execute(scan.latest(m.definition, ())):
                    found.setdefault((row[0], m.metric_id), {})[scan.bucket_of(row[1])] = row[2]
        return found

    def _filtered_totals(
        self,
        scan: _Scan,
        metrics: Sequence[MetricQuery],
        found: dict[UsageKey, dict[datetime, Decimal]],
    ) -> None:
        """One column per metric, each with its own ``FILTER``: any mix of metrics."""
        columns = _Columns(scan)
        indexes = [columns.add(m.definition, with_event_type=True) for m in metrics]
        where = _event_type_prefilter(scan, [m.definition for m in metrics])
        for row in self._conn.execute(scan.select(columns.columns, where)):
            bucket = scan.bucket_of(row[1])
            for m, index in zip(metrics, indexes, strict=True):
                value = _value(m.definition, row[2 + index])
                if value is not None:
                    found.setdefault((row[0], m.metric_id), {})[bucket] = value

    def _typed_totals(
        self,
        scan: _Scan,
        metrics: Sequence[MetricQuery],
        found: dict[UsageKey, dict[datetime, Decimal]],
    ) -> None:
        """Every metric lists its event types: group by type, one column per distinct aggregate.

        Metrics that differ only in their event types (the usual catalog: one metric per
        product and event type) then share a column, and the scan costs what a hand-written
        ``GROUP BY event_type`` costs. Partial results per type combine exactly in Python
        (counts and sums add, maxima compare); UNIQUE and LATEST only ever read one type here.
        """
        columns = _Columns(scan)
        indexes = [columns.add(m.definition, with_event_type=False) for m in metrics]
        event_type = scan.events.c.event_type
        where = _event_type_prefilter(scan, [m.definition for m in metrics])
        query = scan.select([event_type, *columns.columns], where, extra_group_by=[event_type])
        partial: dict[tuple[str, Any], dict[str, Any]] = {}
        for row in self._conn.execute(query):
            partial.setdefault((row[0], row[1]), {})[row[2]] = row
        for (customer, raw_bucket), by_type in partial.items():
            bucket = scan.bucket_of(raw_bucket)
            for m, index in zip(metrics, indexes, strict=True):
                types = _event_types(m.definition, self._sql.sqlite)
                assert types is not None
                values = [
                    _value(m.definition, by_type[t][3 + index]) for t in types if t in by_type
                ]
                value = _combine(m.definition.aggregation_type, values)
                if value is not None:
                    found.setdefault((customer, m.metric_id), {})[bucket] = value

    def _groups(
        self, scan: _Scan, m: MetricQuery
    ) -> dict[str, dict[datetime, dict[GroupValue, Decimal]]]:
        assert m.group_by is not None
        keys = [scan.text(key) for key in m.group_by.keys]
        where = and_(scan.match(m.definition), _group_filter(scan, m.group_by))
        if self._sql.separate_latest(m.definition):
            rows = [
                (row[0], row[1], tuple(row[3:]), row[2])
                for row in self._conn.execute(scan.latest(m.definition, keys, where))
            ]
        else:
            column = scan.aggregate(m.definition, [])
            query = scan.select([column, *keys], where, extra_group_by=keys)
            rows = [
                (row[0], row[1], tuple(row[3:]), _value(m.definition, row[2]))
                for row in self._conn.execute(query)
            ]
        found: dict[str, dict[datetime, dict[GroupValue, Decimal]]] = {}
        for customer, bucket, group, value in rows:
            if value is not None:
                windows = found.setdefault(customer, {})
                windows.setdefault(scan.bucket_of(bucket), {})[group] = value
        return found


class _Scan:
    """The events of some customers in one range: the FROM, WHERE and window of every query."""

    def __init__(
        self,
        sql: _Dialect,
        refs: Mapping[str, str] | None,
        start: datetime,
        end: datetime,
        window_size: WindowSize,
    ) -> None:
        """``refs`` maps the ids and aliases of the wanted customers to their customer ids
        (resolved beforehand, so the scan is a plain ``customer_ref IN (...)``); None means
        every customer, resolved by a join."""
        self.sql = sql
        self.events = events_t.alias("e")
        e = self.events.c
        self.range = and_(e.timestamp >= start, e.timestamp < end)
        self.refs = None
        if refs is None:
            self.refs = _customer_refs(None)
            self.customer: ColumnElement[Any] = self.refs.c.customer_id
        else:
            self.range = and_(e.customer_ref.in_(list(refs)), self.range)
            owners = set(refs.values())
            self.customer = (
                literal(next(iter(owners)), Text)
                if len(owners) == 1
                else case(refs, value=e.customer_ref)
            )
        self.start = start
        self.window_size = window_size
        self.bucket = sql.bucket(e.timestamp, window_size)

    def text(self, name: str) -> ColumnElement[Any]:
        return self.sql.text(self.events.c.texts, name)

    def number(self, name: str) -> ColumnElement[Any]:
        return self.sql.number(self.events.c.numbers, name)

    def from_clause(self) -> FromClause:
        if self.refs is None:
            return self.events
        return self.events.join(self.refs, self.refs.c.ref == self.events.c.customer_ref)

    def select(
        self,
        columns: Sequence[ColumnElement[Any]],
        where: ColumnElement[bool],
        extra_group_by: Sequence[ColumnElement[Any]] = (),
    ) -> Select[Any]:
        customer = self.customer
        return (
            select(customer, self.bucket, *columns)
            .select_from(self.from_clause())
            .where(self.range, where)
            .group_by(customer, self.bucket, *extra_group_by)
        )

    def latest(
        self,
        definition: BillableMetricDefinition,
        keys: Sequence[ColumnElement[Any]],
        where: ColumnElement[bool] | None = None,
    ) -> Select[Any]:
        """PostgreSQL: the LATEST number per customer, window (and group), by DISTINCT ON."""
        assert definition.value_key is not None
        customer, e = self.customer, self.events.c
        number = self.number(definition.value_key)
        return (
            select(customer, self.bucket, number, *keys)
            .select_from(self.from_clause())
            .where(self.range, self.match(definition) if where is None else where)
            .ext(distinct_on(customer, self.bucket, *keys))
            .order_by(
                customer,
                self.bucket,
                *keys,
                e.timestamp.desc(),
                e.transaction_id.collate("C").desc(),
                number.desc(),
            )
        )

    def aggregate(
        self, definition: BillableMetricDefinition, conditions: Sequence[ColumnElement[bool]]
    ) -> ColumnElement[Any]:
        """The metric's aggregate over the rows passing ``conditions``.

        No count is needed to tell "no match" from 0: COUNT and UNIQUE of nothing are 0 (and
        a match always counts), SUM, MAX and LATEST of nothing are NULL; aggregates skip the
        NULL numbers and texts of events without a value.
        """
        kind, key = definition.aggregation_type, definition.value_key
        aggregate = func.count() if key is None else self._aggregate(kind, key)
        return aggregate.filter(and_(*conditions)) if conditions else aggregate

    def conditions(
        self, definition: BillableMetricDefinition, *, with_event_type: bool
    ) -> list[ColumnElement[bool]]:
        """What selects a metric's rows for its aggregate (see :meth:`aggregate`).

        The value requirement is left to the aggregate, and so is a plain ``exists: true``
        filter on the value key, which it implies.
        """
        e = self.events.c
        conditions: list[ColumnElement[bool]] = []
        etf = definition.event_type_filter
        if with_event_type and etf is not None and etf.in_values is not None:
            conditions.append(e.event_type.in_(etf.in_values))
        if with_event_type and etf is not None and etf.not_in_values is not None:
            conditions.append(e.event_type.not_in(etf.not_in_values))
        key = definition.value_key
        implied = PropertyFilter(key, exists=True) if key is not None else None
        conditions.extend(
            self._property_filter(f) for f in definition.property_filters if f != implied
        )
        return conditions

    def _aggregate(self, kind: AggregationType, key: str) -> Any:
        if kind is AggregationType.UNIQUE:
            return func.count(self.text(key).distinct())
        number = self.number(key)
        if not self.sql.sqlite:
            return func.sum(number) if kind is AggregationType.SUM else func.max(number)
        if kind is AggregationType.SUM:
            return func.mb_exact_sum(number)
        if kind is AggregationType.MAX:
            return func.mb_exact_max(number)
        e = self.events.c
        return func.mb_latest(e.timestamp, e.transaction_id, number)

    def bucket_of(self, value: Any) -> datetime:
        return self.sql.bucket_start(value, self.window_size, self.start)

    def match(self, definition: BillableMetricDefinition) -> ColumnElement[bool]:
        """The SQL form of :func:`meterbill.core.metering.matches`."""
        e = self.events.c
        conditions: list[ColumnElement[bool]] = []
        etf = definition.event_type_filter
        if etf is not None and etf.in_values is not None:
            conditions.append(e.event_type.in_(etf.in_values))
        if etf is not None and etf.not_in_values is not None:
            conditions.append(e.event_type.not_in(etf.not_in_values))
        conditions.extend(self._property_filter(f) for f in definition.property_filters)
        key = definition.value_key
        if key is not None and definition.aggregation_type in _NUMERIC_KINDS:
            conditions.append(self.number(key).is_not(None))
        elif key is not None:
            conditions.append(self.text(key).is_not(None))
        return and_(true(), *conditions)

    def _property_filter(self, f: PropertyFilter) -> ColumnElement[bool]:
        text = self.text(f.name)
        conditions: list[ColumnElement[bool]] = []
        if f.exists is True:
            conditions.append(text.is_not(None))
        elif f.exists is False:
            conditions.append(text.is_(None))
        if f.in_values is not None:
            conditions.append(text.in_(f.in_values))
        if f.not_in_values is not None:
            conditions.append(or_(text.is_(None), text.not_in(f.not_in_values)))
        return and_(true(), *conditions)


class _Columns:
    """Aggregate columns of one statement, each distinct expression once."""

    def __init__(self, scan: _Scan) -> None:
        self._scan = scan
        self._index: dict[tuple[object, ...], int] = {}
        self.columns: list[ColumnElement[Any]] = []

    def add(self, definition: BillableMetricDefinition, *, with_event_type: bool) -> int:
        key = (
            definition.aggregation_type,
            definition.value_key,
            definition.property_filters,
            definition.event_type_filter if with_event_type else None,
        )
        if key not in self._index:
            conditions = self._scan.conditions(definition, with_event_type=with_event_type)
            self._index[key] = len(self.columns)
            self.columns.append(self._scan.aggregate(definition, conditions))
        return self._index[key]


def _event_types(definition: BillableMetricDefinition, sqlite: bool) -> list[str] | None:
    """The event types a metric reads, when listed and when its parts combine across them."""
    etf = definition.event_type_filter
    if etf is None or etf.in_values is None:
        return None
    excluded = set(etf.not_in_values or ())
    types = sorted({t for t in etf.in_values if t not in excluded})
    kind = definition.aggregation_type
    single_only = kind is AggregationType.UNIQUE or (sqlite and kind is AggregationType.LATEST)
    return None if single_only and len(types) > 1 else types


def _value(definition: BillableMetricDefinition, raw: Any) -> Decimal | None:
    """A database aggregate as an exact decimal; None when no event matched."""
    if raw is None:
        return None
    if definition.aggregation_type in (AggregationType.COUNT, AggregationType.UNIQUE):
        return Decimal(raw) if raw else None
    if isinstance(raw, Decimal):
        return raw
    return Decimal(raw) if isinstance(raw, int) else Decimal(str(raw))


def _combine(kind: AggregationType, values: Sequence[Decimal | None]) -> Decimal | None:
    present = [value for value in values if value is not None]
    if not present:
        return None
    if kind is AggregationType.MAX:
        return max(present)
    if len(present) == 1:
        return present[0]
    assert kind in (AggregationType.COUNT, AggregationType.SUM)
    total = Decimal(0)
    for value in present:
        total = _EXACT.add(total, value)
    return total


def _customer_refs(customer_ids: Sequence[str] | None) -> Any:
    """``(ref, customer_id)``: each customer's id and active aliases (ids win over aliases)."""
    ids = select(customers_t.c.id.label("ref"), customers_t.c.id.label("customer_id"))
    aliases = select(
        aliases_t.c.alias.label("ref"), aliases_t.c.customer_id.label("customer_id")
    ).where(aliases_t.c.active.is_(True), aliases_t.c.alias.not_in(select(customers_t.c.id)))
    if customer_ids is not None:
        ids = ids.where(customers_t.c.id.in_(list(customer_ids)))
        aliases = aliases.where(aliases_t.c.customer_id.in_(list(customer_ids)))
    return union_all(ids, aliases).subquery("r")


def _event_type_prefilter(
    scan: _Scan, definitions: Iterable[BillableMetricDefinition]
) -> ColumnElement[bool]:
    """When every metric lists its event types, only those types need reading."""
    types: set[str] = set()
    for definition in definitions:
        etf = definition.event_type_filter
        if etf is None or etf.in_values is None:
            return true()
        types.update(etf.in_values)
    return scan.events.c.event_type.in_(sorted(types)) if types else false()


def _group_filter(scan: _Scan, group_by: GroupBy) -> ColumnElement[bool]:
    conditions = [
        scan.text(key).in_(group_by.values[key])
        for key in group_by.keys
        if group_by.values.get(key)
    ]
    return and_(true(), *conditions)


def _assemble(
    windows: Sequence[tuple[datetime, datetime]],
    window_size: WindowSize,
    totals: Mapping[datetime, Decimal],
    groups: Mapping[datetime, Mapping[GroupValue, Decimal]],
    group_by: GroupBy | None,
) -> tuple[UsageWindow, ...]:
    return tuple(
        UsageWindow(
            starting_at=start,
            ending_before=end,
            value=totals.get(start),
            groups=None if group_by is None else _group_map(groups.get(start, {}), group_by),
        )
        for start, end in windows
    )


def _group_map(
    found: Mapping[GroupValue, Decimal], group_by: GroupBy
) -> Mapping[GroupValue, Decimal | None]:
    groups: dict[GroupValue, Decimal | None] = dict.fromkeys(requested_groups(group_by))
    groups.update((value, number) for value, number in found.items())
    ordered = sorted(groups, key=_order)
    return MappingProxyType({value: groups[value] for value in ordered})


def _order(value: GroupValue) -> tuple[tuple[bool, str], ...]:
    return tuple((text is not None, text or "") for text in value)


class _Dialect:
    """What differs between PostgreSQL and SQLite: JSON access, numbers, windows, LATEST."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def prepare(self, connection: Connection) -> None:
        if self.sqlite:
            _register_sqlite_aggregates(connection)

    def text(self, column: Any, name: str) -> ColumnElement[Any]:
        if self.sqlite:
            return func.json_extract(column, literal(f'$."{sqlite_key(name)}"', Text))
        return column.op("->>", return_type=Text)(literal(name, Text))  # type: ignore[no-any-return]

    def number(self, column: Any, name: str) -> ColumnElement[Any]:
        if self.sqlite:
            return self.text(column, name)
        return cast(self.text(column, name), Numeric())

    def bucket(self, timestamp: Any, window_size: WindowSize) -> ColumnElement[Any]:
        if window_size is WindowSize.NONE:
            return literal(0)
        unit = "hour" if window_size is WindowSize.HOUR else "day"
        if self.sqlite:
            return func.substr(timestamp, 1, 13 if unit == "hour" else 10)
        return func.date_trunc(unit, timestamp, "UTC")

    def bucket_start(self, value: Any, window_size: WindowSize, start: datetime) -> datetime:
        if window_size is WindowSize.NONE:
            return start
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        text = str(value)
        pattern = "%Y-%m-%d %H" if window_size is WindowSize.HOUR else "%Y-%m-%d"
        return datetime.strptime(text, pattern).replace(tzinfo=UTC)

    def separate_latest(self, definition: BillableMetricDefinition) -> bool:
        return not self.sqlite and definition.aggregation_type is AggregationType.LATEST


class _ExactSum:
    """SQLite aggregate: the exact decimal sum of numeric texts, as text."""

    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: str | None) -> None:
        if value is not None:
            self.total = _EXACT.add(self.total or Decimal(0), Decimal(value))

    def finalize(self) -> str | None:
        """NULL when no number was summed, like SQL's ``sum``."""
        return None if self.total is None else format(self.total, "f")


class _ExactMax:
    """SQLite aggregate: the greatest of numeric texts, compared as decimals."""

    def __init__(self) -> None:
        self.best: Decimal | None = None

    def step(self, value: str | None) -> None:
        if value is not None:
            number = Decimal(value)
            if self.best is None or number > self.best:
                self.best = number

    def finalize(self) -> str | None:
        return None if self.best is None else format(self.best, "f")


class _Latest:
    """SQLite aggregate: the number of the latest event (timestamp, transaction id, number)."""

    def __init__(self) -> None:
        self.best: tuple[str, str, Decimal] | None = None

    def step(self, timestamp: str, transaction_id: str, value: str | None) -> None:
        if value is not None:
            candidate = (timestamp, transaction_id, Decimal(value))
            if self.best is None or candidate > self.best:
                self.best = candidate

    def finalize(self) -> str | None:
        return None if self.best is None else format(self.best[2], "f")


def _register_sqlite_aggregates(connection: Connection) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.create_aggregate("mb_exact_sum", 1, _ExactSum)
    raw.create_aggregate("mb_exact_max", 1, _ExactMax)
    raw.create_aggregate("mb_latest", 3, _Latest)
