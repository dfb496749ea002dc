"""Grouping usage by a simple or compound key, with optional value filters.

An event's group value is the tuple of the :func:`property_text` of each key property, ``None``
where the property is absent or ``null``. A filter lists the allowed texts of one key; an omitted
or empty list allows every value (an event missing a filtered key is filtered out).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from meterbill.core.errors import DomainValidationError
from meterbill.core.metering.metrics import BillableMetricDefinition
from meterbill.core.metering.properties import property_text
from meterbill.core.metering.values import UsageEvent

MAX_GROUP_FILTER_VALUES = 200
"""Metronome's limit on the filter values of one usage query, all keys together."""

GroupValue = tuple[str | None, ...]
"""One text (or None) per key of the :class:`GroupBy`, in its key order."""

_NO_FILTERS: Mapping[str, tuple[str, ...]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class GroupBy:
    """Group by ``keys`` (one name, or several for a compound key), keeping ``values`` only."""

    keys: tuple[str, ...]
    values: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _NO_FILTERS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


def group_value(event: UsageEvent, group_by: GroupBy) -> GroupValue:
    """The event's value of each key, as text."""
    return tuple(property_text(event.properties.get(key)) for key in group_by.keys)


def passes_group_filter(value: GroupValue, group_by: GroupBy) -> bool:
    """Whether every filtered key's text is among its allowed values."""
    for key, text in zip(group_by.keys, value, strict=True):
        allowed = group_by.values.get(key)
        if allowed and text not in allowed:
            return False
    return True


def requested_groups(group_by: GroupBy) -> tuple[GroupValue, ...]:
    """Groups reported even without usage: every combination when every key lists values.

    When some key is unfiltered the groups cannot be listed in advance, so none are.
    """
    lists = [group_by.values.get(key) for key in group_by.keys]
    if not all(lists):
        return ()
    return tuple(itertools.product(*(values for values in lists if values)))


def validate_group_by(metric: BillableMetricDefinition, group_by: GroupBy) -> None:
    """Check a usage query's grouping against the metric, else :class:`DomainValidationError`.

    The keys must be exactly one of the metric's group keys (as a set: a compound key must be
    given completely); filters may only name those keys, and hold at most
    :data:`MAX_GROUP_FILTER_VALUES` values in all.
    """
    keys = frozenset(group_by.keys)
    if len(keys) != len(group_by.keys) or keys not in {frozenset(k) for k in metric.group_keys}:
        raise DomainValidationError(
            f"group_key: {list(group_by.keys)} is not a group key of the billable metric"
        )
    for key in group_by.values:
        if key not in keys:
            raise DomainValidationError(f"group_filters.{key}: not part of the group key")
    if sum(len(values) for values in group_by.values.values()) > MAX_GROUP_FILTER_VALUES:
        raise DomainValidationError(
            f"group_filters: at most {MAX_GROUP_FILTER_VALUES} values in all"
        )
