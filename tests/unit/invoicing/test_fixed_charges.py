"""Subscriptions, scheduled charges and commit purchases: placement, proration, balances seam."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from meterbill.core.catalog import ProductType
from meterbill.core.contracts.terms import (
    AccessItem,
    AccessSchedule,
    CollectionSchedule,
    Commit,
    CommitKind,
    InvoiceBehavior,
    InvoiceItem,
    InvoicePlacement,
    InvoiceSchedule,
    QuantityEntry,
    ScheduledCharge,
)
from meterbill.core.invoicing import (
    Application,
    AppliedBalance,
    BalanceContext,
    BillingInputs,
    LineItem,
    LineType,
    compute_invoice,
    invoice_keys,
)
from meterbill.core.invoicing.model import InvoiceKey, InvoiceType
from tests.unit.invoicing.builders import (
    APR,
    FEB,
    JAN,
    MAR,
    USD,
    contract,
    d,
    month_key,
    other_product,
    subscription,
    subscription_rate,
)

MID_JAN = datetime(2026, 1, 16, tzinfo=UTC)
PLAN = other_product("plan", ProductType.SUBSCRIPTION)
FEE = other_product("fee", ProductType.FIXED)


def _inputs(**contract_fields: object) -> BillingInputs:
    return BillingInputs(
        contract=contract(**contract_fields),
        rate_entries=(subscription_rate("plan", 3100),),
        products={"plan": PLAN, "fee": FEE},
    )


def _subscription_totals(key: InvoiceKey, inputs: BillingInputs) -> list[object]:
    invoice = compute_invoice(key, inputs, key.ending_before)
    return [line.total for line in invoice.line_items if line.type is LineType.SUBSCRIPTION]


def test_arrears_subscription_is_billed_on_the_usage_invoice_of_its_period() -> None:
    inputs = _inputs(subscriptions=(subscription("plan"),))
    assert _subscription_totals(month_key(JAN, FEB), inputs) == [d(3100)]


def test_advance_subscription_bills_the_next_period_on_each_usage_invoice() -> None:
    advance = subscription("plan", schedule=CollectionSchedule.ADVANCE)
    inputs = _inputs(subscriptions=(advance,))
    # January's invoice carries January (due at the start) and February (due Feb 1).
    assert _subscription_totals(month_key(JAN, FEB), inputs) == [d(3100), d(3100)]
    assert _subscription_totals(month_key(FEB, MAR), inputs) == [d(3100)]


def test_a_partial_first_period_is_prorated() -> None:
    inputs = _inputs(subscriptions=(subscription("plan", starting_at=MID_JAN),))
    invoice = compute_invoice(month_key(JAN, FEB), inputs, FEB)
    [line] = invoice.line_items
    assert line.total == d(1600)  # 16 of 31 days of 3100
    assert line.is_prorated is True
    assert line.unit_price == d(3100)


def test_a_quantity_increase_billed_immediately_is_prorated_for_the_rest_of_the_period() -> None:
    seats = (QuantityEntry(JAN, d(1)), QuantityEntry(MID_JAN, d(3)))
    advance = subscription(
        "plan",
        schedule=CollectionSchedule.ADVANCE,
        quantity_schedule=seats,
        invoice_behavior=InvoiceBehavior.BILL_IMMEDIATELY,
        ending_before=FEB,
    )
    inputs = _inputs(subscriptions=(advance,))
    assert _subscription_totals(month_key(JAN, FEB), inputs) == [d(3100), d(2 * 1600)]


def test_subscriptions_on_scheduled_invoices_get_their_own_invoice() -> None:
    placed = subscription(
        "plan",
        schedule=CollectionSchedule.ADVANCE,
        invoice_placement=InvoicePlacement.ON_SCHEDULED_INVOICE,
    )
    inputs = _inputs(subscriptions=(placed,))
    keys = invoice_keys(inputs, datetime(2026, 1, 20, tzinfo=UTC))
    scheduled = [k for k in keys if k.type is InvoiceType.SCHEDULED]
    assert [k.starting_at for k in scheduled] == [JAN]  # the Feb 1 charge is listed from Feb 1
    invoice = compute_invoice(scheduled[0], inputs, JAN)
    assert invoice.total == d(3100)
    assert invoice.issued_at == JAN
    assert _subscription_totals(month_key(JAN, FEB), inputs) == []


def _charge(*timestamps: datetime) -> ScheduledCharge:
    items = tuple(
        InvoiceItem(f"item-{i}", moment, d(500), d(1), d(500))
        for i, moment in enumerate(timestamps)
    )
    return ScheduledCharge("charge-1", "fee", InvoiceSchedule(items), name="Setup")


def test_scheduled_charges_make_scheduled_invoices_at_their_timestamp() -> None:
    inputs = _inputs(scheduled_charges=(_charge(datetime(2026, 1, 10, tzinfo=UTC)),))
    keys = invoice_keys(inputs, JAN)
    [scheduled] = [k for k in keys if k.type is InvoiceType.SCHEDULED]
    invoice = compute_invoice(scheduled, inputs, JAN)
    [line] = invoice.line_items
    assert (line.type, line.total, line.scheduled_charge_id) == (
        LineType.SCHEDULED,
        d(500),
        "charge-1",
    )
    assert invoice.issued_at == datetime(2026, 1, 10, tzinfo=UTC)


def test_scheduled_charges_on_usage_invoices_join_the_invoice_ending_at_their_timestamp() -> None:
    inputs = _inputs(
        scheduled_charges=(_charge(FEB, datetime(2026, 2, 10, tzinfo=UTC)),),
        scheduled_charges_on_usage_invoices=True,
    )
    keys = invoice_keys(inputs, datetime(2026, 2, 20, tzinfo=UTC))
    assert [k.starting_at for k in keys if k.type is InvoiceType.SCHEDULED] == [
        datetime(2026, 2, 10, tzinfo=UTC)
    ]
    invoice = compute_invoice(month_key(JAN, FEB), inputs, FEB)
    assert [line.type for line in invoice.line_items] == [LineType.SCHEDULED]


def test_do_not_invoice_schedules_are_not_invoiced() -> None:
    items = (InvoiceItem("i", FEB, d(500)),)
    charge = ScheduledCharge("c", "fee", InvoiceSchedule(items, do_not_invoice=True))
    inputs = _inputs(scheduled_charges=(charge,))
    assert [k for k in invoice_keys(inputs, MAR) if k.type is InvoiceType.SCHEDULED] == []


def _prepaid(amount: int) -> Commit:
    access = AccessSchedule((AccessItem("seg", d(amount), JAN, APR),))
    invoice = InvoiceSchedule((InvoiceItem("inv", JAN, d(amount)),))
    return Commit("commit-1", CommitKind.PREPAID, "fee", access, invoice, name="Prepaid")


def test_prepaid_commit_purchases_are_invoiced_on_their_schedule() -> None:
    inputs = _inputs(commits=(_prepaid(100_000),))
    [key] = [k for k in invoice_keys(inputs, JAN) if k.type is InvoiceType.SCHEDULED]
    [line] = compute_invoice(key, inputs, JAN).line_items
    assert (line.type, line.total, line.commit_id, line.commit_type) == (
        LineType.COMMIT_PURCHASE, d(100_000), "commit-1", "PrepaidCommit",
    )  # fmt: skip


def _draw(kind: str) -> object:
    def apply(charges: Sequence[LineItem], context: BalanceContext) -> tuple[Application, ...]:
        owed = sum((line.total for line in charges), d(0))
        return (Application(AppliedBalance("credit-1", kind), owed, USD, "Credit"),)

    return apply


def test_balance_applications_become_negative_lines_that_reduce_the_total() -> None:
    inputs = _inputs(subscriptions=(subscription("plan"),))
    invoice = compute_invoice(month_key(JAN, FEB), inputs, FEB, apply_balances=_draw("CREDIT"))  # type: ignore[arg-type]
    assert [line.total for line in invoice.line_items] == [d(3100), d(-3100)]
    assert invoice.total == d(0)
    assert invoice.subtotal == d(3100)


def test_postpaid_applications_do_not_reduce_the_total() -> None:
    inputs = _inputs(subscriptions=(subscription("plan"),))
    invoice = compute_invoice(month_key(JAN, FEB), inputs, FEB, apply_balances=_draw("POSTPAID"))  # type: ignore[arg-type]
    assert invoice.total == d(3100)
