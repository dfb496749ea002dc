"""Properties of the reference aggregation over random events and metrics."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from random import Random

from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.metering import (
    AggregationType,
    BillableMetricDefinition,
    GroupBy,
    UsageEvent,
    UsageWindow,
    WindowSize,
    aggregate_usage,
    exact_sum,
    matches,
    validate_metric,
)

from .strategies import (
    RANGE_DAYS,
    RANGE_START,
    group_bys,
    metric_definitions,
    usage_events,
)

START = RANGE_START
END = RANGE_START + timedelta(days=RANGE_DAYS)


def usage(
    events: list[UsageEvent],
    metric: BillableMetricDefinition,
    size: WindowSize,
    group_by: GroupBy | None = None,
) -> tuple[UsageWindow, ...]:
    return aggregate_usage(
        events, metric, starting_at=START, ending_before=END, window_size=size, group_by=group_by
    )


def whole(events: list[UsageEvent], metric: BillableMetricDefinition) -> Decimal | None:
    (window,) = usage(events, metric, WindowSize.NONE)
    return window.value


def present(values: list[Decimal | None]) -> list[Decimal]:
    return [value for value in values if value is not None]


def add(values: list[Decimal | None]) -> Decimal | None:
    numbers = present(values)
    return exact_sum(numbers) if numbers else None


@given(metric_definitions())
def test_generated_metrics_are_valid(metric: BillableMetricDefinition) -> None:
    assert validate_metric(metric) is metric


@given(usage_events(), metric_definitions(), st.sampled_from([WindowSize.HOUR, WindowSize.DAY]))
def test_windows_of_additive_aggregations_add_up_to_the_whole_range(
    events: list[UsageEvent], metric: BillableMetricDefinition, size: WindowSize
) -> None:
    windows = [w.value for w in usage(events, metric, size)]
    expected = whole(events, metric)
    kind = metric.aggregation_type
    if kind in (AggregationType.COUNT, AggregationType.SUM):
        assert add(windows) == expected
    elif kind is AggregationType.MAX:
        assert max(present(windows), default=None) == expected
    elif kind is AggregationType.LATEST:
        non_empty = present(windows)
        assert (non_empty[-1] if non_empty else None) == expected
    else:
        assert max(present(windows), default=0) <= (expected or 0) <= (add(windows) or 0)


@given(usage_events(), metric_definitions())
def test_hours_add_up_to_days(events: list[UsageEvent], metric: BillableMetricDefinition) -> None:
    hours = [w.value for w in usage(events, metric, WindowSize.HOUR)]
    days = [w.value for w in usage(events, metric, WindowSize.DAY)]
    if metric.aggregation_type in (AggregationType.COUNT, AggregationType.SUM):
        assert [add(hours[i * 24 : (i + 1) * 24]) for i in range(RANGE_DAYS)] == days


@given(usage_events(), metric_definitions())
def test_every_value_counts_matching_events_in_the_range_only(
    events: list[UsageEvent], metric: BillableMetricDefinition
) -> None:
    matched = [e for e in events if START <= e.timestamp < END and matches(e, metric)]
    value = whole(events, metric)
    assert (value is None) == (not matched)
    if metric.aggregation_type in (AggregationType.COUNT, AggregationType.UNIQUE):
        assert (value or 0) <= len(matched)
    if metric.aggregation_type is AggregationType.COUNT:
        assert value == (len(matched) or None)


@given(usage_events(), metric_definitions(), st.randoms(use_true_random=False))
def test_event_order_does_not_matter(
    events: list[UsageEvent], metric: BillableMetricDefinition, random: Random
) -> None:
    shuffled = list(events)
    random.shuffle(shuffled)
    assert usage(shuffled, metric, WindowSize.DAY) == usage(events, metric, WindowSize.DAY)


@given(st.data())
def test_unfiltered_groups_partition_the_matching_events(data: st.DataObject) -> None:
    metric = data.draw(metric_definitions(min_group_keys=1))
    events = data.draw(usage_events())
    group_by = GroupBy(keys=data.draw(st.sampled_from(metric.group_keys)))
    for window in usage(events, metric, WindowSize.DAY, group_by):
        groups = list((window.groups or {}).values())
        assert None not in groups
        kind = metric.aggregation_type
        if kind in (AggregationType.COUNT, AggregationType.SUM):
            assert add(groups) == window.value
        elif kind is AggregationType.MAX:
            assert max(present(groups), default=None) == window.value
        elif kind is AggregationType.UNIQUE:
            assert (window.value or 0) <= (add(groups) or 0)
        else:
            assert window.value is None or window.value in groups


@given(st.data())
def test_group_filters_keep_only_listed_values(data: st.DataObject) -> None:
    metric = data.draw(metric_definitions(min_group_keys=1))
    group_by = data.draw(group_bys(metric))
    unfiltered = GroupBy(keys=group_by.keys)
    events = data.draw(usage_events())
    for kept, every in zip(
        usage(events, metric, WindowSize.NONE, group_by),
        usage(events, metric, WindowSize.NONE, unfiltered),
        strict=True,
    ):
        for value, amount in (kept.groups or {}).items():
            assert amount == (every.groups or {}).get(value)
            for key, text in zip(group_by.keys, value, strict=True):
                assert not group_by.values.get(key) or text in group_by.values[key]
