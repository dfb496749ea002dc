"""Ingest through the official SDK: all-or-nothing batches, dedup, aliases, durability."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import metronome
import pytest
from metronome import Metronome
from sqlalchemy import Engine
from starlette.testclient import TestClient

from meterbill.api.app import create_app
from meterbill.clock import FixedClock
from meterbill.config import Settings

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DAY = "2025-12-31T00:00:00Z"


def _event(tx: str, customer: str, **properties: Any) -> dict[str, Any]:
    return {
        "transaction_id": tx,
        "customer_id": customer,
        "event_type": "api_request",
        "timestamp": "2025-12-31T10:00:00Z",
        "properties": properties,
    }


def _count_metric(client: Metronome) -> str:
    return client.v1.billable_metrics.create(
        name="requests",
        aggregation_type="COUNT",
        event_type_filter={"in_values": ["api_request"]},
    ).data.id


def _sum_metric(client: Metronome) -> str:
    return client.v1.billable_metrics.create(
        name="bytes",
        aggregation_type="SUM",
        aggregation_key="bytes",
        property_filters=[{"name": "bytes", "exists": True}],
    ).data.id


def _usage(http: TestClient, token: str, customer_id: str, metric_id: str) -> Decimal | None:
    """The whole-day value, read exactly from the JSON text."""
    answer = http.post(
        "/v1/usage",
        json={
            "starting_on": DAY,
            "ending_before": "2026-01-01T00:00:00Z",
            "window_size": "NONE",
            "customer_ids": [customer_id],
            "billable_metrics": [{"id": metric_id}],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    (row,) = json.loads(answer.text, parse_float=Decimal)["data"]
    value = row["value"]
    return None if value is None else Decimal(value)


def test_duplicates_count_once_in_a_batch_and_across_batches(
    client: Metronome, http: TestClient, token: str
) -> None:
    customer = client.v1.customers.create(name="Acme").data.id
    metric = _count_metric(client)
    client.v1.usage.ingest(
        usage=[_event("a", customer), _event("a", customer), _event("b", customer)]
    )
    client.v1.usage.ingest(usage=[_event("b", customer), _event("c", customer)])
    assert _usage(http, token, customer, metric) == 3


def test_the_first_event_of_a_transaction_id_wins(
    client: Metronome, http: TestClient, token: str
) -> None:
    customer = client.v1.customers.create(name="Acme").data.id
    metric = _sum_metric(client)
    client.v1.usage.ingest(usage=[_event("a", customer, bytes=5), _event("a", customer, bytes=7)])
    client.v1.usage.ingest(usage=[_event("a", customer, bytes=9)])
    assert _usage(http, token, customer, metric) == 5


def test_a_batch_with_one_bad_event_stores_nothing(
    client: Metronome, http: TestClient, token: str
) -> None:
    customer = client.v1.customers.create(name="Acme").data.id
    metric = _count_metric(client)
    bad = {**_event("b", customer), "timestamp": "yesterday"}
    with pytest.raises(metronome.BadRequestError) as caught:
        client.v1.usage.ingest(usage=[_event("a", customer), bad])  # type: ignore[list-item]
    assert "events[1].timestamp" in str(caught.value)
    assert _usage(http, token, customer, metric) is None


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ([], "events"),
        ({"transaction_id": "x"}, "events"),
        ([{"customer_id": "c", "event_type": "t", "timestamp": DAY}], "events[0].transaction_id"),
        ([{**_event("x", "c"), "timestamp": "2025-11-01T00:00:00Z"}], "backdating"),
        ([{**_event("x", "c"), "timestamp": "2026-01-02T00:00:01Z"}], "future"),
        (json.dumps([_event("x", "c")])[:-4] + '{"v": 1e2000}}]', "events[0].properties.v"),
        ([_event("x", "c", v="nul\u0000")], "events[0].properties.v"),
        ([_event("x", "c" * 256)], "events[0].customer_id"),
        ([_event(str(i), "c") for i in range(101)], "events"),
    ],
)
def test_invalid_batches_are_400_naming_the_event(
    http: TestClient, token: str, body: object, named: str
) -> None:
    answer = http.post(
        "/v1/ingest",
        content=body if isinstance(body, str) else json.dumps(body),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400, answer.text
    assert named in answer.json()["message"]


def test_gzip_bodies_are_accepted(client: Metronome, http: TestClient, token: str) -> None:
    customer = client.v1.customers.create(name="Acme").data.id
    metric = _count_metric(client)
    raw = gzip.compress(json.dumps([_event("a", customer), _event("b", customer)]).encode())
    answer = http.post(
        "/v1/ingest",
        content=raw,
        headers={"Authorization": f"Bearer {token}", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 200
    assert _usage(http, token, customer, metric) == 2


def test_events_for_an_unknown_id_count_once_the_alias_exists(
    client: Metronome, http: TestClient, token: str
) -> None:
    metric = _count_metric(client)
    client.v1.usage.ingest(usage=[_event("a", "team@example.com"), _event("b", "other")])
    customer = client.v1.customers.create(name="Acme", ingest_aliases=["team@example.com"]).data
    assert _usage(http, token, customer.id, metric) == 1


def test_set_ingest_aliases_moves_usage_with_the_alias(
    client: Metronome, http: TestClient, token: str
) -> None:
    metric = _count_metric(client)
    first = client.v1.customers.create(name="A", ingest_aliases=["shared"]).data.id
    second = client.v1.customers.create(name="B").data.id
    client.v1.usage.ingest(usage=[_event("a", "shared"), _event("b", first)])
    assert _usage(http, token, first, metric) == 2
    client.v1.customers.set_ingest_aliases(customer_id=first, ingest_aliases=[])
    client.v1.customers.set_ingest_aliases(customer_id=second, ingest_aliases=["shared"])
    assert _usage(http, token, first, metric) == 1
    assert _usage(http, token, second, metric) == 1


def test_numbers_and_numeric_strings_aggregate_exactly(
    client: Metronome, http: TestClient, token: str
) -> None:
    customer = client.v1.customers.create(name="Acme").data.id
    metric = _sum_metric(client)
    body = (
        "["
        + ",".join(
            [
                json.dumps(_event("a", customer))[:-3]
                + '{"bytes": 12345678901234567.123456789012}}',
                json.dumps(_event("b", customer, bytes="0.000000000000000000000000000001")),
                json.dumps(_event("c", customer, bytes="not a number")),
            ]
        )
        + "]"
    )
    answer = http.post("/v1/ingest", content=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert _usage(http, token, customer, metric) == Decimal(
        "12345678901234567.123456789012000000000000000001"
    )


def test_event_search_shows_duplicates_and_matches(client: Metronome) -> None:
    customer = client.v1.customers.create(name="Acme", ingest_aliases=["acme"]).data.id
    metric = _count_metric(client)
    client.v1.usage.ingest(usage=[_event("a", "acme", bytes=1), _event("a", "acme", bytes=2)])
    found = client.v1.usage.search(transaction_ids=["a", "unknown"])
    assert [(e.transaction_id, e.is_duplicate) for e in found] == [("a", False), ("a", True)]
    original, duplicate = found
    assert original.matched_customer is not None
    assert original.matched_customer.id == customer
    assert [m.id for m in original.matched_billable_metrics or []] == [metric]
    assert original.properties == {"bytes": 1}
    assert duplicate.properties == {"bytes": 2}
    assert original.processed_at is not None
    assert original.id != duplicate.id


@pytest.fixture
def backfill_client(engine: Engine, database_url: str, token: str) -> Iterator[Metronome]:
    """An app whose operator raised the backdating window to 400 days."""
    settings = Settings(
        database_url=database_url, ingest_backdate_days=400, run_billing_worker=False
    )
    app = create_app(settings, engine=engine, clock=FixedClock(NOW))
    with TestClient(app) as http:
        yield Metronome(
            base_url="http://testserver", bearer_token=token, http_client=http, max_retries=0
        )


def test_the_backdating_window_can_be_raised(backfill_client: Metronome) -> None:
    old = {**_event("old", "c"), "timestamp": (NOW - timedelta(days=300)).isoformat()}
    backfill_client.v1.usage.ingest(usage=[old])  # type: ignore[list-item]
    too_old = {**_event("older", "c"), "timestamp": (NOW - timedelta(days=401)).isoformat()}
    with pytest.raises(metronome.BadRequestError):
        backfill_client.v1.usage.ingest(usage=[too_old])  # type: ignore[list-item]
