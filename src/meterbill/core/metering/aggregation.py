"""The reference aggregation: the definition of what a usage query and an invoice line count.

Any faster engine (the SQL one in ``storage``) must give the same answers as
:func:`aggregate_usage` on the same events; property tests compare them.

Per window, and per group value when grouping:

- COUNT: the number of matching events.
- SUM / MAX: the exact sum / maximum of the aggregation key's numbers.
- UNIQUE: the number of distinct texts of the aggregation key.
- LATEST: the number of the event with the greatest timestamp; ties go to the greatest
  ``transaction_id`` (code-point order, SQL ``COLLATE "C"``), then to the greatest number.

A window or group with no matching event has the value ``None`` (Metronome's ``null``), never 0.
Values compare numerically; their scale (``3`` vs ``3.0``) carries no meaning.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from meterbill.core.metering.grouping import (
    GroupBy,
    GroupValue,
    group_value,
    passes_group_filter,
    requested_groups,
)
from meterbill.core.metering.matching import matches, numeric_contribution, unique_contribution
from meterbill.core.metering.metrics import AggregationType, BillableMetricDefinition
from meterbill.core.metering.properties import EXACT_DIGITS
from meterbill.core.metering.values import UsageEvent
from meterbill.core.metering.windows import WindowSize, usage_windows, window_start

# Any rounding would be a bug: trap it rather than return an inexact sum.
_EXACT = decimal.Context(
    prec=EXACT_DIGITS,
    traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow],
)


@dataclass(frozen=True, slots=True)
class UsageWindow:
    """One window's usage. ``groups`` is None unless the query grouped.

    ``value`` covers every matching event of the window, whatever the group filters; ``groups``
    maps each group value that matched (and each requested one, with None if it did not) to its
    aggregate, in sorted order with None before any text.
    """

    starting_at: datetime
    ending_before: datetime
    value: Decimal | None
    groups: Mapping[GroupValue, Decimal | None] | None = None


def aggregate_usage(
    events: Iterable[UsageEvent],
    metric: BillableMetricDefinition,
    *,
    starting_at: datetime,
    ending_before: datetime,
    window_size: WindowSize,
    group_by: GroupBy | None = None,
) -> tuple[UsageWindow, ...]:
    """Aggregate one customer's deduplicated events over ``[starting_at, ending_before)``.

    Returns one :class:`UsageWindow` per window of :func:`usage_windows`, in order, including
    empty ones. Events outside the range or not matching ``metric`` are ignored. The metric is
    assumed valid; ``group_by`` may name any properties (queries check it with
    :func:`validate_group_by` first).
    """
    windows = usage_windows(starting_at, ending_before, window_size)
    start, end = windows[0][0], windows[-1][1]
    buckets: dict[datetime, list[UsageEvent]] = {window[0]: [] for window in windows}
    for event in events:
        if start <= event.timestamp < end and matches(event, metric):
            buckets[window_start(event.timestamp, window_size, start)].append(event)
    return tuple(
        UsageWindow(
            starting_at=window[0],
            ending_before=window[1],
            value=aggregate_matched(buckets[window[0]], metric),
            groups=None if group_by is None else _groups(buckets[window[0]], metric, group_by),
        )
        for window in windows
    )


def aggregate_matched(
    events: Sequence[UsageEvent], metric: BillableMetricDefinition
) -> Decimal | None:
    """Aggregate events already known to match ``metric``; None if there are none."""
    if not events:
        return None
    return _AGGREGATORS[metric.aggregation_type](events, metric)


def exact_sum(numbers: Iterable[Decimal]) -> Decimal:
    """The exact sum of in-range numbers (0 for none); raises rather than round.

    NOTE: Python's default decimal context keeps 28 digits; ``sum()`` under it silently rounds
    ``12345678901234567.123456789012``. Add metering numbers with this function.
    """
    with decimal.localcontext(_EXACT):
        return sum(numbers, Decimal(0))


def _groups(
    events: Sequence[UsageEvent], metric: BillableMetricDefinition, group_by: GroupBy
) -> Mapping[GroupValue, Decimal | None]:
    members: dict[GroupValue, list[UsageEvent]] = {}
    for event in events:
        value = group_value(event, group_by)
        if passes_group_filter(value, group_by):
            members.setdefault(value, []).append(event)
    groups: dict[GroupValue, Decimal | None] = dict.fromkeys(requested_groups(group_by))
    groups.update((value, aggregate_matched(group, metric)) for value, group in members.items())
    return MappingProxyType({value: groups[value] for value in sorted(groups, key=_group_order)})


def _group_order(value: GroupValue) -> tuple[tuple[bool, str], ...]:
    return tuple((text is not None, text or "") for text in value)


def _numbers(events: Sequence[UsageEvent], metric: BillableMetricDefinition) -> list[Decimal]:
    numbers = [numeric_contribution(event, metric) for event in events]
    return [number for number in numbers if number is not None]


def _count(events: Sequence[UsageEvent], metric: BillableMetricDefinition) -> Decimal:
    return Decimal(len(events))


def _sum(events: Sequence[UsageEvent], metric: BillableMetricDefinition) -> Decimal:
    return exact_sum(_numbers(events, metric))


def _max(events: Sequence[UsageEvent], metric: BillableMetricDefinition) -> Decimal:
    return max(_numbers(events, metric))


def _unique(events: Sequence[UsageEvent], metric: BillableMetricDefinition) -> Decimal:
    return Decimal(len({unique_contribution(event, metric) for event in events}))


def _latest(events: Sequence[UsageEvent], metric: BillableMetricDefinition) -> Decimal:
    def order(event: UsageEvent) -> tuple[datetime, str, Decimal]:
        number = numeric_contribution(event, metric)
        assert number is not None  # matching events of a LATEST metric carry a number
        return (event.timestamp, event.transaction_id, number)

    return max(order(event) for event in events)[2]


_AGGREGATORS: dict[
    AggregationType, Callable[[Sequence[UsageEvent], BillableMetricDefinition], Decimal]
] = {
    AggregationType.COUNT: _count,
    AggregationType.SUM: _sum,
    AggregationType.MAX: _max,
    AggregationType.UNIQUE: _unique,
    AggregationType.LATEST: _latest,
}
