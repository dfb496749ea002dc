"""Time to compute one draft invoice against the usage aggregation it needs, in the same run.

A contract with 20 usage products (half flat, half tiered) and 1,000,000 events in January
(``--quick``: 100,000). ``invoice_ms`` is ``GET .../invoices/{id}``'s service call for the
January draft: load the contract, rate card and products, aggregate the usage, price, apply
balances. ``aggregation_ms`` is the metering engine's aggregation of the same 20 metrics over
the same period alone. Best of several interleaved runs each. Target: ratio under 1.2.

Last line: ``events=... invoice_ms=... aggregation_ms=... ratio=...``.
"""

from __future__ import annotations

import sys
import time

from bench._billing import (
    MONTH_END,
    MONTH_START,
    best_ms,
    catalog,
    contracts,
    database,
    events,
    store_events,
)
from meterbill.clock import FixedClock
from meterbill.core.invoicing import InvoiceType, invoice_id
from meterbill.core.invoicing.model import InvoiceKey
from meterbill.services import invoices
from meterbill.services.billing_inputs import InputsLoader
from meterbill.storage.repositories.usage import MetricQuery
from meterbill.storage.uow import UnitOfWork

USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    count = 100_000 if quick else 1_000_000
    started = time.perf_counter()
    engine = database()
    card = catalog(engine, 20)
    [contract] = contracts(engine, card, 1)
    stored = store_events(engine, events([contract.customer_id], card.event_types, count))
    print(f"setup: {stored} events in {time.perf_counter() - started:.1f} s")

    key = InvoiceKey(contract.id, InvoiceType.USAGE, USD, MONTH_START, MONTH_END)
    wanted = invoice_id(key)
    clock = FixedClock(MONTH_END)

    def invoice() -> object:
        uow = UnitOfWork(engine, read_only=True)
        return invoices.get(uow, clock, contract.customer_id, wanted)

    with UnitOfWork(engine, read_only=True) as uow:
        metric_ids = [m.id for m in uow.billable_metrics.list_all()]
        definitions = InputsLoader(uow).definitions(metric_ids)
    queries = [MetricQuery(mid, definitions[mid]) for mid in metric_ids]

    def aggregation() -> object:
        with UnitOfWork(engine, read_only=True) as uow:
            return uow.usage.aggregate_many(
                queries,
                customer_ids=[contract.customer_id],
                starting_at=MONTH_START,
                ending_before=MONTH_END,
            )

    invoice_ms, aggregation_ms = float("inf"), float("inf")
    for _ in range(3 if quick else 5):
        invoice_ms = min(invoice_ms, best_ms(invoice, 1)[0])
        aggregation_ms = min(aggregation_ms, best_ms(aggregation, 1)[0])
    drafted = invoice()
    print(f"draft total: {getattr(drafted, 'total', None)} ({engine.dialect.name})")
    ratio = invoice_ms / aggregation_ms
    print(
        f"events={stored} invoice_ms={invoice_ms:.1f} "
        f"aggregation_ms={aggregation_ms:.1f} ratio={ratio:.2f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
