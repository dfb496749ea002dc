"""Hypothesis strategies for usage events and billable metrics.

Shared with the storage tests, which compare the SQL aggregation engine against
``meterbill.core.metering.aggregate_usage`` on the same random data. Property names and values
are drawn from small pools so that filters, groups and UNIQUE actually hit; numbers come as JSON
numbers (``int``/``Decimal``) and as numeric strings, mixed with non-numeric values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from meterbill.core.metering import (
    AggregationType,
    BillableMetricDefinition,
    EventTypeFilter,
    GroupBy,
    JsonValue,
    PropertyFilter,
    UsageEvent,
    WindowSize,
    property_text,
)

PROPERTY_NAMES = ("region", "tier", "amount", "user_id", "seats")
EVENT_TYPES = ("api_call", "storage", "Api_Call", "other")
CUSTOMER_IDS = ("cust-1", "alias-a")
TEXT_VALUES = ("us-east", "eu", "EU", "", "gold", "true", "1.0", "1", "007", " 5", "abc")
RANGE_START = datetime(2024, 2, 28, tzinfo=UTC)  # crosses the leap day
RANGE_DAYS = 3

_decimals = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=6, allow_nan=False
)
_large_decimals = st.sampled_from(
    [Decimal("12345678901234567.123456789012"), Decimal("1E+30"), Decimal("-0.000000000001")]
)


def numbers() -> st.SearchStrategy[int | Decimal]:
    """JSON numbers as parsed with ``parse_float=Decimal``: ints and exact decimals."""
    return st.one_of(st.integers(-1000, 1000), _decimals, _large_decimals)


def numeric_strings() -> st.SearchStrategy[str]:
    """Strings that aggregate as numbers (``"2.50"``, ``"1e3"``, ``"-0"``)."""
    return st.one_of(
        numbers().map(lambda number: str(number)),
        st.sampled_from(["1e3", "-0", "2.50", "0.10", "1E-2"]),
    )


def scalar_values() -> st.SearchStrategy[JsonValue]:
    """Any scalar property value, numeric or not, including ``null`` and booleans."""
    return st.one_of(
        numbers(),
        numeric_strings(),
        st.sampled_from(TEXT_VALUES),
        st.booleans(),
        st.none(),
    )


def json_values() -> st.SearchStrategy[JsonValue]:
    """Scalars, plus the occasional small array or object."""
    return st.recursive(
        scalar_values(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(tuple),
            st.dictionaries(st.sampled_from(PROPERTY_NAMES), inner, max_size=3),
        ),
        max_leaves=4,
    )


def property_maps() -> st.SearchStrategy[dict[str, JsonValue]]:
    """An event's properties: mostly scalars on the shared names."""
    values = st.one_of(scalar_values(), scalar_values(), json_values())
    return st.dictionaries(st.sampled_from(PROPERTY_NAMES), values, max_size=len(PROPERTY_NAMES))


_PROPERTY_MAPS = property_maps()


def timestamps(
    starting_at: datetime = RANGE_START, days: int = RANGE_DAYS
) -> st.SearchStrategy[datetime]:
    """UTC instants in and around ``[starting_at, starting_at + days)``, hitting hour bounds."""
    ending_before = starting_at + timedelta(days=days)
    anywhere = st.datetimes(
        min_value=(starting_at - timedelta(hours=2)).replace(tzinfo=None),
        max_value=(ending_before + timedelta(hours=2)).replace(tzinfo=None),
        timezones=st.just(UTC),
    )
    on_the_hour = st.integers(-1, days * 24 + 1).map(lambda h: starting_at + timedelta(hours=h))
    return st.one_of(anywhere, on_the_hour)


def usage_event(
    starting_at: datetime = RANGE_START, days: int = RANGE_DAYS
) -> st.SearchStrategy[UsageEvent]:
    """One event with random ids, type, timestamp (see :func:`timestamps`) and properties."""
    return st.builds(
        UsageEvent,
        transaction_id=st.text("abcXYZ019-", min_size=1, max_size=8),
        customer_id=st.sampled_from(CUSTOMER_IDS),
        event_type=st.sampled_from(EVENT_TYPES),
        timestamp=timestamps(starting_at, days),
        properties=_PROPERTY_MAPS,
    )


def usage_events(
    starting_at: datetime = RANGE_START, days: int = RANGE_DAYS, max_size: int = 40
) -> st.SearchStrategy[list[UsageEvent]]:
    """A deduplicated list of events: transaction ids are distinct."""
    return st.lists(
        usage_event(starting_at, days), max_size=max_size, unique_by=lambda e: e.transaction_id
    )


def _filter_values() -> st.SearchStrategy[tuple[str, ...]]:
    texts = st.one_of(st.sampled_from(TEXT_VALUES), scalar_values().map(_text_or_empty))
    return st.lists(texts, min_size=1, max_size=4).map(tuple)


def _text_or_empty(value: JsonValue) -> str:
    return property_text(value) or ""


@st.composite
def property_filters(draw: st.DrawFn, name: str | None = None) -> PropertyFilter:
    """A valid filter on ``name`` (or a random shared name)."""
    exists = draw(st.sampled_from([None, None, True, False]))
    in_values = None if exists is False else draw(st.none() | _filter_values())
    return PropertyFilter(
        name=name or draw(st.sampled_from(PROPERTY_NAMES)),
        exists=exists,
        in_values=in_values,
        not_in_values=draw(st.none() | _filter_values()),
    )


def event_type_filters() -> st.SearchStrategy[EventTypeFilter | None]:
    """No filter, or a valid in/not-in filter on the shared event types."""
    types = st.lists(st.sampled_from(EVENT_TYPES), min_size=1, max_size=3).map(tuple)
    return st.one_of(
        st.none(),
        st.builds(EventTypeFilter, in_values=types, not_in_values=st.none() | types),
        st.builds(EventTypeFilter, in_values=st.none(), not_in_values=types),
    )


@st.composite
def metric_definitions(
    draw: st.DrawFn, aggregation_type: AggregationType | None = None, min_group_keys: int = 0
) -> BillableMetricDefinition:
    """A valid metric: the aggregation key has a filter that does not forbid it."""
    kind = aggregation_type or draw(st.sampled_from(list(AggregationType)))
    filters = draw(st.lists(property_filters(), max_size=2))
    key = None
    if kind is not AggregationType.COUNT:
        key = draw(st.sampled_from(PROPERTY_NAMES))
        filters = [f for f in filters if f.name != key or f.exists is not False]
        key_filter = draw(
            st.one_of(
                st.just(PropertyFilter(name=key, exists=True)),
                property_filters(key).filter(lambda f: f.exists is not False),
            )
        )
        filters.append(key_filter)
    names = st.lists(st.sampled_from(PROPERTY_NAMES), min_size=1, max_size=2, unique=True)
    group_keys = draw(
        st.lists(names.map(tuple), min_size=min_group_keys, max_size=3, unique_by=frozenset)
    )
    return BillableMetricDefinition(
        aggregation_type=kind,
        aggregation_key=key,
        event_type_filter=draw(event_type_filters()),
        property_filters=tuple(draw(st.permutations(filters))),
        group_keys=tuple(group_keys),
    )


@st.composite
def group_bys(draw: st.DrawFn, metric: BillableMetricDefinition) -> GroupBy:
    """A grouping on one of the metric's group keys, sometimes filtered. Needs a group key."""
    keys = draw(st.sampled_from(metric.group_keys))
    values: Mapping[str, tuple[str, ...]] = draw(
        st.dictionaries(st.sampled_from(keys), st.just(()) | _filter_values(), max_size=len(keys))
    )
    return GroupBy(keys=keys, values=values)


def window_sizes() -> st.SearchStrategy[WindowSize]:
    """HOUR, DAY or NONE."""
    return st.sampled_from(list(WindowSize))
