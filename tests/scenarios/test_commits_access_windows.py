"""A balance whose access starts or ends mid-period pays exactly the usage inside its window."""

from __future__ import annotations

from tests.scenarios.conftest import Billing, at, cents
from tests.scenarios.test_commits_worked_examples import _applied, _flat


def test_a_credit_starting_and_ending_mid_month_pays_only_usage_inside_its_window(
    billing: Billing,
) -> None:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    credit_product = billing.product("Promo", "FIXED")
    card = billing.rate_card(_flat(calls, 1))
    billing.contract(
        card,
        at(1),
        credits=[
            {
                "product_id": credit_product,
                "name": "Mid-month promo",
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 100_000, "starting_at": at(1, 15), "ending_before": at(2, 15)}
                    ]
                },
            }
        ],
    )
    billing.send("call", at(1, 10), n=1_000)  # before the window: payable
    billing.send("call", at(1, 20), n=2_000)  # inside: the credit pays
    billing.send("call", at(2, 10), n=3_000)  # inside: the credit pays
    billing.send("call", at(2, 20), n=4_000)  # after the window: payable
    january, february = billing.usage_invoice(at(1)), billing.usage_invoice(at(2))
    assert _applied(january) == [("CREDIT", -2_000)]
    assert cents(january.total) == 1_000
    assert _applied(february) == [("CREDIT", -3_000)]
    assert cents(february.total) == 4_000
    usage = [line for line in january.line_items if line.type == "usage"]
    assert sorted((line.starting_at, line.quantity) for line in usage) == [
        (at(1), 1_000),
        (at(1, 15), 2_000),
    ]
