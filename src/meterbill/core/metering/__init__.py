"""Metering: usage events, billable metric definitions, and the reference aggregation.

Pure and standard-library only. :func:`aggregate_usage` is the definition of truth for what a
metric counts; the SQL engine in ``storage`` is tested against it.
"""

from meterbill.core.metering.aggregation import (
    UsageWindow,
    aggregate_matched,
    aggregate_usage,
    exact_sum,
)
from meterbill.core.metering.grouping import (
    MAX_GROUP_FILTER_VALUES,
    GroupBy,
    GroupValue,
    group_value,
    passes_group_filter,
    requested_groups,
    validate_group_by,
)
from meterbill.core.metering.ingest import (
    DEFAULT_BACKDATE_DAYS,
    FUTURE_LIMIT,
    MAX_BATCH_SIZE,
    MAX_TRANSACTION_ID_LENGTH,
    DedupResult,
    parse_ingest_batch,
    split_duplicates,
)
from meterbill.core.metering.matching import matches, passes_filters
from meterbill.core.metering.metrics import (
    AGGREGATION_KEY_NOT_A_FILTER,
    AggregationType,
    BillableMetricDefinition,
    EventTypeFilter,
    PropertyFilter,
    validate_metric,
)
from meterbill.core.metering.properties import (
    JsonValue,
    decimal_text,
    number_in_range,
    numeric_value,
    property_text,
)
from meterbill.core.metering.timestamps import parse_rfc3339
from meterbill.core.metering.values import UsageEvent, freeze_json, freeze_properties, thaw_json
from meterbill.core.metering.windows import Window, WindowSize, usage_windows, window_start

__all__ = [
    "AGGREGATION_KEY_NOT_A_FILTER",
    "DEFAULT_BACKDATE_DAYS",
    "FUTURE_LIMIT",
    "MAX_BATCH_SIZE",
    "MAX_GROUP_FILTER_VALUES",
    "MAX_TRANSACTION_ID_LENGTH",
    "AggregationType",
    "BillableMetricDefinition",
    "DedupResult",
    "EventTypeFilter",
    "GroupBy",
    "GroupValue",
    "JsonValue",
    "PropertyFilter",
    "UsageEvent",
    "UsageWindow",
    "Window",
    "WindowSize",
    "aggregate_matched",
    "aggregate_usage",
    "decimal_text",
    "exact_sum",
    "freeze_json",
    "freeze_properties",
    "group_value",
    "matches",
    "number_in_range",
    "numeric_value",
    "parse_ingest_batch",
    "parse_rfc3339",
    "passes_filters",
    "passes_group_filter",
    "property_text",
    "requested_groups",
    "split_duplicates",
    "thaw_json",
    "usage_windows",
    "validate_group_by",
    "validate_metric",
    "window_start",
]
