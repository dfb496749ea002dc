"""Whole billing months through the SDK: the spec's worked examples, to the cent."""

from __future__ import annotations

from datetime import timedelta

from tests.scenarios.conftest import Billing, at, cents


def _flat(product_id: str, price: float | str, **extra: object) -> dict[str, object]:
    return {
        "product_id": product_id,
        "rate_type": "FLAT",
        "price": float(price),
        "entitled": True,
        "starting_at": at(1),
        **extra,
    }


def _subscription_rate(product_id: str, price: int) -> dict[str, object]:
    return _flat(product_id, price, billing_frequency="MONTHLY")


def _subscription(product_id: str, schedule: str = "ARREARS") -> dict[str, object]:
    return {
        "collection_schedule": schedule,
        "proration": {"is_prorated": True, "invoice_behavior": "BILL_ON_NEXT_COLLECTION_DATE"},
        "subscription_rate": {"product_id": product_id, "billing_frequency": "MONTHLY"},
        "initial_quantity": 1,
    }


def test_hybrid_plan_bills_151_dollars_20(billing: Billing) -> None:
    plan = billing.product("Pro plan", "SUBSCRIPTION")
    gb = billing.usage_product("Storage GB", billing.metric("storage", key="gb"))
    calls = billing.usage_product("Invocations", billing.metric("invocation", key="n"))
    minutes = billing.usage_product("Build minutes", billing.metric("build", key="minutes"))
    card = billing.rate_card(
        _subscription_rate(plan, 2000),
        _flat(gb, 10),
        _flat(calls, "0.00006"),
        _flat(minutes, 2),
    )
    billing.contract(card, at(1), subscriptions=[_subscription(plan)])
    billing.send("storage", at(1, 10), gb=1200)
    billing.send("invocation", at(1, 11), n=1_500_000)
    billing.send("invocation", at(1, 21), n=500_000)
    billing.send("build", at(1, 12), minutes=500)
    draft = billing.usage_invoice(at(1))
    assert draft.status == "DRAFT"
    assert cents(draft.total) == 15120  # $20 + $120 + $1.20 + $10

    billing.close(at(2, 2))
    final = billing.usage_invoice(at(1))
    assert (final.status, final.id) == ("FINALIZED", draft.id)
    assert final.issued_at == at(2)


def test_subscription_plus_overage_bills_99_dollars(billing: Billing) -> None:
    plan = billing.product("Starter", "SUBSCRIPTION")
    calls = billing.usage_product("API calls", billing.metric("call"))
    card = billing.rate_card(_subscription_rate(plan, 4900), _flat(calls, 1))
    billing.contract(card, at(1), subscriptions=[_subscription(plan)], net_payment_terms_days=30)
    billing.send("call", at(1, 20), count=5000)
    invoice = billing.usage_invoice(at(1))
    assert cents(invoice.total) == 9900
    assert invoice.net_payment_terms_days == 30
    kinds = sorted(line.type for line in invoice.line_items)
    assert kinds == ["subscription", "usage"]


def test_dimensional_pricing_bills_each_model(billing: Billing) -> None:
    metric = billing.metric("tokens", key="tokens", groups=["model"])
    tokens = billing.usage_product("Tokens", metric, pricing_group_key=["model"])
    plan = billing.product("Platform", "SUBSCRIPTION")
    card = billing.rate_card(
        _flat(tokens, "0.3", pricing_group_values={"model": "gpt-4"}),
        _flat(tokens, "0.1", pricing_group_values={"model": "gpt-3.5"}),
        _subscription_rate(plan, 2000),
    )
    billing.contract(card, at(1), subscriptions=[_subscription(plan)])
    billing.send("tokens", at(1, 5), tokens=50_000, model="gpt-4")
    billing.send("tokens", at(1, 6), tokens=200_000, model="gpt-3.5")
    invoice = billing.usage_invoice(at(1))
    by_model = {
        (line.pricing_group_values or {}).get("model"): cents(line.total)
        for line in invoice.line_items
        if line.type == "usage"
    }
    assert by_model == {"gpt-4": 15000, "gpt-3.5": 20000}
    # The spec's -$20 credit (total $350) is the balances area's step; before it: $370.
    assert cents(invoice.total) == 37000


def test_graduated_tiers_reset_each_month(billing: Billing) -> None:
    calls = billing.usage_product("Calls", billing.metric("call"))
    tiered = {
        "product_id": calls,
        "rate_type": "TIERED",
        "tiers": [{"size": 100, "price": 1}, {"price": 0.5}],
        "entitled": True,
        "starting_at": at(1),
    }
    billing.contract(billing.rate_card(tiered), at(1))
    billing.send("call", at(1, 15), count=150)
    billing.send("call", at(2, 15), count=150)
    for month in (1, 2):
        invoice = billing.usage_invoice(at(month))
        assert cents(invoice.total) == 125
        tiers = [(line.tier.level, line.quantity) for line in invoice.line_items if line.tier]
        assert tiers == [(1, 100), (2, 50)]


def test_a_rate_change_mid_contract_prices_usage_at_the_rate_of_its_time(billing: Billing) -> None:
    calls = billing.usage_product("Calls", billing.metric("call"))
    card = billing.rate_card(
        _flat(calls, 1, ending_before=at(1, 16)), _flat(calls, 2, starting_at=at(1, 16))
    )
    billing.contract(card, at(1))
    billing.send("call", at(1, 10), count=10)
    billing.send("call", at(1, 20), count=5)
    invoice = billing.usage_invoice(at(1))
    assert [(line.quantity, cents(line.total)) for line in invoice.line_items] == [
        (10, 10),
        (5, 10),
    ]
    assert cents(invoice.total) == 20


def test_an_override_starting_mid_contract_discounts_later_usage(billing: Billing) -> None:
    calls = billing.usage_product("Calls", billing.metric("call"))
    card = billing.rate_card(_flat(calls, 10))
    override = {
        "starting_at": at(2),
        "type": "MULTIPLIER",
        "multiplier": 0.5,
        "product_id": calls,
    }
    billing.contract(card, at(1), overrides=[override])
    billing.send("call", at(1, 10), count=4)
    billing.send("call", at(2, 10), count=4)
    assert cents(billing.usage_invoice(at(1)).total) == 40
    assert cents(billing.usage_invoice(at(2)).total) == 20


def test_a_late_event_changes_the_draft_but_not_the_finalised_invoice(billing: Billing) -> None:
    calls = billing.usage_product("Calls", billing.metric("call"))
    billing.contract(billing.rate_card(_flat(calls, 1)), at(1))
    billing.send("call", at(1, 10), count=3)
    billing.clock.set(at(2, 1, 12))
    billing.send("call", at(1, 31, 23), count=2)  # late, inside the grace period
    assert cents(billing.usage_invoice(at(1)).total) == 5
    result = billing.close(at(2, 2))
    assert result.finalized >= 1
    assert billing.close(at(2, 2)).finalized == 0  # exactly once
    billing.send("call", at(1, 31, 22), count=7)  # after finalisation
    final = billing.usage_invoice(at(1))
    assert (final.status, cents(final.total)) == ("FINALIZED", 5)
    # Breakdowns reflect backdated usage; the finalised invoice does not.
    days = billing.client.v1.customers.invoices.list_breakdowns(
        customer_id=billing.customer_id,
        starting_on=at(1, 31),
        ending_before=at(2),
        window_size="DAY",
    )
    [day] = list(days)
    assert sum(cents(line.total) for line in day.line_items) == 9


def test_void_and_regenerate_recompute_from_current_data(billing: Billing) -> None:
    calls = billing.usage_product("Calls", billing.metric("call"))
    billing.contract(billing.rate_card(_flat(calls, 1)), at(1))
    billing.send("call", at(1, 10), count=3)
    billing.close(at(2, 2))
    billing.send("call", at(1, 31), count=4)  # late
    first = billing.usage_invoice(at(1))
    billing.client.v1.invoices.void(id=first.id)
    assert billing.usage_invoice(at(1)).status == "VOID"
    new_id = billing.client.v1.invoices.regenerate(id=first.id).data
    assert new_id is not None
    regenerated = billing.client.v1.customers.invoices.retrieve(
        customer_id=billing.customer_id, invoice_id=new_id.id
    ).data
    assert regenerated.regenerated_from_invoice_id == first.id
    assert (regenerated.status, cents(regenerated.total)) == ("FINALIZED", 7)
    statuses = sorted(i.status for i in billing.invoices(type="USAGE", ending_before=at(2)))
    assert statuses == ["FINALIZED", "VOID"]


def test_a_quarter_is_one_invoice(billing: Billing) -> None:
    calls = billing.usage_product("Calls", billing.metric("call"))
    billing.contract(
        billing.rate_card(_flat(calls, 2)),
        at(1),
        usage_statement_schedule={"frequency": "QUARTERLY"},
    )
    for month in (1, 2, 3):
        billing.send("call", at(month, 10), count=month)
    billing.close(at(4, 2) + timedelta(hours=1))
    [invoice] = billing.invoices(type="USAGE", status="FINALIZED")
    assert (invoice.start_timestamp, invoice.end_timestamp) == (at(1), at(4))
    assert cents(invoice.total) == 12
