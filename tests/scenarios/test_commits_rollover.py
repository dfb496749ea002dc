"""Rollover into a renewal contract through the SDK (spec §5.6)."""

from __future__ import annotations

from datetime import timedelta

from tests.scenarios.conftest import Billing, at, cents
from tests.scenarios.test_commits_worked_examples import _applied, _balances, _flat


def test_half_of_the_unused_commit_rolls_into_the_renewal_and_the_rest_expires(
    billing: Billing,
) -> None:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    commit_product = billing.product("Annual commit", "FIXED")
    card = billing.rate_card(_flat(calls, 1))
    old = billing.contract(
        card,
        at(1),
        ending_before=at(1, year=2027),
        commits=[
            {
                "product_id": commit_product,
                "type": "PREPAID",
                "name": "2026 commit",
                "rollover_fraction": 0.5,
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 100_000, "starting_at": at(1), "ending_before": at(1, year=2027)}
                    ]
                },
            }
        ],
    )
    billing.send("call", at(3, 10), n=60_000)
    billing.clock.set(at(1, year=2027) + timedelta(hours=1))
    renewal = billing.contract(
        card,
        at(1, year=2027),
        ending_before=at(1, year=2028),
        transition={"from_contract_id": old, "type": "RENEWAL"},
    )
    (rolled,) = _balances(billing, renewal).values()
    assert rolled.type == "PREPAID" and rolled.name == "2026 commit"
    assert rolled.balance == 20_000
    assert rolled.access_schedule is not None
    item = rolled.access_schedule.schedule_items[0]
    assert (item.amount, item.starting_at, item.ending_before) == (
        20_000,
        at(1, year=2027),
        at(1, year=2028),
    )
    (original,) = _balances(billing, old).values()
    ledger = [(e.type, e.amount) for e in original.ledger or []]
    assert ("PREPAID_COMMIT_ROLLOVER", -20_000) in ledger
    assert ("PREPAID_COMMIT_EXPIRATION", -20_000) in ledger
    rollover_entry = next(e for e in original.ledger or [] if e.type == "PREPAID_COMMIT_ROLLOVER")
    assert getattr(rollover_entry, "new_contract_id", None) == renewal
    billing.send("call", at(1, 10, year=2027), n=25_000)
    january = billing.usage_invoice(at(1, year=2027))
    assert _applied(january) == [("PREPAID", -20_000)]
    assert cents(january.total) == 5_000
