"""Balances gaps of issue #6, through the SDK: rollover rendering and atomicity, customer-level
commit purchases invoiced on their invoice contract, balances after void + regenerate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import metronome
import pytest

from meterbill.storage.repositories.balances import BalanceRepository
from tests.scenarios.conftest import USD, Billing, at, cents
from tests.scenarios.test_commits_worked_examples import _balances, _flat


def _access(amount: float, start: Any, end: Any) -> dict[str, Any]:
    return {"schedule_items": [{"amount": amount, "starting_at": start, "ending_before": end}]}


def _renewable(billing: Billing) -> tuple[str, str, str]:
    """A 2026 contract with a prepaid commit and a credit that roll over by half, 60,000 of the
    commit used; returns (rate card, contract, commit product)."""
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
                "priority": 2,
                "rollover_fraction": 0.5,
                "access_schedule": _access(100_000, at(1), at(1, year=2027)),
                "invoice_schedule": {"schedule_items": [{"amount": 80_000, "timestamp": at(1)}]},
            }
        ],
        credits=[
            {
                "product_id": commit_product,
                "name": "2026 credit",
                "priority": 5,
                "rollover_fraction": 0.5,
                "access_schedule": _access(1_000, at(1), at(1, year=2027)),
            }
        ],
    )
    billing.send("call", at(3, 10), n=60_000)
    return card, old, commit_product


def _renew(billing: Billing, card: str, old: str) -> str:
    return billing.contract(
        card,
        at(1, year=2027),
        ending_before=at(1, year=2028),
        transition={"from_contract_id": old, "type": "RENEWAL"},
    )


# --- 1. rolled_over_from and cost_basis on contract get / list ---------------------------------


def test_rollover_commits_and_credits_render_where_they_rolled_over_from(billing: Billing) -> None:
    card, old, _ = _renewable(billing)
    billing.clock.set(at(1, year=2027) + timedelta(hours=1))
    renewal = _renew(billing, card, old)
    (old_commit,) = (
        billing.client.v2.contracts.retrieve(
            contract_id=old, customer_id=billing.customer_id
        ).data.commits
        or []
    )
    (old_credit,) = (
        billing.client.v2.contracts.retrieve(
            contract_id=old, customer_id=billing.customer_id
        ).data.credits
        or []
    )
    assert old_commit.rolled_over_from is None
    assert old_commit.cost_basis == 0.8  # 80,000 invoiced for 100,000 of access

    v2 = billing.client.v2.contracts.retrieve(contract_id=renewal, customer_id=billing.customer_id)
    (commit,) = v2.data.commits or []
    assert commit.rolled_over_from is not None
    assert commit.rolled_over_from.commit_id == old_commit.id
    assert commit.rolled_over_from.contract_id == old
    # Paid for on the old contract: no cost basis held for the rollover commit.
    assert commit.cost_basis is None
    (credit,) = v2.data.credits or []
    assert credit.rolled_over_from is not None
    assert credit.rolled_over_from.credit_id == old_credit.id
    assert credit.rolled_over_from.contract_id == old

    v1 = billing.client.v1.contracts.retrieve(contract_id=renewal, customer_id=billing.customer_id)
    (v1_commit,) = v1.data.current.commits
    assert v1_commit.rolled_over_from is not None
    assert v1_commit.rolled_over_from.commit_id == old_commit.id
    assert v1_commit.rolled_over_from.contract_id == old
    (v1_credit,) = v1.data.current.credits or []
    assert v1_credit.rolled_over_from is not None
    assert v1_credit.rolled_over_from.credit_id == old_credit.id

    listed = {
        c.id: c for c in billing.client.v1.contracts.list(customer_id=billing.customer_id).data
    }
    (listed_commit,) = listed[renewal].current.commits
    assert listed_commit.rolled_over_from is not None
    assert listed_commit.rolled_over_from.contract_id == old
    (listed_old,) = listed[old].current.commits
    assert listed_old.rolled_over_from is None


def test_postpaid_commit_renders_its_cost_basis(billing: Billing) -> None:
    commit_product = billing.product("Commitment", "FIXED")
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    card = billing.rate_card(_flat(calls, 1))
    contract = billing.contract(
        card,
        at(1),
        commits=[
            {
                "product_id": commit_product,
                "type": "POSTPAID",
                "access_schedule": _access(1_000, at(1), at(7)),
                "invoice_schedule": {"schedule_items": [{"amount": 1_000, "timestamp": at(7)}]},
            }
        ],
    )
    (commit,) = (
        billing.client.v2.contracts.retrieve(
            contract_id=contract, customer_id=billing.customer_id
        ).data.commits
        or []
    )
    assert commit.type == "POSTPAID"
    assert commit.cost_basis == 1
    assert commit.invoice_schedule is not None
    assert [i.amount for i in commit.invoice_schedule.schedule_items or []] == [1_000]


# --- 2. the renewal and its rollover entries commit together ----------------------------------


def test_a_failure_writing_the_rollover_entries_leaves_no_renewal(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    card, old, _ = _renewable(billing)
    billing.clock.set(at(1, year=2027) + timedelta(hours=1))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(BalanceRepository, "add_entries", broken)
        # The in-process client reports the server's unexpected error as a connection error.
        with pytest.raises(metronome.APIConnectionError):
            _renew(billing, card, old)

    contracts = billing.client.v1.contracts.list(customer_id=billing.customer_id).data
    assert [c.id for c in contracts] == [old]
    assert contracts[0].current.ending_before == at(1, year=2027)
    assert contracts[0].current.transitions == []
    for balance in _balances(billing, old).values():
        assert not [e for e in balance.ledger or [] if e.type.endswith("_ROLLOVER")]

    # Nothing was left half-written: the renewal goes through once the ledger can be written.
    renewal = _renew(billing, card, old)
    balances = _balances(billing, old)
    rolled = sorted(
        (e.type, e.amount)
        for b in balances.values()
        for e in b.ledger or []
        if e.type.endswith("_ROLLOVER")
    )
    assert rolled == [("CREDIT_ROLLOVER", -500), ("PREPAID_COMMIT_ROLLOVER", -20_000)]
    assert sorted(b.balance for b in _balances(billing, renewal).values()) == [500, 20_000]


# --- 3. customer-level commit purchases are invoiced on the invoice contract -------------------


def test_customer_level_prepaid_commit_purchase_is_invoiced_on_its_invoice_contract(
    billing: Billing,
) -> None:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    commit_product = billing.product("Shared commit", "FIXED")
    card = billing.rate_card(_flat(calls, 1))
    billed = billing.contract(card, at(1))
    other = billing.contract(card, at(1))
    commit_id = billing.client.v1.customers.commits.create(
        customer_id=billing.customer_id,
        product_id=commit_product,
        type="PREPAID",
        name="Shared prepaid",
        priority=1,
        access_schedule=_access(10_000, at(1), at(1, year=2027)),  # type: ignore[arg-type]
        invoice_schedule={"schedule_items": [{"amount": 8_000, "timestamp": at(2, 15)}]},
        invoice_contract_id=billed,
    ).data.id

    def purchases() -> list[tuple[str | None, str, str, float | None]]:
        found = []
        for invoice in billing.invoices(type="SCHEDULED"):
            for line in invoice.line_items:
                if line.type == "commit_purchase":
                    found.append((invoice.contract_id, invoice.status, line.commit_id, line.total))
        return found

    billing.clock.set(at(1, 5))
    assert purchases() == [(billed, "DRAFT", commit_id, 8_000)]
    (scheduled,) = billing.invoices(type="SCHEDULED")
    assert scheduled.issued_at == at(2, 15) and scheduled.credit_type.id == USD
    assert cents(scheduled.total) == 8_000
    (line,) = scheduled.line_items
    assert line.name == "Shared prepaid" and line.product_id == commit_product
    assert not [i for i in billing.invoices(type="SCHEDULED") if i.contract_id == other]

    billing.close(at(2, 16))
    assert purchases() == [(billed, "FINALIZED", commit_id, 8_000)]
    # The purchase does not draw on the balance it buys.
    (balance,) = billing.client.v1.contracts.list_balances(
        customer_id=billing.customer_id, include_balance=True
    ).data
    assert balance.balance == 10_000


def test_customer_level_commit_without_invoice_schedule_or_do_not_invoice_bills_nothing(
    billing: Billing,
) -> None:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    commit_product = billing.product("Shared commit", "FIXED")
    card = billing.rate_card(_flat(calls, 1))
    billed = billing.contract(card, at(1))
    billing.client.v1.customers.commits.create(
        customer_id=billing.customer_id,
        product_id=commit_product,
        type="PREPAID",
        priority=1,
        access_schedule=_access(10_000, at(1), at(1, year=2027)),  # type: ignore[arg-type]
        invoice_schedule={
            "do_not_invoice": True,
            "schedule_items": [{"amount": 8_000, "timestamp": at(2, 15)}],
        },
        invoice_contract_id=billed,
    )
    billing.client.v1.customers.commits.create(
        customer_id=billing.customer_id,
        product_id=commit_product,
        type="PREPAID",
        priority=2,
        access_schedule=_access(500, at(1), at(1, year=2027)),  # type: ignore[arg-type]
    )
    billing.clock.set(at(3))
    assert billing.invoices(type="SCHEDULED") == []


def test_customer_level_postpaid_commit_is_trued_up_on_its_invoice_contract(
    billing: Billing,
) -> None:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    commit_product = billing.product("Shared commitment", "FIXED")
    card = billing.rate_card(_flat(calls, 1))
    billed = billing.contract(card, at(1))
    commit_id = billing.client.v1.customers.commits.create(
        customer_id=billing.customer_id,
        product_id=commit_product,
        type="POSTPAID",
        priority=1,
        access_schedule=_access(1_000, at(1), at(4)),  # type: ignore[arg-type]
        invoice_schedule={"schedule_items": [{"amount": 1_000, "timestamp": at(4)}]},
        invoice_contract_id=billed,
    ).data.id
    billing.send("call", at(1, 10), n=300)
    billing.close(at(4, 2))
    trueups = [
        (invoice.status, line.commit_id, line.total)
        for invoice in billing.invoices(type="SCHEDULED")
        for line in invoice.line_items
        if line.type == "postpaid_trueup"
    ]
    assert trueups == [("FINALIZED", commit_id, 700)]
    (balance,) = billing.client.v1.contracts.list_balances(
        customer_id=billing.customer_id, include_balance=True, include_ledgers=True
    ).data
    ledger = [(e.type, e.amount) for e in balance.ledger or []]
    assert ("POSTPAID_COMMIT_TRUEUP", -700) in ledger


# --- 4. balances after void + regenerate ---------------------------------------------------------


def _snapshot(billing: Billing, contract: str) -> dict[str, Any]:
    """Every balance view: net balance (both modes), customer balances with ledgers and the
    contract's include_balance / include_ledgers. Invoice ids are left out (regenerate makes
    a new one); each entry keeps its type, amount, timestamp and segment."""

    def ledger(entries: Any) -> list[tuple[Any, ...]]:
        return sorted(
            (e.type, e.amount, e.timestamp, getattr(e, "segment_id", None)) for e in entries or []
        )

    client = billing.client
    listed = client.v1.contracts.list_balances(
        customer_id=billing.customer_id,
        include_contract_balances=True,
        include_balance=True,
        include_ledgers=True,
    ).data
    return {
        "net": client.v1.contracts.get_net_balance(customer_id=billing.customer_id).data.balance,
        "net_finalized": client.v1.contracts.get_net_balance(
            customer_id=billing.customer_id, invoice_inclusion_mode="FINALIZED"
        ).data.balance,
        "listed": sorted((b.id, b.balance, tuple(ledger(b.ledger))) for b in listed),
        "contract": sorted(
            (ident, b.balance, tuple(ledger(b.ledger)))
            for ident, b in _balances(billing, contract).items()
        ),
    }


def test_balances_after_void_and_regenerate_equal_those_before_the_void(billing: Billing) -> None:
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
                "priority": 2,
                "access_schedule": _access(10_000, at(1), at(1, year=2027)),
            }
        ],
        credits=[
            {
                "product_id": commit_product,
                "priority": 1,
                "access_schedule": _access(1_000, at(1), at(1, year=2027)),
            }
        ],
    )
    billing.client.v1.customers.credits.create(
        customer_id=billing.customer_id,
        product_id=commit_product,
        priority=1,
        access_schedule=_access(500, at(1), at(1, year=2027)),  # type: ignore[arg-type]
    )
    billing.send("call", at(1, 10), n=3_000)
    billing.send("call", at(2, 10), n=2_000)
    billing.close(at(3, 3))  # January and February finalised
    billing.send("call", at(3, 10), n=700)  # March is a draft drawing provisionally
    january = billing.usage_invoice(at(1))
    assert january.status == "FINALIZED"
    assert cents(january.total) == 0

    before = _snapshot(billing, contract)
    assert before["net"] == 11_500 - 5_700
    assert before["net_finalized"] == 11_500 - 5_000

    billing.client.v1.invoices.void(id=january.id)
    voided = _snapshot(billing, contract)
    assert voided["net_finalized"] == 11_500 - 2_000
    assert voided != before

    regenerated = billing.client.v1.invoices.regenerate(id=january.id).data
    assert regenerated is not None and regenerated.id != january.id
    after = _snapshot(billing, contract)
    assert after == before


def test_a_voided_and_regenerated_trueup_leaves_the_postpaid_balance_as_it_was(
    billing: Billing,
) -> None:
    calls = billing.usage_product("Calls", billing.metric("call", key="n"))
    commitment = billing.product("Commitment", "FIXED")
    card = billing.rate_card(_flat(calls, 1))
    contract = billing.contract(
        card,
        at(1),
        commits=[
            {
                "product_id": commitment,
                "type": "POSTPAID",
                "access_schedule": _access(1_000, at(1), at(4)),
                "invoice_schedule": {"schedule_items": [{"amount": 1_000, "timestamp": at(4)}]},
            }
        ],
    )
    billing.send("call", at(2, 10), n=400)
    billing.close(at(4, 3))
    (trueup,) = billing.invoices(type="SCHEDULED")
    assert trueup.status == "FINALIZED" and cents(trueup.total) == 600

    before = _snapshot(billing, contract)
    billing.client.v1.invoices.void(id=trueup.id)
    assert _snapshot(billing, contract) != before
    regenerated = billing.client.v1.invoices.regenerate(id=trueup.id).data
    assert regenerated is not None
    (again,) = [i for i in billing.invoices(type="SCHEDULED") if i.id == regenerated.id]
    assert again.status == "FINALIZED" and cents(again.total) == 600
    assert _snapshot(billing, contract) == before
