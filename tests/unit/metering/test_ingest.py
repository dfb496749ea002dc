"""Ingest rules: a batch is all valid or refused naming the event; the first duplicate wins."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from meterbill.core.errors import DomainValidationError
from meterbill.core.metering import (
    UsageEvent,
    parse_ingest_batch,
    parse_rfc3339,
    split_duplicates,
    thaw_json,
)

from .builders import event
from .strategies import usage_events

NOW = datetime(2024, 3, 3, 12, tzinfo=UTC)


def raw(**fields: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "transaction_id": "tx-1",
        "customer_id": "cust-1",
        "event_type": "api_call",
        "timestamp": "2024-03-03T11:00:00Z",
    }
    return defaults | fields


def refused(body: object, backdate_days: int = 34) -> str:
    with pytest.raises(DomainValidationError) as caught:
        parse_ingest_batch(body, now=NOW, backdate_days=backdate_days)
    return caught.value.message


def test_a_valid_event_is_parsed_with_exact_properties() -> None:
    body = json.loads(
        '[{"transaction_id": "tx-1", "customer_id": "alias-a", "event_type": "api_call",'
        ' "timestamp": "2024-03-03T13:30:00.5+02:00", "properties": {"bytes": 1.10, "n": 2,'
        ' "tags": ["a", {"b": null}]}}]',
        parse_float=Decimal,
    )
    (parsed,) = parse_ingest_batch(body, now=NOW)
    assert parsed.transaction_id == "tx-1"
    assert parsed.customer_id == "alias-a"
    assert parsed.timestamp == datetime(2024, 3, 3, 11, 30, 0, 500000, tzinfo=UTC)
    assert parsed.properties["bytes"] == Decimal("1.10")
    assert thaw_json(parsed.properties) == {
        "bytes": Decimal("1.10"),
        "n": 2,
        "tags": ["a", {"b": None}],
    }


@pytest.mark.parametrize("body", [[], [raw()] * 101, {"events": []}, "x"])
def test_a_batch_holds_one_to_a_hundred_events_in_an_array(body: object) -> None:
    assert refused(body).startswith("events:")


def test_a_hundred_events_are_accepted() -> None:
    assert len(parse_ingest_batch([raw()] * 100, now=NOW)) == 100


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"transaction_id": ""}, "transaction_id"),
        ({"transaction_id": "x" * 129}, "transaction_id"),
        ({"transaction_id": 7}, "transaction_id"),
        ({"customer_id": ""}, "customer_id"),
        ({"customer_id": None}, "customer_id"),
        ({"event_type": ""}, "event_type"),
        ({"timestamp": "2024-03-03T11:00:00"}, "timestamp"),
        ({"timestamp": "2024-03-03 11:00:00Z"}, "timestamp"),
        ({"timestamp": "24-03-03T11:00:00Z"}, "timestamp"),
        ({"timestamp": "2024-02-30T11:00:00Z"}, "timestamp"),
        ({"timestamp": "2024-03-03T11:00:60Z"}, "timestamp"),
        ({"timestamp": "2024-03-03T11:00:00+24:00"}, "timestamp"),
        ({"timestamp": 1709463600}, "timestamp"),
        ({"properties": []}, "properties"),
        ({"properties": "x"}, "properties"),
        ({"properties": {"a": 1.5}}, "properties.a"),
        ({"properties": {"a": [Decimal("NaN")]}}, "properties.a[0]"),
        ({"properties": {"a": Decimal("1e2000")}}, "properties.a"),
    ],
)
def test_one_bad_event_refuses_the_batch_naming_its_index_and_field(
    bad: dict[str, Any], field: str
) -> None:
    body = [raw(), raw(transaction_id="tx-2"), raw(transaction_id="tx-3") | bad]
    assert refused(body).startswith(f"events[2].{field}:")


def test_missing_fields_are_named() -> None:
    incomplete = raw()
    del incomplete["event_type"]
    assert refused([incomplete]) == "events[0].event_type: required"
    assert refused([raw(), 5]) == "events[1]: must be an object"


def test_transaction_ids_of_128_characters_are_accepted() -> None:
    assert parse_ingest_batch([raw(transaction_id="x" * 128)], now=NOW)


def test_timestamps_may_be_up_to_24_hours_ahead() -> None:
    assert parse_ingest_batch([raw(timestamp="2024-03-04T12:00:00Z")], now=NOW)
    message = refused([raw(timestamp="2024-03-04T12:00:00.000001Z")])
    assert message == "events[0].timestamp: more than 24 hours in the future"


def test_timestamps_may_go_back_the_backdating_window_and_no_further() -> None:
    assert parse_ingest_batch([raw(timestamp="2024-01-29T12:00:00Z")], now=NOW)
    message = refused([raw(timestamp="2024-01-29T11:59:59Z")])
    assert message == "events[0].timestamp: older than the 34-day backdating window"
    assert parse_ingest_batch([raw(timestamp="2023-01-01T00:00:00Z")], now=NOW, backdate_days=500)


def test_null_properties_mean_none_and_unknown_fields_are_ignored() -> None:
    (parsed,) = parse_ingest_batch([raw(properties=None, extra="x")], now=NOW)
    assert dict(parsed.properties) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-03T11:00:00Z", datetime(2024, 3, 3, 11, tzinfo=UTC)),
        ("2024-03-03t11:00:00z", datetime(2024, 3, 3, 11, tzinfo=UTC)),
        ("2024-03-03T11:00:00-05:30", datetime(2024, 3, 3, 16, 30, tzinfo=UTC)),
        ("2024-03-03T11:00:00.123456789Z", datetime(2024, 3, 3, 11, 0, 0, 123456, tzinfo=UTC)),
        ("2024-03-03T11:00:00.1Z", datetime(2024, 3, 3, 11, 0, 0, 100000, tzinfo=UTC)),
    ],
)
def test_rfc3339_timestamps_are_read_in_utc(text: str, expected: datetime) -> None:
    parsed = parse_rfc3339(text)
    assert parsed == expected
    assert parsed.tzinfo == UTC


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "0000-01-01T00:00:00Z"])
def test_timestamps_outside_the_calendar_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a valid date-time"):
        parse_rfc3339(text)


def test_the_first_event_of_a_transaction_id_wins_within_a_batch() -> None:
    first, second, other = event(transaction_id="t", n=1), event(transaction_id="t", n=2), event()
    result = split_duplicates([first, second, other])
    assert result.accepted == (first, other)
    assert result.duplicates == (second,)


def test_transaction_ids_seen_before_are_duplicates() -> None:
    old, new = event(transaction_id="old"), event(transaction_id="new")
    result = split_duplicates([old, new], already_seen={"old"})
    assert result.accepted == (new,)
    assert result.duplicates == (old,)


def wire(usage_event: UsageEvent) -> dict[str, object]:
    return {
        "transaction_id": usage_event.transaction_id,
        "customer_id": usage_event.customer_id,
        "event_type": usage_event.event_type,
        "timestamp": usage_event.timestamp.isoformat(),
        "properties": thaw_json(usage_event.properties),
    }


@given(usage_events(max_size=100))
def test_events_survive_a_round_trip_through_the_wire_form(events: list[UsageEvent]) -> None:
    if events:
        now = max(e.timestamp for e in events) + timedelta(hours=1)
        assert list(parse_ingest_batch([wire(e) for e in events], now=now)) == events
