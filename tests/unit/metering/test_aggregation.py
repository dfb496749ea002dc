"""The reference aggregation, by example: each aggregation, windows, bounds and groups."""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.metering import (
    AggregationType,
    BillableMetricDefinition,
    GroupBy,
    PropertyFilter,
    UsageEvent,
    UsageWindow,
    WindowSize,
    aggregate_usage,
)

from .builders import DAY_1, DAY_2, DAY_3, at, event

DAY = WindowSize.DAY
NONE = WindowSize.NONE


def metric(kind: AggregationType, key: str = "value") -> BillableMetricDefinition:
    if kind is AggregationType.COUNT:
        return BillableMetricDefinition(kind)
    return BillableMetricDefinition(
        kind, aggregation_key=key, property_filters=(PropertyFilter(name=key, exists=True),)
    )


def total(
    events: list[UsageEvent], kind: AggregationType, group_by: GroupBy | None = None
) -> UsageWindow:
    (window,) = aggregate_usage(
        events,
        metric(kind),
        starting_at=DAY_1,
        ending_before=DAY_2,
        window_size=NONE,
        group_by=group_by,
    )
    return window


def test_count_counts_matching_events() -> None:
    assert total([event(), event(), event()], AggregationType.COUNT).value == 3


def test_sum_is_exact_over_numbers_and_numeric_strings() -> None:
    events = [
        event(value=Decimal("0.1")),
        event(value="0.2"),
        event(value="12345678901234567.123456789012"),
        event(value=1),
        event(value="n/a"),  # not a number: not matched
    ]
    assert total(events, AggregationType.SUM).value == Decimal("12345678901234568.423456789012")


def test_max_takes_the_largest_number() -> None:
    events = [event(value="-5"), event(value=Decimal("2.5")), event(value="2.49")]
    assert total(events, AggregationType.MAX).value == Decimal("2.5")


def test_unique_counts_distinct_texts() -> None:
    events = [
        event(value="u1"),
        event(value="u1"),
        event(value="u2"),
        event(value=1),
        event(value="1"),
        event(value=Decimal("1.0")),
    ]
    assert total(events, AggregationType.UNIQUE).value == 3  # "u1", "u2", "1"


def test_latest_takes_the_value_of_the_latest_event() -> None:
    events = [
        event(at(DAY_1, 9), value=5),
        event(at(DAY_1, 10), value=3),
        event(at(DAY_1, 8), value=9),
    ]
    assert total(events, AggregationType.LATEST).value == 3


def test_latest_breaks_timestamp_ties_by_the_greatest_transaction_id() -> None:
    same_time = at(DAY_1, 10)
    events = [
        event(same_time, transaction_id="b", value=1),
        event(same_time, transaction_id="a", value=7),
    ]
    assert total(events, AggregationType.LATEST).value == 1
    assert total(list(reversed(events)), AggregationType.LATEST).value == 1


def test_an_empty_window_is_none_not_zero() -> None:
    for kind in AggregationType:
        assert total([], kind).value is None


def test_events_at_ending_before_belong_to_the_next_window() -> None:
    events = [event(DAY_1), event(at(DAY_1, 23, 59, 999999)), event(DAY_2), event(DAY_3)]
    windows = aggregate_usage(
        events,
        metric(AggregationType.COUNT),
        starting_at=DAY_1,
        ending_before=DAY_3,
        window_size=DAY,
    )
    assert [(w.starting_at, w.ending_before, w.value) for w in windows] == [
        (DAY_1, DAY_2, Decimal(2)),
        (DAY_2, DAY_3, Decimal(1)),
    ]


def test_hour_windows_include_empty_hours() -> None:
    windows = aggregate_usage(
        [event(at(DAY_1, 2, 30))],
        metric(AggregationType.COUNT),
        starting_at=DAY_1,
        ending_before=DAY_2,
        window_size=WindowSize.HOUR,
    )
    assert [w.value for w in windows[:4]] == [None, None, 1, None]
    assert all(w.groups is None for w in windows)


def test_grouping_splits_by_value_and_puts_missing_keys_under_none() -> None:
    events = [
        event(region="eu", value=2),
        event(region="eu", value=3),
        event(value=4),
        event(region="us", value=1),
    ]
    window = total(events, AggregationType.SUM, GroupBy(keys=("region",)))
    assert window.value == 10
    assert dict(window.groups or {}) == {(None,): 4, ("eu",): 5, ("us",): 1}
    assert list(window.groups or {}) == [(None,), ("eu",), ("us",)]


def test_requested_group_values_are_reported_even_without_usage() -> None:
    group_by = GroupBy(keys=("region",), values={"region": ("eu", "apac")})
    window = total(
        [event(region="eu", value=2), event(region="us", value=1)], AggregationType.SUM, group_by
    )
    assert dict(window.groups or {}) == {("apac",): None, ("eu",): 2}
    assert window.value == 3  # the whole metric, whatever the group filter


def test_compound_groups_use_every_key() -> None:
    events = [
        event(region="eu", tier="gold"),
        event(region="eu", tier="free"),
        event(region="eu", tier="gold"),
        event(region="us"),
    ]
    window = total(events, AggregationType.COUNT, GroupBy(keys=("region", "tier")))
    assert dict(window.groups or {}) == {
        ("eu", "free"): 1,
        ("eu", "gold"): 2,
        ("us", None): 1,
    }


def test_a_compound_group_filter_on_one_key_keeps_every_value_of_the_other() -> None:
    events = [event(region="eu", tier="gold"), event(region="us", tier="gold"), event(region="eu")]
    group_by = GroupBy(keys=("region", "tier"), values={"region": ("eu",), "tier": ()})
    window = total(events, AggregationType.COUNT, group_by)
    assert dict(window.groups or {}) == {("eu", None): 1, ("eu", "gold"): 1}


def test_compound_filters_on_every_key_report_every_combination() -> None:
    group_by = GroupBy(keys=("region", "tier"), values={"region": ("eu", "us"), "tier": ("gold",)})
    window = total([event(region="eu", tier="gold")], AggregationType.COUNT, group_by)
    assert dict(window.groups or {}) == {("eu", "gold"): 1, ("us", "gold"): None}


def test_events_outside_the_range_are_ignored() -> None:
    events = [event(at(DAY_1, 0) - (DAY_2 - DAY_1)), event(DAY_2), event(DAY_1)]
    assert total(events, AggregationType.COUNT).value == 1
