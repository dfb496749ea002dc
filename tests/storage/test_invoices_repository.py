"""The invoices repository on both backends: exact round trip, exactly-once inserts, void."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine

from meterbill.core.invoicing import (
    AppliedBalance,
    Invoice,
    InvoiceKey,
    InvoiceStatus,
    InvoiceType,
    LineItem,
    LineTier,
    LineType,
    invoice_id,
)
from meterbill.storage.uow import UnitOfWork

USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)
KEY = InvoiceKey("contract-1", InvoiceType.USAGE, USD, JAN, FEB)


def _invoice(revision: int = 0) -> Invoice:
    lines = (
        LineItem(
            LineType.USAGE,
            "Calls",
            Decimal("12345678901234567.123456789012"),
            USD,
            product_id="p",
            quantity=Decimal("3.5"),
            unit_price=Decimal("0.00006"),
            starting_at=JAN,
            ending_before=FEB,
            pricing_group_values={"region": "eu", "tier": None},
            tier=LineTier(2, Decimal(10000), None),
            product_tags=("api",),
        ),
        LineItem(
            LineType.APPLIED_COMMIT_OR_CREDIT,
            "Credit",
            Decimal("-5"),
            USD,
            applied_commit_or_credit=AppliedBalance("c1", "CREDIT"),
        ),
    )
    return Invoice(
        id=invoice_id(KEY, revision),
        key=KEY,
        customer_id="customer-1",
        status=InvoiceStatus.FINALIZED,
        line_items=lines,
        issued_at=FEB,
        net_payment_terms_days=Decimal(30),
        finalized_at=datetime(2026, 2, 2, tzinfo=UTC),
        revision=revision,
    )


def test_a_finalised_invoice_comes_back_exactly(engine: Engine) -> None:
    invoice = _invoice()
    with UnitOfWork(engine) as uow:
        assert uow.invoices.add(invoice)
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.invoices.get(invoice.id) == invoice
        assert uow.invoices.for_contract("contract-1") == [invoice]
        assert uow.invoices.stored_keys(["contract-1", "other"]) == {
            "contract-1": {KEY},
            "other": set(),
        }


def test_a_key_is_finalised_once(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        assert uow.invoices.add(_invoice())
        assert not uow.invoices.add(replace(_invoice(), id="another-id"))
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.invoices.count() == 1


def test_concurrent_finalisers_store_each_key_once(engine: Engine) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def finalise() -> None:
        barrier.wait()
        with UnitOfWork(engine) as uow:
            results.append(uow.invoices.add(_invoice()))
            uow.commit()

    threads = [threading.Thread(target=finalise) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.invoices.count() == 1


def test_void_then_regenerate_stores_the_next_revision(engine: Engine) -> None:
    voided_at = datetime(2026, 2, 5, tzinfo=UTC)
    with UnitOfWork(engine) as uow:
        uow.invoices.add(_invoice())
        uow.invoices.void(invoice_id(KEY), voided_at)
        assert uow.invoices.latest_revision(KEY) == 0
        assert uow.invoices.add(_invoice(revision=1))
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        old = uow.invoices.get(invoice_id(KEY))
        assert old is not None
        assert (old.status, old.voided_at) == (InvoiceStatus.VOID, voided_at)
        assert uow.invoices.latest_revision(KEY) == 1
