"""Usage invoices computed purely: the spec's worked examples and the period rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from meterbill.core.catalog import ProductType
from meterbill.core.contracts.terms import Override, Prioritization
from meterbill.core.invoicing import (
    BillingInputs,
    LineType,
    compute_invoice,
    invoice_keys,
    usage_for,
)
from meterbill.core.invoicing.model import InvoiceStatus, InvoiceType
from meterbill.core.pricing import OverrideTier, OverrideType, specifiers_for
from tests.unit.invoicing.builders import (
    FEB,
    JAN,
    MAR,
    USD,
    contract,
    d,
    flat,
    month_key,
    other_product,
    rate,
    subscription,
    subscription_rate,
    tiered,
    usage_product,
    with_usage,
)

MID_JAN = datetime(2026, 1, 15, tzinfo=UTC)


def _inputs(
    *entries: object, products: tuple[object, ...], **contract_fields: object
) -> BillingInputs:
    return BillingInputs(
        contract=contract(**contract_fields),
        rate_entries=tuple(entries),  # type: ignore[arg-type]
        products={p.id: p for p in products},  # type: ignore[attr-defined]
    )


def _multiplier(override_id: str, multiplier: Decimal) -> Override:
    return Override(
        override_id,
        MID_JAN,
        specifiers_for("calls"),
        OverrideType.MULTIPLIER,
        multiplier=multiplier,
    )


def test_hybrid_plan_bills_151_dollars_20() -> None:
    plan = other_product("plan", ProductType.SUBSCRIPTION)
    storage, calls, minutes = usage_product("gb"), usage_product("calls"), usage_product("min")
    inputs = _inputs(
        subscription_rate("plan", 2000),
        rate("gb", flat(10)),
        rate("calls", flat("0.00006")),
        rate("min", flat(2)),
        products=(plan, storage, calls, minutes),
        subscriptions=(subscription("plan"),),
    )
    key = month_key(JAN, FEB)
    inputs = with_usage(inputs, key, {"gb": d(1200), "calls": d(2_000_000), "min": d(500)})
    invoice = compute_invoice(key, inputs, FEB)
    assert invoice.total == d(15120)
    assert sorted(line.type.value for line in invoice.line_items) == [
        "subscription", "usage", "usage", "usage",
    ]  # fmt: skip


def test_subscription_plus_overage_bills_99_dollars() -> None:
    inputs = _inputs(
        subscription_rate("plan", 4900),
        rate("calls", flat(1)),
        products=(other_product("plan", ProductType.SUBSCRIPTION), usage_product("calls")),
        subscriptions=(subscription("plan"),),
    )
    key = month_key(JAN, FEB)
    invoice = compute_invoice(key, with_usage(inputs, key, {"calls": d(5000)}), FEB)
    assert invoice.total == d(9900)


def test_dimensional_pricing_prices_each_model_at_its_own_rate() -> None:
    tokens = usage_product("tokens", pricing_group_key=("model",))
    inputs = _inputs(
        rate("tokens", flat("0.3"), pricing_group_values={"model": "gpt-4"}),
        rate("tokens", flat("0.1"), pricing_group_values={"model": "gpt-3.5"}),
        subscription_rate("plan", 2000),
        products=(tokens, other_product("plan", ProductType.SUBSCRIPTION)),
        subscriptions=(subscription("plan"),),
    )
    key = month_key(JAN, FEB)
    usage = {("gpt-4",): d(50_000), ("gpt-3.5",): d(200_000)}
    invoice = compute_invoice(key, with_usage(inputs, key, {"tokens": usage}), FEB)
    by_model = {
        (line.pricing_group_values or {}).get("model"): line.total
        for line in invoice.line_items
        if line.type is LineType.USAGE
    }
    assert by_model == {"gpt-4": d(15000), "gpt-3.5": d(20000)}
    # NOTE: the spec's credit of -$20 (total $350) comes with the balances area.
    assert invoice.total == d(37000)


def test_graduated_tiers_reset_at_each_billing_period() -> None:
    inputs = _inputs(
        rate("calls", tiered((1, 10000), ("0.5", None))), products=(usage_product("calls"),)
    )
    for start, end in ((JAN, FEB), (FEB, MAR)):
        key = month_key(start, end)
        invoice = compute_invoice(key, with_usage(inputs, key, {"calls": d(15000)}), end)
        assert invoice.total == d(12500)
        tiers = [(line.tier.level, line.quantity) for line in invoice.line_items if line.tier]
        assert tiers == [(1, d(10000)), (2, d(5000))]


def test_a_rate_change_mid_period_splits_the_usage_line() -> None:
    inputs = _inputs(
        rate("calls", flat(1), ending_before=MID_JAN),
        rate("calls", flat(2), starting_at=MID_JAN),
        products=(usage_product("calls"),),
    )
    key = month_key(JAN, FEB)
    early, late = usage_for(key, inputs)
    assert (early.ending_before, late.starting_at) == (MID_JAN, MID_JAN)
    usage = {early: {(): d(100)}, late: {(): d(10)}}
    invoice = compute_invoice(key, replace(inputs, usage=usage), FEB)
    assert [(line.unit_price, line.total) for line in invoice.line_items] == [
        (d(1), d(100)),
        (d(2), d(20)),
    ]
    assert invoice.total == d(120)


def test_tiers_continue_across_a_mid_period_cut() -> None:
    inputs = _inputs(
        rate("calls", tiered((1, 100), ("0.5", None))),
        products=(usage_product("calls"),),
        overrides=(
            Override(
                "o1", MID_JAN, specifiers_for("calls"), OverrideType.MULTIPLIER, multiplier=d(1)
            ),
        ),
    )
    key = month_key(JAN, FEB)
    early, late = usage_for(key, inputs)
    invoice = compute_invoice(
        key, replace(inputs, usage={early: {(): d(80)}, late: {(): d(40)}}), FEB
    )
    # 80 @ 1, then 20 @ 1 and 20 @ 0.5: the second window starts at position 80.
    assert invoice.total == d(80 + 20 + 10)


def test_an_override_starting_mid_period_prices_only_later_usage() -> None:
    inputs = _inputs(
        rate("calls", flat(10)),
        products=(usage_product("calls"),),
        overrides=(
            Override(
                "half",
                MID_JAN,
                specifiers_for("calls"),
                OverrideType.MULTIPLIER,
                multiplier=d("0.5"),
            ),
        ),
    )
    key = month_key(JAN, FEB)
    early, late = usage_for(key, inputs)
    invoice = compute_invoice(
        key, replace(inputs, usage={early: {(): d(10)}, late: {(): d(10)}}), FEB
    )
    assert [line.total for line in invoice.line_items] == [d(100), d(50)]


def test_a_tiered_override_discounts_the_first_units_of_the_period() -> None:
    tiers = (OverrideTier(d("0.9"), d(5)),)
    inputs = _inputs(
        rate("calls", flat(100)),
        products=(usage_product("calls"),),
        multiplier_override_prioritization=Prioritization.EXPLICIT,
        overrides=(
            Override(
                "t", JAN, specifiers_for("calls"), OverrideType.TIERED, tiers=tiers, priority=d(1)
            ),
        ),
    )
    key = month_key(JAN, FEB)
    invoice = compute_invoice(key, with_usage(inputs, key, {"calls": d(8)}), FEB)
    assert [(line.quantity, line.unit_price) for line in invoice.line_items] == [
        (d(5), d(90)),
        (d(3), d(100)),
    ]
    assert invoice.total == d(750)


def test_products_without_usage_get_a_zero_quantity_line() -> None:
    inputs = _inputs(rate("calls", flat(1)), products=(usage_product("calls"),))
    invoice = compute_invoice(month_key(JAN, FEB), inputs, FEB)
    [line] = invoice.line_items
    assert (line.quantity, line.total, line.unit_price) == (d(0), d(0), d(1))


def test_unentitled_products_are_not_billed() -> None:
    inputs = _inputs(rate("calls", flat(1), entitled=False), products=(usage_product("calls"),))
    key = month_key(JAN, FEB)
    assert compute_invoice(key, with_usage(inputs, key, {"calls": d(5)}), FEB).line_items == ()


def test_usage_lines_carry_the_service_window_and_product() -> None:
    product = usage_product("calls", tags=("api",))
    inputs = _inputs(rate("calls", flat(1)), products=(product,))
    key = month_key(JAN, FEB)
    [line] = compute_invoice(key, with_usage(inputs, key, {"calls": d(3)}), FEB).line_items
    assert (line.starting_at, line.ending_before, line.product_id) == (JAN, FEB, "calls")
    assert line.product_type == "UsageProductListItem"
    assert line.product_tags == ("api",)


def test_a_composite_product_takes_a_percentage_of_the_referenced_spend() -> None:
    from meterbill.core.pricing import Rate, RateType

    support = other_product("support", ProductType.COMPOSITE, composite_tags=("api",))
    inputs = _inputs(
        rate("calls", flat(2)),
        rate("support", Rate(RateType.PERCENTAGE, price=d("0.1"))),
        products=(usage_product("calls", tags=("api",)), support),
    )
    key = month_key(JAN, FEB)
    invoice = compute_invoice(key, with_usage(inputs, key, {"calls": d(50)}), FEB)
    assert [line.total for line in invoice.line_items] == [d(100), d(10)]


def test_usage_invoices_are_issued_at_the_period_end_and_due_after_net_terms() -> None:
    inputs = _inputs(products=(), net_payment_terms_days=d(30))
    invoice = compute_invoice(month_key(JAN, FEB), inputs, FEB)
    assert invoice.issued_at == FEB
    assert invoice.due_at == datetime(2026, 3, 3, tzinfo=UTC)
    assert invoice.status is InvoiceStatus.DRAFT


def test_invoice_keys_list_every_started_statement_period() -> None:
    inputs = _inputs(products=())
    keys = invoice_keys(inputs, datetime(2026, 2, 10, tzinfo=UTC))
    assert [(k.type, k.starting_at, k.ending_before) for k in keys] == [
        (InvoiceType.USAGE, JAN, FEB),
        (InvoiceType.USAGE, FEB, MAR),
    ]
    assert {k.credit_type_id for k in keys} == {USD}


def test_a_quarterly_schedule_bills_quarters() -> None:
    from meterbill.core.contracts.terms import StatementScheduleConfig
    from meterbill.core.periods import Frequency

    inputs = _inputs(
        rate("calls", flat(1)),
        products=(usage_product("calls"),),
        usage_statement_schedule=StatementScheduleConfig(Frequency.QUARTERLY),
    )
    [key] = invoice_keys(inputs, JAN)
    assert key.ending_before == datetime(2026, 4, 1, tzinfo=UTC)
    invoice = compute_invoice(key, with_usage(inputs, key, {"calls": d(7)}), key.ending_before)
    assert invoice.total == Decimal(7)
