"""Usage-query groupings: checked against the metric's group keys, filters within limits."""

from __future__ import annotations

import pytest

from meterbill.core.errors import DomainValidationError
from meterbill.core.metering import (
    AggregationType,
    BillableMetricDefinition,
    GroupBy,
    requested_groups,
    validate_group_by,
)

METRIC = BillableMetricDefinition(
    AggregationType.COUNT, group_keys=(("region",), ("region", "tier"))
)


@pytest.mark.parametrize(
    "group_by",
    [
        GroupBy(keys=("region",)),
        GroupBy(keys=("region", "tier")),
        GroupBy(keys=("tier", "region"), values={"tier": ("gold",)}),
        GroupBy(keys=("region",), values={"region": tuple(f"r{i}" for i in range(200))}),
    ],
)
def test_groupings_on_a_group_key_of_the_metric_are_accepted(group_by: GroupBy) -> None:
    validate_group_by(METRIC, group_by)


@pytest.mark.parametrize(
    ("group_by", "field"),
    [
        (GroupBy(keys=("tier",)), "group_key:"),  # part of a compound key only
        (GroupBy(keys=("region", "region")), "group_key:"),
        (GroupBy(keys=("zone",)), "group_key:"),
        (GroupBy(keys=("region",), values={"tier": ("gold",)}), "group_filters.tier:"),
        (
            GroupBy(
                keys=("region", "tier"),
                values={"region": ("a",) * 150, "tier": ("b",) * 51},
            ),
            "group_filters:",
        ),
    ],
)
def test_other_groupings_are_refused_naming_the_field(group_by: GroupBy, field: str) -> None:
    with pytest.raises(DomainValidationError) as caught:
        validate_group_by(METRIC, group_by)
    assert caught.value.message.startswith(field)


def test_requested_groups_are_listed_only_when_every_key_is_filtered() -> None:
    assert requested_groups(GroupBy(keys=("region",))) == ()
    assert requested_groups(GroupBy(keys=("region", "tier"), values={"region": ("eu",)})) == ()
    both = GroupBy(keys=("region", "tier"), values={"region": ("eu", "us"), "tier": ("gold",)})
    assert requested_groups(both) == (("eu", "gold"), ("us", "gold"))
