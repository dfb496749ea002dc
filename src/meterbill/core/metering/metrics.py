"""Billable metric definitions (the structured, "streaming" kind) and their validation.

A definition holds only what decides which events match and how they aggregate; the id, name,
custom fields and archive state live with the stored metric. SQL metrics are not modelled here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from meterbill.core.errors import DomainValidationError

AGGREGATION_KEY_NOT_A_FILTER = (
    "The specified aggregation key must be one of the property filter names"
)


class AggregationType(StrEnum):
    """How matching events become one number per window (wire names are Metronome's)."""

    COUNT = "COUNT"
    SUM = "SUM"
    MAX = "MAX"
    UNIQUE = "UNIQUE"
    LATEST = "LATEST"


NUMERIC_AGGREGATIONS = frozenset({AggregationType.SUM, AggregationType.MAX, AggregationType.LATEST})
"""Aggregations that need a numeric aggregation-key value (``decisions.md`` §8)."""


@dataclass(frozen=True, slots=True)
class EventTypeFilter:
    """``in_values``: the event type must be one of them; ``not_in_values``: must be none."""

    in_values: tuple[str, ...] | None = None
    not_in_values: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class PropertyFilter:
    """A rule on one property; a metric's filters must all pass.

    ``exists`` True requires the property, False requires it absent, None allows either.
    ``in_values`` requires the property's text to be listed (so an absent property fails);
    ``not_in_values`` requires it not to be listed (so an absent property passes).
    """

    name: str
    exists: bool | None = None
    in_values: tuple[str, ...] | None = None
    not_in_values: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class BillableMetricDefinition:
    """What events a metric matches and how it aggregates them.

    ``aggregation_key`` is ignored for COUNT. ``group_keys`` lists simple keys (one name) and
    compound keys (several names) usage may be grouped by. Build with :func:`validate_metric`
    before trusting it.
    """

    aggregation_type: AggregationType
    aggregation_key: str | None = None
    event_type_filter: EventTypeFilter | None = None
    property_filters: tuple[PropertyFilter, ...] = ()
    group_keys: tuple[tuple[str, ...], ...] = ()

    @property
    def value_key(self) -> str | None:
        """The property the aggregation reads, or None for COUNT."""
        if self.aggregation_type is AggregationType.COUNT:
            return None
        return self.aggregation_key


def validate_metric(metric: BillableMetricDefinition) -> BillableMetricDefinition:
    """Return ``metric`` unchanged if valid, else raise :class:`DomainValidationError`.

    Messages start with the wire field at fault (``property_filters[2].in_values: ...``),
    except Metronome's own aggregation-key message, which is reproduced verbatim.
    """
    if metric.event_type_filter is not None:
        _check_event_type_filter(metric.event_type_filter)
    for index, property_filter in enumerate(metric.property_filters):
        _check_property_filter(property_filter, f"property_filters[{index}]")
    _check_aggregation_key(metric)
    _check_group_keys(metric.group_keys)
    return metric


def _check_event_type_filter(event_type_filter: EventTypeFilter) -> None:
    if event_type_filter.in_values is None and event_type_filter.not_in_values is None:
        raise DomainValidationError("event_type_filter: give in_values or not_in_values")
    _check_non_empty(event_type_filter.in_values, "event_type_filter.in_values")
    _check_non_empty(event_type_filter.not_in_values, "event_type_filter.not_in_values")


def _check_property_filter(property_filter: PropertyFilter, path: str) -> None:
    if not property_filter.name:
        raise DomainValidationError(f"{path}.name: must not be empty")
    _check_non_empty(property_filter.in_values, f"{path}.in_values")
    _check_non_empty(property_filter.not_in_values, f"{path}.not_in_values")
    if property_filter.exists is False and property_filter.in_values is not None:
        raise DomainValidationError(
            f"{path}: in_values can never match a property that must not exist"
        )


def _check_non_empty(values: tuple[str, ...] | None, path: str) -> None:
    if values is not None and not values:
        raise DomainValidationError(f"{path}: must be non-empty if present")


def _check_aggregation_key(metric: BillableMetricDefinition) -> None:
    if metric.aggregation_type is AggregationType.COUNT:
        return
    key = metric.aggregation_key
    if not key:
        raise DomainValidationError(
            f"aggregation_key: required when aggregation_type is {metric.aggregation_type}"
        )
    filters = [f for f in metric.property_filters if f.name == key]
    if not filters:
        raise DomainValidationError(AGGREGATION_KEY_NOT_A_FILTER)
    if any(f.exists is False for f in filters):
        raise DomainValidationError(
            "property_filters: the aggregation key's filter must not require it to be absent"
        )


def _check_group_keys(group_keys: tuple[tuple[str, ...], ...]) -> None:
    seen: dict[frozenset[str], int] = {}
    for index, group_key in enumerate(group_keys):
        path = f"group_keys[{index}]"
        if not group_key:
            raise DomainValidationError(f"{path}: must name at least one property")
        if any(not name for name in group_key):
            raise DomainValidationError(f"{path}: property names must not be empty")
        names = frozenset(group_key)
        if len(names) != len(group_key):
            raise DomainValidationError(f"{path}: names a property twice")
        if names in seen:
            raise DomainValidationError(f"{path}: repeats group_keys[{seen[names]}]")
        seen[names] = index
