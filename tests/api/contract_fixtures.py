"""Shared setup of the contract API tests: a customer, products and a rate card."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import metronome
import pytest
from metronome import Metronome
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.api.test_products import store_metric


def at(year: int, month: int, day: int = 1, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def message_of(error: pytest.ExceptionInfo[metronome.APIStatusError]) -> str:
    body = error.value.body
    assert isinstance(body, dict)
    return str(body["message"])


def raw(http: TestClient, token: str, path: str, body: dict[str, Any] | str) -> tuple[int, Any]:
    """A raw call; the answer parsed exactly (decimals as ``Decimal``)."""
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    response = http.post(path, content=text, headers=headers)
    return response.status_code, json.loads(response.text, parse_float=Decimal)


@dataclass(frozen=True)
class Catalog:
    customer: str
    calls: str
    fixed: str
    seats: str
    card: str


@pytest.fixture
def catalog(client: Metronome, engine: Engine) -> Catalog:
    """A customer, a USAGE, a FIXED and a SUBSCRIPTION product, and the "standard" rate card
    (API calls at 2 cents, seats at 1000 cents a month) from 2025 on."""
    store_metric(engine, "metric-calls")
    customer = client.v1.customers.create(name="Acme").data.id
    products = client.v1.contracts.products
    calls = products.create(name="API calls", type="USAGE", billable_metric_id="metric-calls")
    fixed = products.create(name="Prepaid credits", type="FIXED")
    seats = products.create(name="Seats", type="SUBSCRIPTION")
    card = client.v1.contracts.rate_cards.create(
        name="Standard", aliases=[{"name": "standard"}]
    ).data.id
    client.v1.contracts.rate_cards.rates.add_many(
        rate_card_id=card,
        rates=[
            {"product_id": calls.data.id, "rate_type": "FLAT", "price": 2, "entitled": True,
             "starting_at": at(2025, 1)},
            {"product_id": seats.data.id, "rate_type": "SUBSCRIPTION", "price": 1000,
             "quantity": 1, "is_prorated": True, "billing_frequency": "MONTHLY",
             "entitled": True, "starting_at": at(2025, 1)},
        ],  # type: ignore[list-item]
    )  # fmt: skip
    return Catalog(customer, calls.data.id, fixed.data.id, seats.data.id, card)


def subscription(c: Catalog, **extra: Any) -> dict[str, Any]:
    return {
        "collection_schedule": "ADVANCE",
        "proration": {"invoice_behavior": "BILL_IMMEDIATELY", "is_prorated": True},
        "subscription_rate": {"product_id": c.seats, "billing_frequency": "MONTHLY"},
        "initial_quantity": 5,
        **extra,
    }


def prepaid_commit(c: Catalog, **extra: Any) -> dict[str, Any]:
    return {
        "product_id": c.fixed,
        "type": "PREPAID",
        "access_schedule": {
            "schedule_items": [
                {"amount": 100000, "starting_at": at(2026, 1), "ending_before": at(2027, 1)}
            ]
        },
        "invoice_schedule": {"schedule_items": [{"timestamp": at(2026, 1), "amount": 90000}]},
        "priority": 100,
        **extra,
    }
