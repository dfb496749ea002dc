"""Time to finalise one month for 10,000 contracts (``--quick``: 1,000).

Each contract is on the same 20-product rate card with a few events in January; the clock
stands at February 2 (the period end plus the 24 h grace). ``seconds`` is one
``meterbill billing close`` run (``services.billing_close.close``): find the due invoices,
aggregate their usage, price them, store them exactly once. Target: under 60 s.

Last line: ``contracts=... seconds=... per_contract_ms=...``.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

from bench._billing import catalog, contracts, database, events, store_events
from meterbill.services.billing_close import close
from meterbill.storage.uow import UnitOfWork

AS_OF = datetime(2026, 2, 2, tzinfo=UTC)


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    count = 1_000 if quick else 10_000
    started = time.perf_counter()
    engine = database()
    card = catalog(engine, 20)
    made = contracts(engine, card, count)
    customer_ids = [c.customer_id for c in made]
    stored = store_events(engine, events(customer_ids, card.event_types, count * 10))
    print(f"setup: {count} contracts, {stored} events in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    result = close(lambda: UnitOfWork(engine), AS_OF, timedelta(hours=24))
    seconds = time.perf_counter() - started
    again = close(lambda: UnitOfWork(engine), AS_OF, timedelta(hours=24))
    print(
        f"finalised {result.finalized} invoices; a second run finalised {again.finalized} "
        f"({engine.dialect.name})"
    )
    print(
        f"contracts={result.contracts} seconds={seconds:.2f} "
        f"per_contract_ms={seconds * 1000 / max(result.contracts, 1):.2f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
