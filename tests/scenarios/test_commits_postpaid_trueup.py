"""Postpaid true-up through the SDK: the spec's $20K shortfall (spec §5.2)."""

from __future__ import annotations

from datetime import timedelta

from tests.scenarios.conftest import Billing, at, cents
from tests.scenarios.test_commits_worked_examples import _balances, _flat


def _postpaid_contract(billing: Billing, amount: int) -> tuple[str, str]:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    commit_product = billing.product("Minimum spend", "FIXED")
    card = billing.rate_card(_flat(calls, 1))
    contract = billing.contract(
        card,
        at(1),
        ending_before=at(1, year=2027),
        commits=[
            {
                "product_id": commit_product,
                "type": "POSTPAID",
                "name": "Commitment shortfall",
                "access_schedule": {
                    "schedule_items": [
                        {"amount": amount, "starting_at": at(1), "ending_before": at(1, year=2027)}
                    ]
                },
                "invoice_schedule": {
                    "schedule_items": [{"amount": amount, "timestamp": at(1, year=2027)}]
                },
            }
        ],
    )
    return contract, commit_product


def test_a_120k_commitment_with_100k_used_invoices_a_20k_true_up(billing: Billing) -> None:
    contract, product = _postpaid_contract(billing, 12_000_000)
    billing.send("call", at(3, 10), n=6_000_000)
    billing.send("call", at(11, 10), n=4_000_000)
    billing.clock.set(at(1, year=2027) + timedelta(hours=1))
    (trueup_invoice,) = [
        i for i in billing.invoices(type="SCHEDULED") if i.issued_at == at(1, year=2027)
    ]
    (line,) = trueup_invoice.line_items
    assert line.type == "postpaid_trueup"
    assert line.name == "Commitment shortfall"
    assert line.product_id == product
    assert cents(line.total) == 2_000_000
    assert cents(trueup_invoice.total) == 2_000_000
    billing.close(at(1, 3, year=2027))
    (commit,) = _balances(billing, contract).values()
    ledger = [(e.type, e.amount) for e in commit.ledger or []]
    assert ledger[0] == ("POSTPAID_COMMIT_INITIAL_BALANCE", 12_000_000)
    assert ("POSTPAID_COMMIT_TRUEUP", -2_000_000) in ledger
    assert sum(amount for _, amount in ledger) == 0
    finalised = [i for i in billing.invoices(type="SCHEDULED") if i.issued_at == at(1, year=2027)]
    assert [(i.status, cents(i.total)) for i in finalised] == [("FINALIZED", 2_000_000)]


def test_usage_reaching_the_commitment_trues_up_nothing(billing: Billing) -> None:
    _postpaid_contract(billing, 1_000)
    billing.send("call", at(2, 10), n=1_500)
    billing.clock.set(at(1, year=2027) + timedelta(hours=1))
    scheduled = [i for i in billing.invoices(type="SCHEDULED") if i.issued_at == at(1, year=2027)]
    assert all(cents(i.total) == 0 and not i.line_items for i in scheduled)
