"""Threshold billing through the SDK (spec §7.2-7.4): auto-recharge of a prepaid balance, spend
thresholds, discounts capped by a spend tracker, the EXTERNAL payment gate, and the 400s."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from metronome import BadRequestError, Metronome

from tests.scenarios.conftest import USD, Billing, at, cents


def _setup(billing: Billing) -> tuple[str, str]:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    recharge = billing.product("Prepaid top-up", "FIXED")
    card = billing.rate_card(
        {
            "product_id": calls,
            "rate_type": "FLAT",
            "price": 100.0,
            "entitled": True,
            "starting_at": at(1),
        }
    )
    return card, recharge


def _recharge_config(product: str, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "commit": {"product_id": product, "name": "Auto top-up"},
        "is_enabled": True,
        "payment_gate_config": {"payment_gate_type": "NONE"},
        "threshold_amount": 2_000,
        "recharge_to_amount": 5_000,
    }
    config.update(extra)
    return config


def _prepaid(product: str, amount: int) -> dict[str, Any]:
    return {
        "product_id": product,
        "type": "PREPAID",
        "priority": 200,
        "access_schedule": {
            "schedule_items": [
                {"amount": amount, "starting_at": at(1), "ending_before": at(1, year=2027)}
            ]
        },
    }


def _net(billing: Billing) -> Decimal:
    return cents(
        billing.client.v1.contracts.get_net_balance(customer_id=billing.customer_id).data.balance
    )


def _threshold_commits(billing: Billing, contract_id: str) -> list[Any]:
    contract = billing.client.v2.contracts.retrieve(
        customer_id=billing.customer_id, contract_id=contract_id
    ).data
    return [c for c in contract.commits or [] if c.name in ("Auto top-up", "Spend threshold")]


def _scheduled_totals(billing: Billing) -> list[Decimal]:
    return sorted(cents(i.total) for i in billing.invoices(type="SCHEDULED"))


def test_balance_dropping_to_the_threshold_recharges_it_to_recharge_to(billing: Billing) -> None:
    card, product = _setup(billing)
    contract = billing.contract(
        card,
        at(1),
        commits=[_prepaid(product, 10_000)],
        prepaid_balance_threshold_configuration=_recharge_config(product),
    )
    assert _threshold_commits(billing, contract) == []  # $100 is above the $20 threshold

    billing.send("call", at(1, 10), count=85, n=1)  # $85 of usage leaves $15
    [first] = _threshold_commits(billing, contract)
    assert first.type == "PREPAID"
    assert first.priority == 100
    assert [cents(i.amount) for i in first.access_schedule.schedule_items] == [Decimal(3_500)]
    assert _net(billing) == Decimal(5_000)
    assert _scheduled_totals(billing) == [Decimal(3_500)]

    billing.send("call", at(1, 11), count=10, n=1)  # $40 left: above the threshold
    assert len(_threshold_commits(billing, contract)) == 1
    assert _net(billing) == Decimal(4_000)

    billing.send("call", at(1, 12), count=25, n=1)  # $15 left: recharge $35 again
    assert len(_threshold_commits(billing, contract)) == 2
    assert _net(billing) == Decimal(5_000)
    assert _scheduled_totals(billing) == [Decimal(3_500), Decimal(3_500)]

    billing.close(at(2, 2))
    january = billing.usage_invoice(at(1))
    assert january.status == "FINALIZED"
    assert cents(january.total) == 0  # every call was prepaid


def test_a_new_contract_without_balance_is_recharged_at_once_with_the_discount(
    billing: Billing,
) -> None:
    card, product = _setup(billing)
    billing.clock.set(at(1, 5))
    contract = billing.contract(
        card,
        at(1),
        prepaid_balance_threshold_configuration=_recharge_config(
            product, discount_configuration={"payment_fraction": 0.9}
        ),
    )
    [commit] = _threshold_commits(billing, contract)
    assert [cents(i.amount) for i in commit.access_schedule.schedule_items] == [Decimal(5_000)]
    assert _net(billing) == Decimal(5_000)
    assert _scheduled_totals(billing) == [Decimal(4_500)]  # 10% off the $50 granted


def test_a_discount_stops_once_its_spend_tracker_reaches_the_cap(billing: Billing) -> None:
    card, product = _setup(billing)
    billing.clock.set(at(1, 5))
    billing.contract(
        card,
        at(1),
        spend_trackers=[
            {
                "alias": "promo",
                "credit_type_id": USD,
                "reset_frequency": "BILLING_PERIOD",
                "applicable_spend_specifiers": [
                    {"spend_type": "COMMIT_PURCHASE", "sources": ["THRESHOLD_RECHARGE"]}
                ],
            }
        ],
        prepaid_balance_threshold_configuration=_recharge_config(
            product,
            discount_configuration={
                "payment_fraction": 0.5,
                "cap": {"amount": 2_000, "spend_tracker_alias": "promo"},
            },
        ),
    )
    assert _scheduled_totals(billing) == [Decimal(2_500)]  # $50 granted at half price
    billing.send("call", at(1, 10), count=35, n=1)  # $15 left: the tracker holds $25 >= $20
    assert _scheduled_totals(billing) == [Decimal(2_500), Decimal(3_500)]


def test_spend_reaching_the_threshold_is_charged_and_paid_off(billing: Billing) -> None:
    card, product = _setup(billing)
    contract = billing.contract(
        card,
        at(1),
        spend_threshold_configuration={
            "commit": {"product_id": product, "name": "Spend threshold"},
            "is_enabled": True,
            "payment_gate_config": {"payment_gate_type": "NONE"},
            "threshold_amount": 5_000,
        },
    )
    billing.send("call", at(1, 10), count=30, n=1)  # $30 owed: under the $50 threshold
    assert _threshold_commits(billing, contract) == []

    billing.send("call", at(1, 11), count=30, n=1)  # $60 owed: charged now
    [commit] = _threshold_commits(billing, contract)
    assert [cents(i.amount) for i in commit.access_schedule.schedule_items] == [Decimal(6_000)]
    assert _scheduled_totals(billing) == [Decimal(6_000)]

    billing.send("call", at(1, 12), count=10, n=1)  # $10 owed again
    assert len(_threshold_commits(billing, contract)) == 1

    billing.close(at(2, 2))
    january = billing.usage_invoice(at(1))
    assert cents(january.total) == Decimal(1_000)  # $70 of usage, $60 paid at the threshold


def test_an_external_payment_gate_releases_the_balance_only_once_paid(
    billing: Billing, client: Metronome
) -> None:
    card, product = _setup(billing)
    billing.clock.set(at(1, 5))
    contract = billing.contract(
        card,
        at(1),
        prepaid_balance_threshold_configuration=_recharge_config(
            product, payment_gate_config={"payment_gate_type": "EXTERNAL"}
        ),
    )
    [pending] = _threshold_commits(billing, contract)
    assert _net(billing) == 0
    billing.send("call", at(1, 6), count=1, n=1)  # no second recharge while one is pending
    assert len(_threshold_commits(billing, contract)) == 1

    client.post(
        "/v1/contracts/commits/threshold-billing/release",
        body={"workflow_id": pending.id, "outcome": "paid"},
        cast_to=object,
    )
    assert _net(billing) == Decimal(4_900)  # $50 granted, $1 already used


def test_a_failed_external_payment_voids_the_purchase_and_disables_the_threshold(
    billing: Billing, client: Metronome
) -> None:
    card, product = _setup(billing)
    billing.clock.set(at(1, 5))
    contract = billing.contract(
        card,
        at(1),
        prepaid_balance_threshold_configuration=_recharge_config(
            product, payment_gate_config={"payment_gate_type": "EXTERNAL"}
        ),
    )
    [pending] = _threshold_commits(billing, contract)
    billing.close(at(1, 5) + timedelta(hours=1))  # the purchase invoice is finalised
    client.post(
        "/v1/contracts/commits/threshold-billing/release",
        body={"workflow_id": pending.id, "outcome": "failed"},
        cast_to=object,
    )
    assert [i.status for i in billing.invoices(type="SCHEDULED")] == ["VOID"]
    assert _net(billing) == 0
    fetched = billing.client.v2.contracts.retrieve(
        customer_id=billing.customer_id, contract_id=contract
    ).data
    config = fetched.prepaid_balance_threshold_configuration
    assert config is not None and config.is_enabled is False
    billing.send("call", at(1, 6), count=1, n=1)  # disabled: no new recharge
    assert len(_threshold_commits(billing, contract)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"payment_gate_config": {"payment_gate_type": "STRIPE"}}, "payment_gate_type STRIPE"),
        ({"threshold_amount": 400, "recharge_to_amount": 5_000}, "threshold_amount"),
        ({"threshold_amount": 1_000, "recharge_to_amount": 1_500}, "recharge_to_amount"),
        ({"commit": {"product_id": "00000000-0000-0000-0000-000000000000"}}, "commit.product_id"),
        (
            {
                "discount_configuration": {
                    "payment_fraction": 0.9,
                    "cap": {"amount": 1, "spend_tracker_alias": "x"},
                }
            },
            "spend_tracker_alias",
        ),
        ({"payment_gate_config": {"payment_gate_type": "NONE", "tax_type": "ANROK"}}, "tax_type"),
    ],
)
def test_invalid_threshold_configurations_are_refused(
    billing: Billing, change: dict[str, Any], field: str
) -> None:
    card, product = _setup(billing)
    with pytest.raises(BadRequestError, match=field):
        billing.contract(
            card, at(1), prepaid_balance_threshold_configuration=_recharge_config(product, **change)
        )
    assert billing.client.v1.contracts.list(customer_id=billing.customer_id).data == []


def test_thresholds_added_and_updated_by_an_edit_are_evaluated_at_once(
    billing: Billing, client: Metronome
) -> None:
    card, product = _setup(billing)
    billing.clock.set(at(1, 5))
    contract = billing.contract(card, at(1), commits=[_prepaid(product, 3_000)])
    client.v2.contracts.edit(
        customer_id=billing.customer_id,
        contract_id=contract,
        add_prepaid_balance_threshold_configuration=_recharge_config(product),  # type: ignore[arg-type]
    )
    assert _threshold_commits(billing, contract) == []  # $30 is above $20
    client.v2.contracts.edit(
        customer_id=billing.customer_id,
        contract_id=contract,
        update_prepaid_balance_threshold_configuration={
            "threshold_amount": 3_000,
            "recharge_to_amount": 8_000,
        },
    )
    [commit] = _threshold_commits(billing, contract)  # $30 is now at the threshold
    assert [cents(i.amount) for i in commit.access_schedule.schedule_items] == [Decimal(5_000)]
    assert _net(billing) == Decimal(8_000)
    fetched = client.v2.contracts.retrieve(customer_id=billing.customer_id, contract_id=contract)
    config = fetched.data.prepaid_balance_threshold_configuration
    assert config is not None and config.threshold_amount == 3_000
    assert config.commit.name == "Auto top-up"  # untouched fields are kept
    history = client.v2.contracts.get_edit_history(
        customer_id=billing.customer_id, contract_id=contract
    )
    assert len(history.data) >= 3

    with pytest.raises(BadRequestError, match="add_prepaid_balance_threshold_configuration"):
        client.v2.contracts.edit(
            customer_id=billing.customer_id,
            contract_id=contract,
            add_prepaid_balance_threshold_configuration=_recharge_config(product),  # type: ignore[arg-type]
        )
    with pytest.raises(BadRequestError, match="recharge_to_amount"):
        client.v2.contracts.edit(
            customer_id=billing.customer_id,
            contract_id=contract,
            update_prepaid_balance_threshold_configuration={"recharge_to_amount": 3_500},
        )


def test_spend_trackers_are_added_and_archived_by_an_edit(
    billing: Billing, client: Metronome
) -> None:
    card, _ = _setup(billing)
    contract = billing.contract(card, at(1))
    tracker = {
        "alias": "promo",
        "credit_type_id": USD,
        "reset_frequency": "BILLING_PERIOD",
        "applicable_spend_specifiers": [{"spend_type": "COMMIT_PURCHASE", "sources": ["MANUAL"]}],
    }
    client.v2.contracts.edit(
        customer_id=billing.customer_id,
        contract_id=contract,
        add_spend_trackers=[tracker],  # type: ignore[list-item]
    )
    with pytest.raises(BadRequestError, match="is taken"):
        client.v2.contracts.edit(
            customer_id=billing.customer_id,
            contract_id=contract,
            add_spend_trackers=[tracker],  # type: ignore[list-item]
        )
    client.v2.contracts.edit(
        customer_id=billing.customer_id, contract_id=contract, archive_spend_trackers=["promo"]
    )
    with pytest.raises(BadRequestError, match="archive_spend_trackers"):
        client.v2.contracts.edit(
            customer_id=billing.customer_id, contract_id=contract, archive_spend_trackers=["promo"]
        )
