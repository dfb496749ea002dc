"""Usage queries through the official SDK: windows, groups, all five aggregations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import metronome
import pytest
from metronome import Metronome
from starlette.testclient import TestClient

DEC_30 = datetime(2025, 12, 30, tzinfo=UTC)
DEC_31 = datetime(2025, 12, 31, tzinfo=UTC)
JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)


def _event(tx: str, customer: str, timestamp: str, **properties: Any) -> dict[str, Any]:
    return {
        "transaction_id": tx,
        "customer_id": customer,
        "event_type": "compute",
        "timestamp": timestamp,
        "properties": properties,
    }


def _metric(client: Metronome, kind: str, key: str | None = "cpu", **extra: Any) -> str:
    fields: dict[str, Any] = {"aggregation_type": kind, **extra}
    if key is not None:
        fields["aggregation_key"] = key
        fields.setdefault("property_filters", [{"name": key, "exists": True}])
    return client.v1.billable_metrics.create(name=kind.lower(), **fields).data.id


@pytest.fixture
def customer(client: Metronome) -> str:
    customer_id = client.v1.customers.create(name="Acme", ingest_aliases=["acme"]).data.id
    client.v1.usage.ingest(
        usage=[
            _event("1", customer_id, "2025-12-30T01:00:00Z", cpu=2, region="eu", team="a"),
            _event("2", "acme", "2025-12-30T01:30:00Z", cpu="3.5", region="us", team="a"),
            _event("3", customer_id, "2025-12-31T05:00:00Z", cpu=1, region="eu", team="b"),
            _event("4", customer_id, "2025-12-31T05:00:00Z", cpu=7, team="b"),
        ]
    )
    return customer_id


def _values(client: Metronome, customer: str, metric: str, window: str) -> list[float | None]:
    rows = client.v1.usage.list(
        starting_on=DEC_30,
        ending_before=JAN_1,
        window_size=window,  # type: ignore[arg-type]
        customer_ids=[customer],
        billable_metrics=[{"id": metric}],
    )
    return [row.value for row in rows]


@pytest.mark.parametrize(
    ("kind", "key", "per_day", "whole"),
    [
        ("COUNT", None, [2, 2], 4),
        ("SUM", "cpu", [5.5, 8], 13.5),
        ("MAX", "cpu", [3.5, 7], 7),
        ("UNIQUE", "region", [2, 1], 2),
        ("LATEST", "cpu", [3.5, 7], 7),
    ],
)
def test_each_aggregation_per_day_and_for_the_whole_range(
    client: Metronome,
    customer: str,
    kind: str,
    key: str | None,
    per_day: list[float],
    whole: float,
) -> None:
    metric = _metric(client, kind, key)
    assert _values(client, customer, metric, "DAY") == per_day
    assert _values(client, customer, metric, "NONE") == [whole]


def test_hour_windows_include_empty_ones_as_null(client: Metronome, customer: str) -> None:
    metric = _metric(client, "COUNT", None)
    rows = list(
        client.v1.usage.list(
            starting_on=DEC_30,
            ending_before=DEC_31,
            window_size="HOUR",
            customer_ids=[customer],
            billable_metrics=[{"id": metric}],
        )
    )
    assert len(rows) == 24
    assert [row.value for row in rows[:3]] == [None, 2, None]
    assert rows[1].start_timestamp == datetime(2025, 12, 30, 1, tzinfo=UTC)
    assert rows[1].end_timestamp == datetime(2025, 12, 30, 2, tzinfo=UTC)
    assert rows[1].billable_metric_name == "count"


def test_group_by_a_simple_key(client: Metronome, customer: str) -> None:
    metric = _metric(client, "SUM", "cpu", group_keys=[["region"], ["region", "team"]])
    (row,) = client.v1.usage.list(
        starting_on=DEC_30,
        ending_before=JAN_1,
        window_size="NONE",
        customer_ids=[customer],
        billable_metrics=[{"id": metric, "group_by": {"key": "region"}}],
    )
    assert row.value == 13.5
    assert row.groups == {"eu": 3, "us": 3.5}
    (filtered,) = client.v1.usage.list(
        starting_on=DEC_30,
        ending_before=JAN_1,
        window_size="NONE",
        customer_ids=[customer],
        billable_metrics=[{"id": metric, "group_by": {"key": "region", "values": ["us", "ap"]}}],
    )
    assert filtered.groups == {"ap": None, "us": 3.5}


def test_group_by_must_be_a_group_key_of_the_metric(client: Metronome, customer: str) -> None:
    metric = _metric(client, "SUM", "cpu", group_keys=[["region", "team"]])
    with pytest.raises(metronome.BadRequestError) as caught:
        client.v1.usage.list(
            starting_on=DEC_30,
            ending_before=JAN_1,
            window_size="NONE",
            billable_metrics=[{"id": metric, "group_by": {"key": "region"}}],
        )
    assert "billable_metrics[0].group_by" in str(caught.value)


def test_usage_groups_with_a_compound_key(client: Metronome, customer: str) -> None:
    metric = _metric(client, "SUM", "cpu", group_keys=[["region", "team"]])
    rows = list(
        client.v1.usage.list_with_groups(
            customer_id=customer,
            billable_metric_id=metric,
            window_size="NONE",
            starting_on=DEC_30,
            ending_before=JAN_1,
            group_key=["team", "region"],
        )
    )
    assert [(row.group, row.value) for row in rows] == [
        ({"team": "a", "region": "eu"}, 2),
        ({"team": "a", "region": "us"}, 3.5),
        ({"team": "b", "region": None}, 7),
        ({"team": "b", "region": "eu"}, 1),
    ]
    filtered = list(
        client.v1.usage.list_with_groups(
            customer_id=customer,
            billable_metric_id=metric,
            window_size="DAY",
            starting_on=DEC_30,
            ending_before=JAN_1,
            group_key=["region", "team"],
            group_filters={"region": ["eu"]},
            limit=1,
        )
    )
    assert [(row.starting_on, row.group, row.value) for row in filtered] == [
        (DEC_30, {"region": "eu", "team": "a"}, 2),
        (DEC_31, {"region": "eu", "team": "b"}, 1),
    ]


def test_usage_groups_with_the_legacy_group_by(client: Metronome, customer: str) -> None:
    metric = _metric(client, "COUNT", None, group_keys=[["region"]])
    rows = list(
        client.v1.usage.list_with_groups(
            customer_id=customer,
            billable_metric_id=metric,
            window_size="NONE",
            starting_on=DEC_30,
            ending_before=JAN_1,
            group_by={"key": "region", "values": ["eu"]},
        )
    )
    assert [(row.group_key, row.group_value, row.value) for row in rows] == [("region", "eu", 2)]


def test_usage_groups_without_grouping_is_one_row_per_window(
    client: Metronome, customer: str
) -> None:
    metric = _metric(client, "COUNT", None)
    rows = list(
        client.v1.usage.list_with_groups(
            customer_id=customer,
            billable_metric_id=metric,
            window_size="DAY",
            starting_on=DEC_30,
            ending_before=JAN_1,
        )
    )
    assert [(row.group, row.value) for row in rows] == [(None, 2), (None, 2)]


@pytest.mark.parametrize(
    ("starting_on", "ending_before", "named"),
    [
        ("2025-12-30T01:00:00Z", "2026-01-01T00:00:00Z", "starting_on"),
        ("2025-12-30T00:00:00Z", "2025-12-30T00:00:00Z", "ending_before"),
        ("2025-12-30T00:00:00+01:00", "2026-01-01T00:00:00Z", "starting_on"),
    ],
)
def test_bounds_must_be_utc_midnights_a_day_apart(
    http: TestClient, token: str, starting_on: str, ending_before: str, named: str
) -> None:
    answer = http.post(
        "/v1/usage",
        json={"starting_on": starting_on, "ending_before": ending_before, "window_size": "DAY"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400
    assert answer.json()["message"].startswith(named)


def test_usage_lists_every_customer_and_metric_and_pages(client: Metronome) -> None:
    metric = _metric(client, "COUNT", None)
    customers = [client.v1.customers.create(name=f"c{i}").data.id for i in range(4)]
    client.v1.usage.ingest(
        usage=[_event(f"t{i}", c, "2025-12-30T00:00:00Z") for i, c in enumerate(customers)]
    )
    pages = client.v1.usage.list(starting_on=DEC_30, ending_before=JAN_1, window_size="DAY")
    rows = list(pages)
    assert sorted({row.customer_id for row in rows}) == sorted(customers)
    assert {(row.customer_id, row.billable_metric_id) for row in rows} == {
        (c, metric) for c in customers
    }
    assert len(rows) == 8


def test_values_leave_as_exact_json_numbers(
    http: TestClient, token: str, client: Metronome
) -> None:
    customer = client.v1.customers.create(name="Acme").data.id
    metric = _metric(client, "SUM", "cpu")
    client.v1.usage.ingest(
        usage=[
            _event("x", customer, "2025-12-30T00:00:00Z", cpu="0.1"),
            _event("y", customer, "2025-12-30T00:00:00Z", cpu="0.2"),
        ]
    )
    answer = http.post(
        "/v1/usage",
        json={
            "starting_on": "2025-12-30T00:00:00Z",
            "ending_before": "2025-12-31T00:00:00Z",
            "window_size": "NONE",
            "billable_metrics": [{"id": metric}],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert '"value":0.3' in answer.text
    assert json.loads(answer.text, parse_float=Decimal)["data"][0]["value"] == Decimal("0.3")


def test_preview_events_validates_and_returns_no_invoices_without_contracts(
    client: Metronome, customer: str
) -> None:
    preview = client.v1.customers.preview_events(
        customer_id=customer, events=[{"event_type": "compute", "properties": {"cpu": 1}}]
    )
    assert preview.data == []
    with pytest.raises(metronome.BadRequestError) as caught:
        client.v1.customers.preview_events(
            customer_id=customer,
            events=[
                {"event_type": "compute", "transaction_id": "same"},
                {"event_type": "compute", "transaction_id": "same"},
            ],
        )
    assert "events[1].transaction_id" in str(caught.value)
    with pytest.raises(metronome.NotFoundError):
        client.v1.customers.preview_events(customer_id="nobody", events=[{"event_type": "compute"}])
