"""Shared setup of the billing benchmarks: a migrated database, a catalog, contracts, events.

Setup goes through the services and repositories (not HTTP): only the measured steps count.
``METERBILL_BENCH_DATABASE_URL`` selects a PostgreSQL database (it must be empty); the default
is a fresh SQLite file in a temporary directory.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Engine

from meterbill.clock import FixedClock
from meterbill.core.catalog import ProductType
from meterbill.core.contracts.terms import Contract
from meterbill.core.customers import Customer
from meterbill.core.metering import (
    AggregationType,
    BillableMetricDefinition,
    EventTypeFilter,
    PropertyFilter,
)
from meterbill.core.metering.values import UsageEvent
from meterbill.core.pricing import Rate, RateEntry, RateType, Tier
from meterbill.services import billable_metrics, products, rate_cards
from meterbill.services.contracts import persist_new_contract
from meterbill.services.ids import new_id
from meterbill.storage.database import make_engine
from meterbill.storage.migrate import upgrade
from meterbill.storage.uow import UnitOfWork

T = TypeVar("T")

MONTH_START = datetime(2026, 1, 1, tzinfo=UTC)
MONTH_END = datetime(2026, 2, 1, tzinfo=UTC)
CLOCK = FixedClock(datetime(2025, 12, 15, tzinfo=UTC))


def database() -> Engine:
    url = os.environ.get("METERBILL_BENCH_DATABASE_URL")
    if url is None:
        folder = tempfile.mkdtemp(prefix="meterbill-bench-")
        url = f"sqlite:///{folder}/bench.db"
    engine = make_engine(url)
    upgrade(engine)
    return engine


@dataclass(frozen=True, slots=True)
class Catalog:
    rate_card_id: str
    event_types: tuple[str, ...]


def catalog(engine: Engine, product_count: int) -> Catalog:
    """``product_count`` USAGE products (SUM of ``n`` over their own event type), alternately
    flat and tiered, on one rate card."""
    event_types = tuple(f"event_{index}" for index in range(product_count))
    entries = []
    for index, event_type in enumerate(event_types):
        definition = BillableMetricDefinition(
            AggregationType.SUM,
            "n",
            EventTypeFilter(in_values=(event_type,)),
            (PropertyFilter("n", exists=True),),
        )
        metric = billable_metrics.create(
            UnitOfWork(engine), CLOCK, billable_metrics.CreateMetric(event_type, definition)
        )
        product = products.create(
            UnitOfWork(engine),
            CLOCK,
            products.CreateProduct(
                f"Product {index}", ProductType.USAGE, {"billable_metric_id": metric.id}
            ),
        )
        entries.append(RateEntry(product.id, MONTH_START, _rate(index)))
    card = rate_cards.create(UnitOfWork(engine), CLOCK, rate_cards.CreateRateCard("bench"))
    rate_cards.add_rates(UnitOfWork(engine), CLOCK, card.card.id, entries)
    return Catalog(card.card.id, event_types)


def _rate(index: int) -> Rate:
    if index % 2:
        tiers = (Tier(Decimal("0.02"), Decimal(10_000)), Tier(Decimal("0.015")))
        return Rate(RateType.TIERED, tiers=tiers)
    return Rate(RateType.FLAT, price=Decimal("0.01"))


def contracts(engine: Engine, card: Catalog, count: int) -> list[Contract]:
    """``count`` customers, each with one monthly contract on the card from January."""
    made: list[Contract] = []
    for start in range(0, count, 500):
        with UnitOfWork(engine) as uow:
            for _ in range(start, min(count, start + 500)):
                customer = Customer(
                    id=new_id(),
                    name=f"customer {len(made)}",
                    ingest_aliases=(),
                    created_at=CLOCK.now(),
                    updated_at=CLOCK.now(),
                )
                uow.customers.add(customer)
                contract = Contract(
                    id=new_id(),
                    customer_id=customer.id,
                    starting_at=MONTH_START,
                    created_at=CLOCK.now(),
                    rate_card_id=card.rate_card_id,
                )
                persist_new_contract(uow, contract)
                made.append(contract)
            uow.commit()
    return made


def events(
    customer_ids: Sequence[str], event_types: Sequence[str], count: int, seed: int = 7
) -> Iterator[UsageEvent]:
    """``count`` events spread over January, the customers and the event types."""
    rng = random.Random(seed)
    seconds = int((MONTH_END - MONTH_START).total_seconds())
    for index in range(count):
        yield UsageEvent(
            transaction_id=f"bench-{index}",
            customer_id=customer_ids[index % len(customer_ids)],
            event_type=event_types[rng.randrange(len(event_types))],
            timestamp=MONTH_START + timedelta(seconds=rng.randrange(seconds)),
            properties={"n": rng.randrange(1, 100)},
        )


def store_events(engine: Engine, stream: Iterator[UsageEvent], batch: int = 5000) -> int:
    stored = 0
    chunk: list[UsageEvent] = []
    for event in stream:
        chunk.append(event)
        if len(chunk) == batch:
            stored += _store(engine, chunk)
            chunk = []
    if chunk:
        stored += _store(engine, chunk)
    return stored


def _store(engine: Engine, chunk: list[UsageEvent]) -> int:
    with UnitOfWork(engine) as uow:
        added = uow.events.add_new(chunk, MONTH_END)
        uow.commit()
    return len(chunk) - len(added)


def best_ms(step: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The fastest of ``repeat`` runs of ``step``, in milliseconds, with its result."""
    best = float("inf")
    result: T | None = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        best = min(best, (time.perf_counter() - started) * 1000)
    assert result is not None
    return best, result
