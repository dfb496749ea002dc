"""Voiding a finalised invoice gives its balances back; regenerating draws them again."""

from __future__ import annotations

from tests.scenarios.conftest import Billing, at
from tests.scenarios.test_commits_worked_examples import _balances, _flat


def test_void_releases_the_drawdown_and_regenerate_draws_it_again(billing: Billing) -> None:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    commit_product = billing.product("Prepaid", "FIXED")
    card = billing.rate_card(_flat(calls, 1))
    contract = billing.contract(
        card,
        at(1),
        commits=[
            {
                "product_id": commit_product,
                "type": "PREPAID",
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 10_000, "starting_at": at(1), "ending_before": at(1, year=2027)}
                    ]
                },
            }
        ],
    )
    billing.send("call", at(1, 10), n=3_000)
    billing.close(at(2, 3))
    january = billing.usage_invoice(at(1))
    assert january.status == "FINALIZED"

    def deductions() -> list[tuple[str | None, float]]:
        (commit,) = _balances(billing, contract).values()
        return [
            (getattr(e, "invoice_id", None), e.amount)
            for e in commit.ledger or []
            if e.type == "PREPAID_COMMIT_AUTOMATED_INVOICE_DEDUCTION"
            and getattr(e, "invoice_id", None) is not None
            and e.timestamp == at(2)
        ]

    assert deductions() == [(january.id, -3_000)]
    billing.client.v1.invoices.void(id=january.id)
    assert deductions() == []
    regenerated = billing.client.v1.invoices.regenerate(id=january.id).data
    assert regenerated is not None
    assert deductions() == [(regenerated.id, -3_000)]
    (commit,) = _balances(billing, contract).values()
    # February's draft draws nothing; the regenerated January leaves 7,000.
    assert commit.balance == 7_000
