"""Which events a metric matches: event type, property filters, and a usable aggregation key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from meterbill.core.metering import (
    AggregationType,
    BillableMetricDefinition,
    EventTypeFilter,
    JsonValue,
    PropertyFilter,
    matches,
)

from .builders import event

COUNT = AggregationType.COUNT


def count_metric(
    *filters: PropertyFilter, types: EventTypeFilter | None = None
) -> BillableMetricDefinition:
    return BillableMetricDefinition(COUNT, event_type_filter=types, property_filters=filters)


def test_event_type_in_values_match_exactly_and_case_sensitively() -> None:
    metric = count_metric(types=EventTypeFilter(in_values=("api_call",)))
    assert matches(event(event_type="api_call"), metric)
    assert not matches(event(event_type="API_CALL"), metric)


def test_event_type_not_in_values_exclude() -> None:
    metric = count_metric(types=EventTypeFilter(in_values=("a", "b"), not_in_values=("b",)))
    assert matches(event(event_type="a"), metric)
    assert not matches(event(event_type="b"), metric)
    assert not matches(event(event_type="c"), metric)


def test_exists_true_requires_the_property_and_null_counts_as_absent() -> None:
    metric = count_metric(PropertyFilter(name="user_id", exists=True))
    assert matches(event(user_id="u1"), metric)
    assert matches(event(user_id=""), metric)
    assert not matches(event(), metric)
    assert not matches(event(user_id=None), metric)


def test_exists_false_requires_the_property_absent() -> None:
    metric = count_metric(PropertyFilter(name="debug", exists=False))
    assert matches(event(), metric)
    assert matches(event(debug=None), metric)
    assert not matches(event(debug=False), metric)


def test_in_values_fail_an_absent_property_and_not_in_values_pass_it() -> None:
    only_eu = count_metric(PropertyFilter(name="region", in_values=("eu",)))
    not_eu = count_metric(PropertyFilter(name="region", not_in_values=("eu",)))
    assert matches(event(region="eu"), only_eu)
    assert not matches(event(), only_eu)
    assert not matches(event(region="eu"), not_eu)
    assert matches(event(), not_eu)
    assert matches(event(region="us"), not_eu)


@pytest.mark.parametrize(
    ("value", "listed"),
    [
        (200, "200"),
        (Decimal("1.50"), "1.5"),
        (True, "true"),
        ("1.50", "1.50"),
    ],
)
def test_in_values_compare_with_the_property_text(value: JsonValue, listed: str) -> None:
    assert matches(
        event(code=value), count_metric(PropertyFilter(name="code", in_values=(listed,)))
    )


def test_a_numeric_string_is_compared_as_written() -> None:
    metric = count_metric(PropertyFilter(name="code", in_values=("1.5",)))
    assert not matches(event(code="1.50"), metric)
    assert matches(event(code=Decimal("1.50")), metric)


def test_all_property_filters_must_pass() -> None:
    metric = count_metric(
        PropertyFilter(name="region", in_values=("eu",)),
        PropertyFilter(name="tier", exists=True),
    )
    assert matches(event(region="eu", tier="gold"), metric)
    assert not matches(event(region="eu"), metric)


def sum_of(kind: AggregationType) -> BillableMetricDefinition:
    return BillableMetricDefinition(
        kind, aggregation_key="bytes", property_filters=(PropertyFilter(name="bytes"),)
    )


@pytest.mark.parametrize("kind", [AggregationType.SUM, AggregationType.MAX, AggregationType.LATEST])
@pytest.mark.parametrize(
    ("value", "matched"),
    [(5, True), ("5.5", True), ("abc", False), (True, False), (None, False), ((1,), False)],
)
def test_numeric_aggregations_match_only_numbers_and_numeric_strings(
    kind: AggregationType, value: JsonValue, matched: bool
) -> None:
    assert matches(event(bytes=value), sum_of(kind)) is matched


def test_numeric_aggregations_do_not_match_events_without_the_key() -> None:
    assert not matches(event(), sum_of(AggregationType.SUM))


def test_unique_matches_any_non_null_value_of_the_key() -> None:
    unique = sum_of(AggregationType.UNIQUE)
    assert matches(event(bytes="abc"), unique)
    assert matches(event(bytes=False), unique)
    assert not matches(event(bytes=None), unique)
    assert not matches(event(), unique)


def test_count_ignores_its_aggregation_key() -> None:
    metric = BillableMetricDefinition(COUNT, aggregation_key="bytes")
    assert matches(event(), metric)
