"""Time to finalise one month for 10,000 contracts (``--quick``: 1,000).

Each contract is on the same 20-product rate card with a few events in January; the clock
stands at February 2 (the period end plus the 24 h grace). ``seconds`` is one
``meterbill billing close`` run (``services.billing_close.close``): find the due invoices,
aggregate their usage, price them, store them exactly once. Target: under 60 s.

``--credits``: every contract also has a contract-level credit (smaller than its January
charges), so every invoice goes through the drawdown and writes ledger entries.

Last line: ``contracts=... seconds=... per_contract_ms=...``.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, select

from bench._billing import (
    CLOCK,
    MONTH_START,
    Catalog,
    catalog,
    contracts,
    database,
    events,
    store_events,
)
from meterbill.core.catalog import ProductType
from meterbill.core.contracts.terms import AccessItem, AccessSchedule, Commit, CommitKind, Contract
from meterbill.core.customers import Customer
from meterbill.services import products
from meterbill.services.billing_close import close
from meterbill.services.contracts import persist_new_contract
from meterbill.services.ids import new_id
from meterbill.storage.tables import balance_ledger_entries
from meterbill.storage.uow import UnitOfWork

AS_OF = datetime(2026, 2, 2, tzinfo=UTC)


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    credits = "--credits" in argv
    count = 1_000 if quick else 10_000
    started = time.perf_counter()
    engine = database()
    card = catalog(engine, 20)
    made = _with_credits(engine, card, count) if credits else contracts(engine, card, count)
    customer_ids = [c.customer_id for c in made]
    stored = store_events(engine, events(customer_ids, card.event_types, count * 10))
    print(f"setup: {count} contracts, {stored} events in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    result = close(lambda: UnitOfWork(engine), AS_OF, timedelta(hours=24))
    seconds = time.perf_counter() - started
    again = close(lambda: UnitOfWork(engine), AS_OF, timedelta(hours=24))
    with engine.connect() as conn:
        entries = conn.execute(select(func.count()).select_from(balance_ledger_entries)).scalar()
    print(
        f"finalised {result.finalized} invoices ({entries} ledger entries); a second run "
        f"finalised {again.finalized} ({engine.dialect.name})"
    )
    print(
        f"contracts={result.contracts} seconds={seconds:.2f} "
        f"per_contract_ms={seconds * 1000 / max(result.contracts, 1):.2f}"
    )


def _with_credits(engine: Engine, card: Catalog, count: int) -> list[Contract]:
    """``count`` customers, each with one monthly contract on the card from January and a
    contract-level credit of 5,000 cents for 2026."""
    product = products.create(
        UnitOfWork(engine), CLOCK, products.CreateProduct("Credit", ProductType.FIXED, {})
    )
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
                item = AccessItem(
                    new_id(), Decimal(5_000), MONTH_START, datetime(2027, 1, 1, tzinfo=UTC)
                )
                credit = Commit(
                    id=new_id(),
                    kind=CommitKind.CREDIT,
                    product_id=product.id,
                    access_schedule=AccessSchedule((item,)),
                    priority=Decimal(1),
                    ordinal=1,
                    created_at=CLOCK.now(),
                )
                contract = Contract(
                    id=new_id(),
                    customer_id=customer.id,
                    starting_at=MONTH_START,
                    created_at=CLOCK.now(),
                    rate_card_id=card.rate_card_id,
                    commits=(credit,),
                )
                persist_new_contract(uow, contract)
                made.append(contract)
            uow.commit()
    return made


if __name__ == "__main__":
    main(sys.argv[1:])
