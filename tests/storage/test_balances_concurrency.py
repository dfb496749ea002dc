"""Several processes closing one customer's billing at once on PostgreSQL never draw a balance
twice: the customer row lock serialises finalisers, the invoice key is stored once, and each
finalised invoice writes its deductions exactly once."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from metronome import Metronome
from sqlalchemy import Engine, select

from meterbill.clock import FixedClock
from meterbill.services.billing_close import close
from meterbill.storage.database import make_engine
from meterbill.storage.tables import balance_ledger_entries
from meterbill.storage.uow import UnitOfWork
from tests.scenarios.conftest import Billing
from tests.scenarios.test_commits_worked_examples import _flat

_AS_OF = datetime(2026, 4, 3, tzinfo=UTC)
_PROCESSES = 4


def _close_in_a_process(url: str, start: multiprocessing.synchronize.Event) -> None:
    engine = make_engine(url, pool_size=2)
    start.wait(30)
    try:
        close(lambda: UnitOfWork(engine), _AS_OF, timedelta(hours=24))
    finally:
        engine.dispose()


def _billing(client: Metronome, clock: FixedClock, engine: Engine) -> Billing:
    billing = Billing(client, clock, engine)
    billing.customer()
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    credit_product = billing.product("Credit", "FIXED")
    card = billing.rate_card(_flat(calls, 1))
    billing.contract(
        card,
        datetime(2026, 1, 1, tzinfo=UTC),
        credits=[
            {
                "product_id": credit_product,
                "access_schedule": {
                    "schedule_items": [
                        {
                            "amount": 10_000,
                            "starting_at": datetime(2026, 1, 1, tzinfo=UTC),
                            "ending_before": datetime(2027, 1, 1, tzinfo=UTC),
                        }
                    ]
                },
            }
        ],
    )
    for month in (1, 2, 3):
        billing.send("call", datetime(2026, month, 10, tzinfo=UTC), n=4_000)
    return billing


def test_concurrent_closes_draw_each_balance_once(
    client: Metronome, clock: FixedClock, engine: Engine, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    billing = _billing(client, clock, engine)
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [
        context.Process(target=_close_in_a_process, args=(database_url, start))
        for _ in range(_PROCESSES)
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0] * _PROCESSES
    with engine.connect() as conn:
        rows = conn.execute(
            select(balance_ledger_entries.c.invoice_id, balance_ledger_entries.c.amount)
        ).all()
    assert Counter(invoice for invoice, _ in rows).most_common(1)[0][1] == 1
    assert sorted(Decimal(amount) for _, amount in rows) == [-4_000, -4_000, -2_000]
    billing.clock.set(_AS_OF)
    invoices = billing.invoices(type="USAGE")
    finalised = [i for i in invoices if i.status == "FINALIZED"]
    assert len(finalised) == 3
    assert sorted(float(i.total or 0) for i in finalised) == [0, 0, 2_000]
