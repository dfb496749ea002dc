"""Scenario fixtures: a whole billing setup through the official SDK, with a fixed clock."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from metronome import Metronome
from metronome.types.v1.customers.invoice import Invoice
from sqlalchemy import Engine

from meterbill.clock import FixedClock
from meterbill.services.billing_close import CloseResult, close
from meterbill.storage.uow import UnitOfWork

USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"


def at(month: int, day: int = 1, hour: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class Billing:
    """One customer's billing, driven through the SDK; the clock moves as events arrive."""

    client: Metronome
    clock: FixedClock
    engine: Engine
    customer_id: str = ""
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def customer(self, name: str = "Acme") -> str:
        self.customer_id = self.client.v1.customers.create(name=name).data.id
        return self.customer_id

    def metric(self, event_type: str, *, key: str | None = None, groups: Sequence[str] = ()) -> str:
        params: dict[str, Any] = {
            "name": event_type,
            "event_type_filter": {"in_values": [event_type]},
            "aggregation_type": "SUM" if key else "COUNT",
        }
        if key:
            params["aggregation_key"] = key
            params["property_filters"] = [{"name": key, "exists": True}]
        if groups:
            params["group_keys"] = [list(groups)]
        return self.client.v1.billable_metrics.create(**params).data.id

    def usage_product(self, name: str, metric_id: str, **extra: Any) -> str:
        products = self.client.v1.contracts.products
        return products.create(
            name=name, type="USAGE", billable_metric_id=metric_id, **extra
        ).data.id

    def product(self, name: str, kind: str) -> str:
        return self.client.v1.contracts.products.create(name=name, type=kind).data.id

    def rate_card(self, *rates: dict[str, Any]) -> str:
        card = self.client.v1.contracts.rate_cards.create(name=f"card-{next(self._ids)}").data.id
        self.client.v1.contracts.rate_cards.rates.add_many(rate_card_id=card, rates=list(rates))
        return card

    def contract(self, rate_card_id: str, starting_at: datetime, **terms: Any) -> str:
        return self.client.v1.contracts.create(
            customer_id=self.customer_id,
            rate_card_id=rate_card_id,
            starting_at=starting_at,
            **terms,
        ).data.id

    def send(self, event_type: str, when: datetime, count: int = 1, **properties: Any) -> None:
        """``count`` events at ``when`` (the clock moves just past it to ingest them)."""
        if self.clock.now() < when:
            self.clock.set(when + timedelta(minutes=1))
        batch = [
            {
                "transaction_id": f"tx-{next(self._ids)}",
                "customer_id": self.customer_id,
                "event_type": event_type,
                "timestamp": when.isoformat().replace("+00:00", "Z"),
                "properties": properties,
            }
            for _ in range(count)
        ]
        for start in range(0, len(batch), 100):
            self.client.v1.usage.ingest(usage=batch[start : start + 100])

    def invoices(self, **filters: Any) -> list[Invoice]:
        page = self.client.v1.customers.invoices.list(customer_id=self.customer_id, **filters)
        return list(page)

    def usage_invoice(self, starting_at: datetime) -> Invoice:
        found = [
            i
            for i in self.invoices(type="USAGE")
            if i.start_timestamp == starting_at and i.credit_type.id == USD
        ]
        assert len(found) == 1, found
        return found[0]

    def close(self, as_of: datetime) -> CloseResult:
        self.clock.set(as_of)
        return close(lambda: UnitOfWork(self.engine), as_of, timedelta(hours=24))


@pytest.fixture
def billing(client: Metronome, clock: FixedClock, engine: Engine) -> Billing:
    setup = Billing(client, clock, engine)
    setup.customer()
    return setup


def cents(value: float | None) -> Decimal:
    """An SDK float total as exact cents (totals here are whole or short decimals)."""
    assert value is not None
    return Decimal(str(value))
