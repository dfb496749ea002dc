"""Whether a usage event matches a billable metric, and the value it contributes.

An event matches when its type passes the event-type filter, every property filter passes, and,
for every aggregation but COUNT, the aggregation key has a usable value: a number for SUM, MAX
and LATEST (``decisions.md`` §8: a non-numeric value means no match), any non-null value for
UNIQUE. Comparison is on :func:`~meterbill.core.metering.properties.property_text`, exact and
case-sensitive.
"""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.metering.metrics import (
    NUMERIC_AGGREGATIONS,
    AggregationType,
    BillableMetricDefinition,
    EventTypeFilter,
    PropertyFilter,
)
from meterbill.core.metering.properties import numeric_value, property_text
from meterbill.core.metering.values import UsageEvent


def passes_event_type_filter(event_type: str, event_type_filter: EventTypeFilter | None) -> bool:
    """Both lists, when present, must pass; no filter lets every type through."""
    if event_type_filter is None:
        return True
    if event_type_filter.in_values is not None and event_type not in event_type_filter.in_values:
        return False
    not_in = event_type_filter.not_in_values
    return not_in is None or event_type not in not_in


def passes_property_filter(event: UsageEvent, property_filter: PropertyFilter) -> bool:
    """One property rule; an absent or ``null`` property has no text."""
    text = property_text(event.properties.get(property_filter.name))
    if property_filter.exists is not None and property_filter.exists != (text is not None):
        return False
    if property_filter.in_values is not None and text not in property_filter.in_values:
        return False
    not_in = property_filter.not_in_values
    return not_in is None or text is None or text not in not_in


def passes_filters(event: UsageEvent, metric: BillableMetricDefinition) -> bool:
    """The event-type filter and all property filters pass (the aggregation key is not checked)."""
    return passes_event_type_filter(event.event_type, metric.event_type_filter) and all(
        passes_property_filter(event, f) for f in metric.property_filters
    )


def numeric_contribution(event: UsageEvent, metric: BillableMetricDefinition) -> Decimal | None:
    """The number a SUM/MAX/LATEST metric reads from the event, or None if it has none."""
    key = metric.value_key
    return None if key is None else numeric_value(event.properties.get(key))


def unique_contribution(event: UsageEvent, metric: BillableMetricDefinition) -> str | None:
    """The text a UNIQUE metric counts distinct values of, or None if it has none."""
    key = metric.value_key
    return None if key is None else property_text(event.properties.get(key))


def matches(event: UsageEvent, metric: BillableMetricDefinition) -> bool:
    """Whether ``event`` counts towards ``metric`` (see module docstring)."""
    if not passes_filters(event, metric):
        return False
    if metric.aggregation_type is AggregationType.COUNT:
        return True
    if metric.aggregation_type in NUMERIC_AGGREGATIONS:
        return numeric_contribution(event, metric) is not None
    return unique_contribution(event, metric) is not None
