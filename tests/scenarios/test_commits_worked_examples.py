"""Commits and credits through the SDK: the spec's worked examples, to the cent."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from tests.scenarios.conftest import Billing, at, cents


def _flat(product_id: str, price: float | str) -> dict[str, object]:
    return {
        "product_id": product_id,
        "rate_type": "FLAT",
        "price": float(price),
        "entitled": True,
        "starting_at": at(1),
    }


def _applied(invoice: Any) -> list[tuple[str, float]]:
    return [
        (line.applied_commit_or_credit.type, line.total)
        for line in invoice.line_items
        if line.type == "applied_commit_or_credit"
    ]


def _balances(billing: Billing, contract_id: str) -> dict[str, Any]:
    contract = billing.client.v2.contracts.retrieve(
        contract_id=contract_id,
        customer_id=billing.customer_id,
        include_balance=True,
        include_ledgers=True,
    ).data
    found = {c.id: c for c in contract.commits or []}
    found.update({c.id: c for c in contract.credits or []})
    return found


def test_enterprise_prepaid_commit_leaves_9750_after_q1(billing: Billing) -> None:
    hours = billing.usage_product("Compute hours", billing.metric("compute", key="hours"))
    gb = billing.usage_product("Storage GB", billing.metric("storage", key="gb"))
    commit_product = billing.product("Enterprise commit", "FIXED")
    card = billing.rate_card(_flat(hours, 10), _flat(gb, 5))
    quarters = [at(1), at(4), at(7), at(10), at(1, year=2027)]
    billing.contract(
        card,
        at(1),
        ending_before=at(1, year=2027),
        commits=[
            {
                "product_id": commit_product,
                "type": "PREPAID",
                "name": "Enterprise commit",
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 3_000_000, "starting_at": a, "ending_before": b}
                        for a, b in pairwise(quarters)
                    ]
                },
                "invoice_schedule": {
                    "schedule_items": [{"amount": 12_000_000, "timestamp": at(1)}]
                },
            }
        ],
    )
    billing.send("compute", at(1, 15), hours=100_000)
    billing.send("compute", at(2, 15), hours=100_000)
    billing.send("storage", at(3, 15), gb=5_000)
    billing.close(at(3, 31))
    totals = [cents(billing.usage_invoice(at(m)).total) for m in (1, 2, 3)]
    assert totals == [0, 0, 0]
    applied = [_applied(billing.usage_invoice(at(m))) for m in (1, 2, 3)]
    assert applied == [[("PREPAID", -1_000_000)], [("PREPAID", -1_000_000)], [("PREPAID", -25_000)]]
    scheduled = [i for i in billing.invoices(type="SCHEDULED")]
    assert [cents(i.total) for i in scheduled] == [12_000_000]
    (commit,) = _balances(billing, billing.invoices(type="USAGE")[0].contract_id or "").values()
    assert commit.balance == 975_000  # $9,750 left in Q1 (before the clock leaves March)
    types = [entry.type for entry in commit.ledger or []]
    assert types[0] == "PREPAID_COMMIT_SEGMENT_START"
    assert types.count("PREPAID_COMMIT_SEGMENT_START") == 4
    # January and February finalised, March's draft drawing provisionally.
    assert types.count("PREPAID_COMMIT_AUTOMATED_INVOICE_DEDUCTION") == 3


def test_free_credits_exhausted_mid_month_bill_the_rest(billing: Billing) -> None:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    credit_product = billing.product("Trial credit", "FIXED")
    card = billing.rate_card(_flat(calls, "0.3"))
    billing.contract(
        card,
        at(1),
        credits=[
            {
                "product_id": credit_product,
                "name": "Trial",
                "priority": 1,
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 30_000, "starting_at": at(1), "ending_before": at(1, year=2027)}
                    ]
                },
            }
        ],
    )
    billing.send("call", at(1, 10), n=100_000)  # $300: the credit covers it
    billing.send("call", at(1, 20), n=100_000)  # $300 more: payable
    invoice = billing.usage_invoice(at(1))
    assert _applied(invoice) == [("CREDIT", -30_000)]
    assert cents(invoice.total) == 30_000
    billing.send("call", at(2, 10), n=100_000)
    assert cents(billing.usage_invoice(at(2)).total) == 30_000


def test_postpaid_commit_applications_do_not_reduce_the_total(billing: Billing) -> None:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    commit_product = billing.product("Minimum spend", "FIXED")
    card = billing.rate_card(_flat(calls, 1))
    billing.contract(
        card,
        at(1),
        ending_before=at(1, year=2027),
        commits=[
            {
                "product_id": commit_product,
                "type": "POSTPAID",
                "access_schedule": {
                    "schedule_items": [
                        {
                            "amount": 12_000_000,
                            "starting_at": at(1),
                            "ending_before": at(1, year=2027),
                        }
                    ]
                },
                "invoice_schedule": {
                    "schedule_items": [{"amount": 12_000_000, "timestamp": at(1, year=2027)}]
                },
            }
        ],
    )
    billing.send("call", at(1, 10), n=10_000_000)
    invoice = billing.usage_invoice(at(1))
    assert _applied(invoice) == [("POSTPAID", -10_000_000)]
    assert cents(invoice.total) == 10_000_000


def test_priority_and_expiry_decide_which_credit_burns(billing: Billing) -> None:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    credit_product = billing.product("Credit", "FIXED")
    card = billing.rate_card(_flat(calls, 1))

    def credit(name: str, amount: int, priority: int, ending: Any) -> dict[str, object]:
        return {
            "product_id": credit_product,
            "name": name,
            "priority": priority,
            "access_schedule": {
                "schedule_items": [
                    {"amount": amount, "starting_at": at(1), "ending_before": ending}
                ]
            },
        }

    billing.contract(
        card,
        at(1),
        credits=[
            credit("topup-late", 5_000, 90, at(1, year=2027)),
            credit("topup-soon", 5_000, 90, at(6)),
            credit("promo", 5_000, 50, at(3)),
        ],
    )
    billing.send("call", at(1, 10), n=8_000)
    invoice = billing.usage_invoice(at(1))
    names = [line.name for line in invoice.line_items if line.type == "applied_commit_or_credit"]
    assert names == ["promo", "topup-soon"]
    assert cents(invoice.total) == 0


def test_a_commit_scoped_to_one_product_pays_only_that_product(billing: Billing) -> None:
    gpu = billing.usage_product("GPU", billing.metric("gpu", key="h"))
    cpu = billing.usage_product("CPU", billing.metric("cpu", key="h"))
    commit_product = billing.product("GPU commit", "FIXED")
    card = billing.rate_card(_flat(gpu, 100), _flat(cpu, 10))
    billing.contract(
        card,
        at(1),
        commits=[
            {
                "product_id": commit_product,
                "type": "PREPAID",
                "applicable_product_ids": [gpu],
                "access_schedule": {
                    "schedule_items": [
                        {
                            "amount": 1_000_000,
                            "starting_at": at(1),
                            "ending_before": at(1, year=2027),
                        }
                    ]
                },
            }
        ],
    )
    billing.send("gpu", at(1, 10), h=50)
    billing.send("cpu", at(1, 10), h=70)
    invoice = billing.usage_invoice(at(1))
    assert _applied(invoice) == [("PREPAID", -5_000)]
    assert cents(invoice.total) == 700
