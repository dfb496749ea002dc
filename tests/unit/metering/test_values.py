"""Usage events are immutable values with UTC timestamps and exact JSON properties."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from meterbill.core.errors import DomainValidationError
from meterbill.core.metering import freeze_json, thaw_json

from .builders import DAY_1, event


def test_events_are_frozen_and_their_properties_deeply_immutable() -> None:
    usage_event = event(tags=["a"], meta={"k": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        usage_event.event_type = "other"  # type: ignore[misc]
    assert usage_event.properties["tags"] == ("a",)
    with pytest.raises(TypeError):
        usage_event.properties["meta"]["k"] = 2  # type: ignore[index]


def test_timestamps_must_be_aware_and_are_kept_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    usage_event = event(datetime(2024, 3, 1, 9, tzinfo=tokyo))
    assert usage_event.timestamp == DAY_1
    assert usage_event.timestamp.utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="timezone-aware"):
        event(DAY_1.replace(tzinfo=None))


def test_events_compare_by_value() -> None:
    assert event(transaction_id="t", n=Decimal("1.0")) == event(
        transaction_id="t", n=Decimal("1.0")
    )


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (1.5, "properties"),
        ({"a": [Decimal("Infinity")]}, "properties.a[0]"),
        ({1: "x"}, "properties"),
        (object(), "properties"),
        (10**1002, "properties"),
    ],
)
def test_freezing_refuses_what_json_cannot_carry_exactly(value: object, path: str) -> None:
    with pytest.raises(DomainValidationError) as caught:
        freeze_json(value)
    assert caught.value.message.startswith(f"{path}:")


def test_thaw_undoes_freeze() -> None:
    value = {"a": [1, Decimal("2.5"), None, True, {"b": "c"}]}
    assert thaw_json(freeze_json(value)) == value
