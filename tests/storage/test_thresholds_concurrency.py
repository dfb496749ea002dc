"""Threshold billing racing other writers on PostgreSQL, with spawned processes.

* Month closes running while other processes ingest (``ingest`` then ``after_ingest``, what
  ``POST /v1/ingest`` does) never draw a balance twice: each finalised invoice writes its
  deductions once per segment, and no commit is drawn past its amount.
* Concurrent ingests for one customer with a prepaid balance threshold recharge exactly once per
  crossing: the evaluation locks the customer row and recomputes the balance in its transaction.

The amounts make every outcome exact whatever the interleaving: each ingest batch alone keeps
the balance above the threshold, and only all of them together cross it.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from metronome import Metronome
from sqlalchemy import Engine, select

from meterbill.clock import FixedClock
from meterbill.config import Settings
from meterbill.services import threshold_billing
from meterbill.services.billing_close import close
from meterbill.services.ingest import ingest
from meterbill.storage.database import make_engine
from meterbill.storage.tables import balance_ledger_entries
from meterbill.storage.uow import UnitOfWork
from tests.scenarios.conftest import Billing, at, cents
from tests.scenarios.test_commits_worked_examples import _flat

_CLOSE_AS_OF = at(4, 3)
_INGEST_AT = at(4, 10, 12)  # after the close's as_of: the recharge invoice is never due there
_CLOSERS = 4
_INGESTERS = 4
_TIMEOUT = 120


# --- worker processes ----------------------------------------------------------------------------


def _close_in_a_process(url: str, start: multiprocessing.synchronize.Event) -> None:
    engine = make_engine(url, pool_size=2)
    start.wait(30)
    try:
        close(lambda: UnitOfWork(engine), _CLOSE_AS_OF, timedelta(hours=24))
    finally:
        engine.dispose()


def _ingest_in_a_process(
    url: str,
    now: datetime,
    batch: list[dict[str, Any]],
    start: multiprocessing.synchronize.Event,
    evaluate: multiprocessing.synchronize.Barrier | None,
) -> None:
    """``POST /v1/ingest``: store the batch, then evaluate thresholds in a new transaction.

    With ``evaluate``, every process waits there between the two steps, so all evaluations run
    after all batches are stored: without the customer lock, each would see the crossing."""
    engine = make_engine(url, pool_size=2)
    clock = FixedClock(now)
    start.wait(30)
    try:
        result = ingest(
            UnitOfWork(engine), clock, batch, backdate_days=Settings().ingest_backdate_days
        )
        assert result.accepted == len(batch)
        if evaluate is not None:
            evaluate.wait(30)
        threshold_billing.after_ingest(UnitOfWork(engine), clock, result.customer_ids)
    finally:
        engine.dispose()


def _batch(prefix: str, customer_ids: list[str], when: datetime, n: int) -> list[dict[str, Any]]:
    """One ``call`` of ``n`` units (a cent each) per customer, at ``when``."""
    stamp = when.isoformat().replace("+00:00", "Z")
    return [
        {
            "transaction_id": f"{prefix}-{customer}",
            "customer_id": customer,
            "event_type": "call",
            "timestamp": stamp,
            "properties": {"n": n},
        }
        for customer in customer_ids
    ]


def _run(processes: list[multiprocessing.process.BaseProcess], start: Any) -> None:
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(_TIMEOUT)
    assert [p.exitcode for p in processes] == [0] * len(processes)


# --- setup and reading back ----------------------------------------------------------------------


def _recharge_config(product: str) -> dict[str, Any]:
    return {
        "commit": {"product_id": product, "name": "Auto top-up"},
        "is_enabled": True,
        "payment_gate_config": {"payment_gate_type": "NONE"},
        "threshold_amount": 2_000,
        "recharge_to_amount": 5_000,
    }


def _yearly(product: str, amount: int, **extra: Any) -> dict[str, Any]:
    return {
        "product_id": product,
        "access_schedule": {
            "schedule_items": [
                {"amount": amount, "starting_at": at(1), "ending_before": at(1, year=2027)}
            ]
        },
        **extra,
    }


def _catalog(billing: Billing) -> tuple[str, str]:
    """A rate card charging a cent per unit of ``n``, and a FIXED product for commits."""
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    return billing.rate_card(_flat(calls, 1)), billing.product("Prepaid", "FIXED")


def _thresholded(billing: Billing, card: str, product: str) -> str:
    """A $100 prepaid commit, recharged to $50 when it falls to $20 or less."""
    return billing.contract(
        card,
        at(1),
        commits=[_yearly(product, 10_000, type="PREPAID", priority=200)],
        prepaid_balance_threshold_configuration=_recharge_config(product),
    )


def _commits(billing: Billing, customer_id: str, contract_id: str) -> list[Any]:
    contract = billing.client.v2.contracts.retrieve(
        customer_id=customer_id, contract_id=contract_id
    ).data
    return [*(contract.commits or []), *(contract.credits or [])]


def _amount(commit: Any) -> Decimal:
    return sum((cents(item.amount) for item in commit.access_schedule.schedule_items), Decimal(0))


def _recharges(billing: Billing, customer_id: str, contract_id: str) -> list[Decimal]:
    return [
        _amount(c) for c in _commits(billing, customer_id, contract_id) if c.name == "Auto top-up"
    ]


def _net(billing: Billing, customer_id: str) -> Decimal:
    balance = billing.client.v1.contracts.get_net_balance(customer_id=customer_id).data.balance
    return cents(balance)


def _scheduled(billing: Billing, customer_id: str) -> list[Decimal]:
    invoices = billing.client.v1.customers.invoices.list(customer_id=customer_id, type="SCHEDULED")
    return sorted(cents(i.total) for i in invoices)


# --- (a) closes racing ingests -------------------------------------------------------------------


def test_closes_racing_ingests_draw_each_balance_once(
    client: Metronome, clock: FixedClock, engine: Engine, database_url: str
) -> None:
    """Two customers: ``credited`` uses more than its $100 credit (the last invoice is capped),
    ``thresholded`` has a recharge configuration. Four processes close January to March while
    four others ingest April usage for both, which evaluates ``thresholded``'s threshold under
    the same customer lock the closes take."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    billing = Billing(client, clock, engine)
    card, product = _catalog(billing)
    credited = billing.customer("Credited")
    credited_contract = billing.contract(card, at(1), credits=[_yearly(product, 10_000)])
    thresholded = billing.customer("Thresholded")
    thresholded_contract = _thresholded(billing, card, product)
    # $40, $40, $40 of calls against $100 of credit; $30, $30, $10 against the $100 commit.
    for month, thresholded_n in ((1, 3_000), (2, 3_000), (3, 1_000)):
        billing.customer_id = credited
        billing.send("call", at(month, 10), n=4_000)
        billing.customer_id = thresholded
        billing.send("call", at(month, 10), n=thresholded_n)
    # $30 left: one, two or three $3 batches leave $27, $24, $21 (above $20); all four leave
    # $18, so exactly one $32 recharge, whichever evaluation sees it.
    assert _recharges(billing, thresholded, thresholded_contract) == []

    context = multiprocessing.get_context("spawn")
    start = context.Event()
    ingesters = [
        context.Process(
            target=_ingest_in_a_process,
            args=(
                database_url,
                _INGEST_AT,
                _batch(f"april-{i}", [credited, thresholded], at(4, 10, i), 300),
                start,
                None,
            ),
        )
        for i in range(_INGESTERS)
    ]
    closers = [
        context.Process(target=_close_in_a_process, args=(database_url, start))
        for _ in range(_CLOSERS)
    ]
    _run([p for pair in zip(closers, ingesters, strict=True) for p in pair], start)

    with engine.connect() as conn:
        rows = conn.execute(
            select(
                balance_ledger_entries.c.customer_id,
                balance_ledger_entries.c.commit_id,
                balance_ledger_entries.c.segment_id,
                balance_ledger_entries.c.invoice_id,
                balance_ledger_entries.c.amount,
            )
        ).all()
    drawn = [row for row in rows if row.invoice_id is not None]
    assert len(drawn) == len(rows)  # nothing but invoice deductions here
    per_segment = Counter((row.invoice_id, row.segment_id) for row in drawn)
    assert set(per_segment.values()) == {1}, per_segment

    billing.clock.set(_INGEST_AT + timedelta(hours=1))
    amounts = {
        c.id: _amount(c)
        for customer, contract in (
            (credited, credited_contract),
            (thresholded, thresholded_contract),
        )
        for c in _commits(billing, customer, contract)
    }
    used: defaultdict[str, Decimal] = defaultdict(Decimal)
    for row in drawn:
        used[row.commit_id] -= Decimal(row.amount)
    assert all(used[commit] <= amounts[commit] for commit in used), (used, amounts)

    by_customer: defaultdict[str, list[Decimal]] = defaultdict(list)
    for row in drawn:
        by_customer[row.customer_id].append(Decimal(row.amount))
    assert sorted(by_customer[credited]) == [-4_000, -4_000, -2_000]
    assert sorted(by_customer[thresholded]) == [-3_000, -3_000, -1_000]

    for customer, totals in ((credited, [0, 0, 2_000]), (thresholded, [0, 0, 0])):
        billing.customer_id = customer
        finalised = [i for i in billing.invoices(type="USAGE") if i.status == "FINALIZED"]
        assert sorted(cents(i.total) for i in finalised) == totals
        # Every finalised invoice drew its balance, exactly once per segment (checked above).
        assert {i.id for i in finalised} == {
            row.invoice_id for row in drawn if row.customer_id == customer
        }

    assert _recharges(billing, thresholded, thresholded_contract) == [Decimal(3_200)]
    assert _net(billing, thresholded) == Decimal(5_000)
    assert _scheduled(billing, thresholded) == [Decimal(3_200)]  # dated April 10: still a draft


# --- (b) ingests racing each other ---------------------------------------------------------------


@pytest.mark.parametrize("together", [False, True], ids=["free", "evaluations-together"])
def test_concurrent_ingests_recharge_once_per_crossing(
    client: Metronome, clock: FixedClock, engine: Engine, database_url: str, together: bool
) -> None:
    """$100 prepaid; four batches of $21.25 leave $78.75, $57.50, $36.25, then $15: only the
    last state is at or below $20, so exactly one $35 recharge brings the balance to $50.

    ``evaluations-together`` holds every evaluation until all four batches are stored, so each
    would see $15 were the evaluation not serialised by the customer lock."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    billing = Billing(client, clock, engine)
    card, product = _catalog(billing)
    customer = billing.customer()
    contract = _thresholded(billing, card, product)
    assert _recharges(billing, customer, contract) == []

    now = at(1, 10, 12)
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    evaluate = context.Barrier(_INGESTERS) if together else None
    ingesters = [
        context.Process(
            target=_ingest_in_a_process,
            args=(
                database_url,
                now,
                # Five events of 425 units: $21.25 per batch.
                [
                    event
                    for j in range(5)
                    for event in _batch(f"batch-{i}-{j}", [customer], at(1, 10, i), 425)
                ],
                start,
                evaluate,
            ),
        )
        for i in range(_INGESTERS)
    ]
    _run(list(ingesters), start)

    billing.clock.set(now + timedelta(hours=1))
    assert _recharges(billing, customer, contract) == [Decimal(3_500)]
    assert _net(billing, customer) == Decimal(5_000)
    assert _scheduled(billing, customer) == [Decimal(3_500)]
