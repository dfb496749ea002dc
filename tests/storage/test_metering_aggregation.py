"""The SQL aggregation engine gives the reference's answers, on SQLite and PostgreSQL.

Random events and random metrics (``tests/unit/metering/strategies.py``) go into the database;
``UsageRepository`` must return exactly what ``core.metering.aggregate_usage`` computes from the
same events in memory. Each example runs in a transaction that is rolled back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from meterbill.core.customers import Customer
from meterbill.core.metering import (
    AggregationType,
    BillableMetricDefinition,
    EventTypeFilter,
    GroupBy,
    PropertyFilter,
    UsageEvent,
    UsageWindow,
    WindowSize,
    aggregate_usage,
    split_duplicates,
)
from meterbill.storage.repositories.usage import MetricQuery
from meterbill.storage.uow import UnitOfWork
from tests.unit.metering.strategies import (
    EVENT_TYPES,
    RANGE_DAYS,
    RANGE_START,
    group_bys,
    metric_definitions,
    usage_events,
    window_sizes,
)

START = RANGE_START
END = RANGE_START + timedelta(days=RANGE_DAYS)
CREATED = datetime(2024, 1, 1, tzinfo=UTC)
DB_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _customer(uow: UnitOfWork) -> None:
    """``cust-1`` holds the alias ``alias-a``: events under either id are its usage."""
    uow.customers.add(
        Customer(
            id="cust-1",
            name="One",
            ingest_aliases=("alias-a",),
            created_at=CREATED,
            updated_at=CREATED,
        )
    )


def _store(uow: UnitOfWork, events: Sequence[UsageEvent]) -> None:
    _customer(uow)
    assert uow.events.add_new(events, CREATED) == []


def _same(found: Sequence[UsageWindow], expected: Sequence[UsageWindow]) -> None:
    """Windows, values and groups agree; values compare as numbers (scale carries no meaning)."""
    assert [(w.starting_at, w.ending_before) for w in found] == [
        (w.starting_at, w.ending_before) for w in expected
    ]
    assert [w.value for w in found] == [w.value for w in expected]
    for got, want in zip(found, expected, strict=True):
        if want.groups is None:
            assert got.groups is None
            continue
        assert got.groups is not None
        assert list(got.groups) == list(want.groups)
        assert list(got.groups.values()) == list(want.groups.values())


@DB_SETTINGS
@given(events=usage_events(), metric=metric_definitions(), size=window_sizes())
def test_sql_engine_matches_the_reference(
    engine: Engine,
    events: list[UsageEvent],
    metric: BillableMetricDefinition,
    size: WindowSize,
) -> None:
    with UnitOfWork(engine) as uow:
        _store(uow, events)
        found = uow.usage.aggregate(
            metric, customer_id="cust-1", starting_at=START, ending_before=END, window_size=size
        )
    expected = aggregate_usage(
        events, metric, starting_at=START, ending_before=END, window_size=size
    )
    _same(found, expected)


@DB_SETTINGS
@given(data=st.data(), events=usage_events(), size=window_sizes())
def test_sql_engine_matches_the_reference_when_grouping(
    engine: Engine, data: st.DataObject, events: list[UsageEvent], size: WindowSize
) -> None:
    metric = data.draw(metric_definitions(min_group_keys=1))
    group_by = data.draw(group_bys(metric))
    with UnitOfWork(engine) as uow:
        _store(uow, events)
        found = uow.usage.aggregate(
            metric,
            customer_id="cust-1",
            starting_at=START,
            ending_before=END,
            window_size=size,
            group_by=group_by,
        )
    expected = aggregate_usage(
        events, metric, starting_at=START, ending_before=END, window_size=size, group_by=group_by
    )
    _same(found, expected)


@DB_SETTINGS
@given(
    events=usage_events(),
    metrics=st.lists(metric_definitions(), min_size=2, max_size=5),
    size=window_sizes(),
)
def test_many_metrics_in_one_scan_give_each_metrics_own_answer(
    engine: Engine,
    events: list[UsageEvent],
    metrics: list[BillableMetricDefinition],
    size: WindowSize,
) -> None:
    queries = [MetricQuery(f"m{i}", metric) for i, metric in enumerate(metrics)]
    with UnitOfWork(engine) as uow:
        _store(uow, events)
        found = uow.usage.aggregate_many(
            queries, customer_ids=["cust-1"], starting_at=START, ending_before=END,
            window_size=size,
        )  # fmt: skip
    for query in queries:
        expected = aggregate_usage(
            events, query.definition, starting_at=START, ending_before=END, window_size=size
        )
        _same(found[("cust-1", query.metric_id)], expected)


_TYPED = st.builds(
    lambda metric, types, excluded: replace(
        metric, event_type_filter=EventTypeFilter(in_values=types, not_in_values=excluded)
    ),
    metric_definitions(),
    st.lists(st.sampled_from(EVENT_TYPES), min_size=1, max_size=3).map(tuple),
    st.none() | st.lists(st.sampled_from(EVENT_TYPES), min_size=1, max_size=1).map(tuple),
)


@DB_SETTINGS
@given(events=usage_events(), metrics=st.lists(_TYPED, min_size=1, max_size=6), size=window_sizes())
def test_metrics_listing_their_event_types_share_one_grouped_scan(
    engine: Engine,
    events: list[UsageEvent],
    metrics: list[BillableMetricDefinition],
    size: WindowSize,
) -> None:
    queries = [MetricQuery(f"m{i}", metric) for i, metric in enumerate(metrics)]
    with UnitOfWork(engine) as uow:
        _store(uow, events)
        found = uow.usage.aggregate_many(
            queries, customer_ids=["cust-1"], starting_at=START, ending_before=END,
            window_size=size,
        )  # fmt: skip
    for query in queries:
        expected = aggregate_usage(
            events, query.definition, starting_at=START, ending_before=END, window_size=size
        )
        _same(found[("cust-1", query.metric_id)], expected)


def _event(transaction_id: str, customer: str, **properties: object) -> UsageEvent:
    return UsageEvent(
        transaction_id=transaction_id,
        customer_id=customer,
        event_type="api_call",
        timestamp=START + timedelta(hours=1),
        properties=properties,
    )


SUM_AMOUNT = BillableMetricDefinition(
    aggregation_type=AggregationType.SUM,
    aggregation_key="amount",
    event_type_filter=EventTypeFilter(in_values=("api_call",)),
    property_filters=(PropertyFilter(name="amount", exists=True),),
)


def test_sums_beyond_float_precision_stay_exact(engine: Engine) -> None:
    events = [
        _event("a", "cust-1", amount=Decimal("12345678901234567.123456789012")),
        _event("b", "cust-1", amount="0.000000000000000000000000000001"),
        _event("c", "alias-a", amount="1e3"),
    ]
    with UnitOfWork(engine) as uow:
        _store(uow, events)
        (window,) = uow.usage.aggregate(
            SUM_AMOUNT, customer_id="cust-1", starting_at=START, ending_before=END
        )
    assert window.value == Decimal("12345678901235567.123456789012000000000000000001")


def test_unknown_customers_and_other_customers_events_are_not_counted(engine: Engine) -> None:
    events = [
        _event("a", "cust-1", amount=1),
        _event("b", "nobody-yet", amount=10),
        _event("c", "cust-2", amount=100),
    ]
    with UnitOfWork(engine) as uow:
        _store(uow, events)
        found = uow.usage.aggregate_many(
            [MetricQuery("sum", SUM_AMOUNT)],
            customer_ids=None,
            starting_at=START,
            ending_before=END,
        )
    assert {key: windows[0].value for key, windows in found.items()} == {
        ("cust-1", "sum"): Decimal(1)
    }


@pytest.mark.parametrize("name", ["a.b", 'q"uote', "$", "[0]", "sp ace", "ünï", "1st"])
def test_property_names_with_any_characters_filter_and_aggregate(engine: Engine, name: str) -> None:
    metric = BillableMetricDefinition(
        aggregation_type=AggregationType.SUM,
        aggregation_key=name,
        property_filters=(PropertyFilter(name=name, not_in_values=("7",)),),
    )
    events = [
        _event("a", "cust-1", **{name: 2}),
        _event("b", "cust-1", **{name: "7"}),
        _event("c", "cust-1", other=5),
    ]
    with UnitOfWork(engine) as uow:
        _store(uow, events)
        (window,) = uow.usage.aggregate(
            metric, customer_id="cust-1", starting_at=START, ending_before=END
        )
    assert window.value == 2


def test_a_duplicate_transaction_id_is_refused_by_the_table(engine: Engine) -> None:
    first = _event("same", "cust-1", amount=1)
    second = _event("same", "cust-1", amount=2)
    with UnitOfWork(engine) as uow:
        _customer(uow)
        assert uow.events.add_new([first], CREATED) == []
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert uow.events.add_new([second], CREATED) == [second]
        uow.commit()
    assert split_duplicates([first, second]).duplicates == (second,)
    with UnitOfWork(engine) as uow:
        (window,) = uow.usage.aggregate(
            SUM_AMOUNT, customer_id="cust-1", starting_at=START, ending_before=END
        )
    assert window.value == 1


def test_grouping_without_values_lists_groups_in_reference_order(engine: Engine) -> None:
    metric = BillableMetricDefinition(
        aggregation_type=AggregationType.COUNT, group_keys=(("region",),)
    )
    events = [
        _event("a", "cust-1", region="eu"),
        _event("b", "cust-1"),
        _event("c", "cust-1", region="EU"),
    ]
    with UnitOfWork(engine) as uow:
        _store(uow, events)
        (window,) = uow.usage.aggregate(
            metric,
            customer_id="cust-1",
            starting_at=START,
            ending_before=END,
            group_by=GroupBy(keys=("region",)),
        )
    assert window.value == 3
    assert window.groups is not None
    assert list(window.groups.items()) == [((None,), 1), (("EU",), 1), (("eu",), 1)]
