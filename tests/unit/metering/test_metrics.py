"""Billable metric validation: the spec's rules, with the field at fault in the message."""

from __future__ import annotations

from typing import Any

import pytest

from meterbill.core.errors import DomainValidationError
from meterbill.core.metering import (
    AGGREGATION_KEY_NOT_A_FILTER,
    AggregationType,
    BillableMetricDefinition,
    EventTypeFilter,
    PropertyFilter,
    validate_metric,
)

SUM = AggregationType.SUM
AMOUNT = PropertyFilter(name="amount", exists=True)


def metric(**fields: Any) -> BillableMetricDefinition:
    defaults: dict[str, Any] = {
        "aggregation_type": SUM,
        "aggregation_key": "amount",
        "property_filters": (AMOUNT,),
    }
    return BillableMetricDefinition(**(defaults | fields))


def refused(definition: BillableMetricDefinition) -> str:
    with pytest.raises(DomainValidationError) as caught:
        validate_metric(definition)
    return caught.value.message


def test_a_valid_metric_is_returned_unchanged() -> None:
    valid = metric(group_keys=(("region",), ("region", "tier")))
    assert validate_metric(valid) is valid


def test_the_docs_api_calls_metric_is_valid() -> None:
    api_calls = BillableMetricDefinition(
        aggregation_type=AggregationType.COUNT,
        event_type_filter=EventTypeFilter(in_values=("api_request",)),
        property_filters=(
            PropertyFilter(name="status", exists=True, in_values=("success",)),
            PropertyFilter(name="user_id", exists=True),
        ),
        group_keys=(("user_id",),),
    )
    assert validate_metric(api_calls) is api_calls


@pytest.mark.parametrize("kind", ["SUM", "MAX", "UNIQUE", "LATEST"])
def test_non_count_aggregations_require_an_aggregation_key(kind: str) -> None:
    message = refused(metric(aggregation_type=AggregationType(kind), aggregation_key=None))
    assert message.startswith("aggregation_key: required")


def test_the_aggregation_key_must_be_a_property_filter_name_in_metronomes_words() -> None:
    assert refused(metric(aggregation_key="bytes")) == AGGREGATION_KEY_NOT_A_FILTER
    assert AGGREGATION_KEY_NOT_A_FILTER == (
        "The specified aggregation key must be one of the property filter names"
    )


def test_the_aggregation_key_filter_may_not_forbid_the_property() -> None:
    message = refused(metric(property_filters=(PropertyFilter(name="amount", exists=False),)))
    assert "aggregation key" in message


def test_count_accepts_and_ignores_an_aggregation_key_without_a_filter() -> None:
    count = metric(aggregation_type=AggregationType.COUNT, aggregation_key="bytes")
    assert validate_metric(count).value_key is None


def test_group_keys_need_not_be_property_filters() -> None:
    assert validate_metric(metric(group_keys=(("region",),)))


@pytest.mark.parametrize(
    ("event_type_filter", "field"),
    [
        (EventTypeFilter(), "event_type_filter:"),
        (EventTypeFilter(in_values=()), "event_type_filter.in_values:"),
        (EventTypeFilter(not_in_values=()), "event_type_filter.not_in_values:"),
    ],
)
def test_event_type_filter_must_be_non_empty_when_present(
    event_type_filter: EventTypeFilter, field: str
) -> None:
    assert refused(metric(event_type_filter=event_type_filter)).startswith(field)


@pytest.mark.parametrize(
    ("bad_filter", "field"),
    [
        (PropertyFilter(name=""), "property_filters[1].name:"),
        (PropertyFilter(name="r", in_values=()), "property_filters[1].in_values:"),
        (PropertyFilter(name="r", not_in_values=()), "property_filters[1].not_in_values:"),
        (PropertyFilter(name="r", exists=False, in_values=("a",)), "property_filters[1]:"),
    ],
)
def test_property_filters_are_checked_one_by_one(bad_filter: PropertyFilter, field: str) -> None:
    assert refused(metric(property_filters=(AMOUNT, bad_filter))).startswith(field)


@pytest.mark.parametrize(
    ("group_keys", "field"),
    [
        (((),), "group_keys[0]:"),
        ((("region", ""),), "group_keys[0]:"),
        ((("region", "region"),), "group_keys[0]:"),
        ((("region", "tier"), ("tier", "region")), "group_keys[1]: repeats group_keys[0]"),
    ],
)
def test_group_keys_are_non_empty_and_distinct(
    group_keys: tuple[tuple[str, ...], ...], field: str
) -> None:
    assert refused(metric(group_keys=group_keys)).startswith(field)
