"""Customer invoice endpoints through the official SDK: filters, ids, void/regenerate, fields."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import metronome
import pytest
from metronome import Metronome
from sqlalchemy import Engine, select

from meterbill.clock import FixedClock
from meterbill.storage.tables import balance_ledger_entries
from tests.scenarios.conftest import USD, Billing, at, cents


@pytest.fixture
def billing(client: Metronome, clock: FixedClock, engine: Engine) -> Iterator[Billing]:
    setup = Billing(client, clock, engine)
    setup.customer()
    yield setup


def _setup(billing: Billing, **terms: object) -> tuple[str, str]:
    calls = billing.usage_product("Calls", billing.metric("call"))
    idle = billing.usage_product("Idle", billing.metric("idle"))
    fee = billing.product("Setup fee", "FIXED")
    rates = [
        {"product_id": p, "rate_type": "FLAT", "price": 1, "entitled": True, "starting_at": at(1)}
        for p in (calls, idle)
    ]
    charge = {
        "product_id": fee,
        "schedule": {"schedule_items": [{"timestamp": at(1, 15), "amount": 5000}]},
    }
    contract = billing.contract(
        billing.rate_card(*rates), at(1), scheduled_charges=[charge], **terms
    )
    billing.send("call", at(1, 10), count=2)
    billing.send("call", at(2, 10), count=3)
    billing.clock.set(at(3, 5))
    return contract, calls


def test_list_returns_drafts_and_scheduled_invoices_by_issue_date(billing: Billing) -> None:
    _setup(billing)
    found = billing.invoices()
    assert [(i.type, i.issued_at) for i in found] == [
        ("SCHEDULED", at(1, 15)),
        ("USAGE", at(2)),
        ("USAGE", at(3)),
        ("USAGE", at(4)),
    ]
    assert billing.invoices(sort="date_desc")[0].type == "USAGE"
    scheduled = billing.invoices(type="SCHEDULED")[0]
    assert (scheduled.line_items[0].type, cents(scheduled.total)) == ("scheduled", 5000)


def test_list_filters_by_period_status_contract_and_credit_type(billing: Billing) -> None:
    contract, _ = _setup(billing)
    febs = billing.invoices(type="USAGE", starting_on=at(2), ending_before=at(3))
    assert [(i.start_timestamp, cents(i.total)) for i in febs] == [(at(2), 3)]
    assert billing.invoices(contract_id="other") == []
    assert len(billing.invoices(contract_id=contract, credit_type_id=USD)) == 4
    assert billing.invoices(status="FINALIZED") == []
    billing.close(at(3, 5))
    assert {i.issued_at for i in billing.invoices(status="FINALIZED")} == {at(1, 15), at(2), at(3)}
    assert [i.issued_at for i in billing.invoices(status="DRAFT")] == [at(4)]


def test_zero_quantity_lines_can_be_skipped(billing: Billing) -> None:
    _setup(billing)
    invoice = billing.usage_invoice(at(1))
    assert sorted(line.quantity for line in invoice.line_items) == [0, 2]
    skipped = billing.invoices(type="USAGE", skip_zero_qty_line_items=True)[0]
    assert [line.quantity for line in skipped.line_items] == [2]


def test_list_pages_with_next_page(billing: Billing) -> None:
    _setup(billing)
    first = billing.client.v1.customers.invoices.list(customer_id=billing.customer_id, limit=3)
    assert len(first.data) == 3 and first.next_page is not None
    assert [i.issued_at for i in first] == [at(1, 15), at(2), at(3), at(4)]  # auto-paging


def test_a_draft_keeps_its_id_when_finalised(billing: Billing) -> None:
    _setup(billing)
    draft = billing.usage_invoice(at(2))
    fetched = billing.client.v1.customers.invoices.retrieve(
        customer_id=billing.customer_id, invoice_id=draft.id
    ).data
    assert (fetched.status, cents(fetched.total)) == ("DRAFT", 3)
    billing.close(at(3, 5))
    final = billing.client.v1.customers.invoices.retrieve(
        customer_id=billing.customer_id, invoice_id=draft.id
    ).data
    assert final.status == "FINALIZED"
    assert final.line_items == fetched.line_items


def test_unknown_invoices_are_404(billing: Billing) -> None:
    _setup(billing)
    with pytest.raises(metronome.NotFoundError):
        billing.client.v1.customers.invoices.retrieve(
            customer_id=billing.customer_id, invoice_id="nope"
        )
    with pytest.raises(metronome.NotFoundError):
        billing.client.v1.invoices.void(id="nope")


def test_only_void_invoices_can_be_regenerated_once(billing: Billing) -> None:
    _setup(billing)
    billing.close(at(3, 5))
    invoice = billing.usage_invoice(at(1))
    with pytest.raises(metronome.BadRequestError):
        billing.client.v1.invoices.regenerate(id=invoice.id)
    billing.client.v1.invoices.void(id=invoice.id)
    billing.client.v1.invoices.void(id=invoice.id)  # voiding twice changes nothing
    billing.client.v1.invoices.regenerate(id=invoice.id)
    with pytest.raises(metronome.ConflictError):
        billing.client.v1.invoices.regenerate(id=invoice.id)


def test_a_voided_draft_is_never_finalised(billing: Billing) -> None:
    _setup(billing)
    draft = billing.usage_invoice(at(3))
    billing.client.v1.invoices.void(id=draft.id)
    billing.close(at(4, 3))
    assert billing.usage_invoice(at(3)).status == "VOID"


def test_net_payment_terms_and_issue_dates(billing: Billing) -> None:
    _setup(billing, net_payment_terms_days=15)
    invoice = billing.usage_invoice(at(1))
    assert (invoice.issued_at, invoice.net_payment_terms_days) == (at(2), 15)
    assert (invoice.start_timestamp, invoice.end_timestamp) == (at(1), at(2))


def test_invoice_custom_fields_are_set_by_id(billing: Billing) -> None:
    _setup(billing)
    billing.client.v1.custom_fields.add_key(
        entity="invoice", key="po_number", enforce_uniqueness=False
    )
    invoice = billing.usage_invoice(at(1))
    billing.client.v1.custom_fields.set_values(
        entity="invoice", entity_id=invoice.id, custom_fields={"po_number": "PO-7"}
    )
    assert billing.usage_invoice(at(1)).custom_fields == {"po_number": "PO-7"}


def test_hourly_breakdowns_split_usage_by_hour(billing: Billing) -> None:
    _setup(billing)
    billing.send("call", at(3, 5, 1), count=4)
    billing.send("call", at(3, 5, 3), count=1)
    billing.clock.set(at(3, 6))
    hours = list(
        billing.client.v1.customers.invoices.list_breakdowns(
            customer_id=billing.customer_id,
            starting_on=at(3, 5),
            ending_before=at(3, 5) + timedelta(hours=24),
            window_size="HOUR",
            skip_zero_qty_line_items=True,
        )
    )
    assert len(hours) == 24
    used = {b.breakdown_start_timestamp.hour: cents(b.total) for b in hours if b.line_items}
    assert used == {1: 4, 3: 1}


def test_the_billing_worker_finalises_due_invoices(billing: Billing, engine: Engine) -> None:
    from meterbill.services.billing_worker import BillingWorker
    from meterbill.storage.uow import UnitOfWork

    _setup(billing)
    worker = BillingWorker(
        lambda: UnitOfWork(engine), billing.clock, grace=timedelta(hours=24), interval=60
    )
    billing.clock.set(at(2, 1, 23))
    assert worker.run_once() == 1  # the scheduled invoice; January waits for the grace period
    billing.clock.set(at(2, 2))
    assert worker.run_once() == 1


def test_archiving_with_void_invoices_voids_the_finalised_ones_and_frees_their_draws(
    billing: Billing,
) -> None:
    credit = {
        "product_id": billing.product("Credit", "FIXED"),
        "access_schedule": {
            "schedule_items": [
                {"amount": 10, "starting_at": at(1), "ending_before": at(1, 1, 0, 2027)}
            ]
        },
    }
    contract, _ = _setup(billing, credits=[credit])
    billing.close(at(3, 5))
    finalised = [i for i in billing.invoices() if i.status == "FINALIZED"]
    assert finalised
    assert (
        billing.client.v1.contracts.get_net_balance(customer_id=billing.customer_id).data.balance
        == 5
    )
    billing.client.v1.contracts.archive(
        contract_id=contract, customer_id=billing.customer_id, void_invoices=True
    )
    voided = {i.id: i.status for i in billing.invoices()}
    assert all(voided[i.id] == "VOID" for i in finalised)
    # The voided invoices' draws leave the ledger: the credit gets them back.
    with billing.engine.connect() as conn:
        left = conn.execute(select(balance_ledger_entries.c.invoice_id)).scalars().all()
    assert not set(left) & {i.id for i in finalised}
