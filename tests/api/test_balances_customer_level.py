"""Customer-level commits and credits, balance listings, net balance and manual entries,
through the official SDK."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import metronome
import pytest
from metronome import Metronome
from starlette.testclient import TestClient

from meterbill.clock import FixedClock
from tests.api.contract_fixtures import Catalog, at, catalog, message_of, raw

__all__ = ["catalog"]


def _access(amount: int, start: Any = None, end: Any = None) -> dict[str, Any]:
    return {
        "schedule_items": [
            {
                "amount": amount,
                "starting_at": start or at(2026, 1),
                "ending_before": end or at(2027, 1),
            }
        ]
    }


def _contract(client: Metronome, c: Catalog, **terms: Any) -> str:
    return client.v1.contracts.create(
        customer_id=c.customer, starting_at=at(2026, 1), rate_card_id=c.card, **terms
    ).data.id


def _credit(client: Metronome, c: Catalog, amount: int = 5_000, **extra: Any) -> str:
    return client.v1.customers.credits.create(
        customer_id=c.customer,
        product_id=c.fixed,
        priority=10,
        access_schedule=_access(amount),  # type: ignore[arg-type]
        **extra,
    ).data.id


def test_a_free_customer_commit_is_listed_with_its_balance_and_ledger(
    client: Metronome, catalog: Catalog
) -> None:
    ident = client.v1.customers.commits.create(
        customer_id=catalog.customer,
        product_id=catalog.fixed,
        type="PREPAID",
        priority=5,
        name="Enterprise pool",
        access_schedule=_access(10_000),  # type: ignore[arg-type]
    ).data.id
    page = client.v1.customers.commits.list(
        customer_id=catalog.customer, include_balance=True, include_ledgers=True
    )
    (commit,) = page.data
    assert commit.id == ident and commit.type == "PREPAID" and commit.name == "Enterprise pool"
    assert commit.balance == 10_000 and commit.priority == 5
    assert commit.applicable_contract_ids == []
    assert [e.type for e in commit.ledger or []] == ["PREPAID_COMMIT_SEGMENT_START"]
    assert commit.contract is None
    assert page.next_page is None


def test_uniqueness_key_is_shared_by_commits_and_credits(
    client: Metronome, catalog: Catalog
) -> None:
    _credit(client, catalog, uniqueness_key="grant-1")
    with pytest.raises(metronome.ConflictError) as error:
        client.v1.customers.commits.create(
            customer_id=catalog.customer,
            product_id=catalog.fixed,
            type="PREPAID",
            priority=1,
            access_schedule=_access(100),  # type: ignore[arg-type]
            uniqueness_key="grant-1",
        )
    assert "uniqueness_key" in message_of(error)
    assert len(client.v1.customers.credits.list(customer_id=catalog.customer).data) == 1
    assert client.v1.customers.commits.list(customer_id=catalog.customer).data == []


def test_a_postpaid_commit_needs_an_invoice_contract(client: Metronome, catalog: Catalog) -> None:
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.customers.commits.create(
            customer_id=catalog.customer,
            product_id=catalog.fixed,
            type="POSTPAID",
            priority=1,
            access_schedule=_access(100),  # type: ignore[arg-type]
            invoice_schedule={"schedule_items": [{"amount": 100, "timestamp": at(2027, 1)}]},
        )
    assert message_of(error).startswith("invoice_contract_id:")


def test_a_billed_commit_on_a_contract_reads_back_its_invoice_contract(
    client: Metronome, catalog: Catalog
) -> None:
    contract = _contract(client, catalog)
    client.v1.customers.commits.create(
        customer_id=catalog.customer,
        product_id=catalog.fixed,
        type="PREPAID",
        priority=1,
        access_schedule=_access(100),  # type: ignore[arg-type]
        invoice_schedule={"schedule_items": [{"amount": 80, "timestamp": at(2026, 1)}]},
        invoice_contract_id=contract,
        applicable_contract_ids=[contract],
    )
    (commit,) = client.v1.customers.commits.list(customer_id=catalog.customer).data
    assert commit.invoice_contract is not None and commit.invoice_contract.id == contract
    assert commit.applicable_contract_ids == [contract]


def test_update_end_date_only_moves_a_credit_earlier(client: Metronome, catalog: Catalog) -> None:
    ident = _credit(client, catalog)
    client.v1.customers.credits.update_end_date(
        customer_id=catalog.customer, credit_id=ident, access_ending_before=at(2026, 7)
    )
    (credit,) = client.v1.customers.credits.list(customer_id=catalog.customer).data
    assert credit.access_schedule is not None
    assert credit.access_schedule.schedule_items[0].ending_before == at(2026, 7)
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.customers.credits.update_end_date(
            customer_id=catalog.customer, credit_id=ident, access_ending_before=at(2026, 9)
        )
    assert message_of(error).startswith("access_ending_before:")


def test_update_end_date_refuses_a_postpaid_commit(client: Metronome, catalog: Catalog) -> None:
    contract = _contract(client, catalog)
    ident = client.v1.customers.commits.create(
        customer_id=catalog.customer,
        product_id=catalog.fixed,
        type="POSTPAID",
        priority=1,
        access_schedule=_access(100),  # type: ignore[arg-type]
        invoice_schedule={"schedule_items": [{"amount": 100, "timestamp": at(2027, 1)}]},
        invoice_contract_id=contract,
    ).data.id
    with pytest.raises(metronome.BadRequestError):
        client.v1.customers.commits.update_end_date(
            customer_id=catalog.customer, commit_id=ident, access_ending_before=at(2026, 6)
        )


def test_customer_balances_list_pages_through_contract_and_customer_balances(
    client: Metronome, catalog: Catalog
) -> None:
    _contract(
        client,
        catalog,
        credits=[{"product_id": catalog.fixed, "access_schedule": _access(300)}],
    )
    _credit(client, catalog, amount=700)
    only_customer = client.v1.contracts.list_balances(customer_id=catalog.customer)
    assert len(only_customer.data) == 1
    first = client.v1.contracts.list_balances(
        customer_id=catalog.customer, include_contract_balances=True, limit=1, include_balance=True
    )
    assert len(first.data) == 1 and first.next_page is not None
    everything = list(
        client.v1.contracts.list_balances(
            customer_id=catalog.customer,
            include_contract_balances=True,
            limit=1,
            include_balance=True,
        )
    )
    assert sorted(b.balance or 0 for b in everything) == [300, 700]


def test_net_balance_sums_matching_balances_and_manual_entries_draw_down(
    client: Metronome, catalog: Catalog, clock: FixedClock
) -> None:
    clock.set(at(2026, 2))
    _contract(
        client,
        catalog,
        commits=[
            {"product_id": catalog.fixed, "type": "PREPAID", "access_schedule": _access(1_000)}
        ],
    )
    credit = _credit(client, catalog, amount=500, custom_fields=None)
    net = client.v1.contracts.get_net_balance(customer_id=catalog.customer)
    assert net.data.balance == 1_500
    credits_only = client.v1.contracts.get_net_balance(
        customer_id=catalog.customer, filters=[{"balance_types": ["CREDIT"]}]
    )
    assert credits_only.data.balance == 500
    (listed,) = client.v1.customers.credits.list(customer_id=catalog.customer).data
    assert listed.access_schedule is not None
    segment = listed.access_schedule.schedule_items[0].id
    client.v1.contracts.add_manual_balance_entry(
        id=credit,
        customer_id=catalog.customer,
        segment_id=segment,
        amount=-125.5,
        reason="goodwill reversal",
        uniqueness_key="manual-1",
    )
    assert client.v1.contracts.get_net_balance(customer_id=catalog.customer).data.balance == 1_374.5
    with pytest.raises(metronome.ConflictError):
        client.v1.contracts.add_manual_balance_entry(
            id=credit,
            customer_id=catalog.customer,
            segment_id=segment,
            amount=-1,
            reason="again",
            uniqueness_key="manual-1",
        )
    (credit_read,) = client.v1.customers.credits.list(
        customer_id=catalog.customer, include_ledgers=True
    ).data
    manual = [e for e in credit_read.ledger or [] if e.type == "CREDIT_MANUAL"]
    assert len(manual) == 1


def test_manual_entry_amounts_stay_exact(
    http: TestClient, token: str, client: Metronome, catalog: Catalog, clock: FixedClock
) -> None:
    clock.set(at(2026, 2))
    credit = _credit(client, catalog, amount=1)
    (listed,) = client.v1.customers.credits.list(customer_id=catalog.customer).data
    assert listed.access_schedule is not None
    segment = listed.access_schedule.schedule_items[0].id
    body = (
        f'{{"id": "{credit}", "customer_id": "{catalog.customer}", "segment_id": "{segment}",'
        ' "reason": "r", "amount": -0.123456789012345678}'
    )
    status, _ = raw(http, token, "/v1/contracts/addManualBalanceLedgerEntry", body)
    assert status == 200
    status, answer = raw(
        http,
        token,
        "/v1/contracts/customerBalances/getNetBalance",
        {"customer_id": catalog.customer},
    )
    assert answer["data"]["balance"] == Decimal("0.876543210987654322")


def test_per_group_amounts_are_refused_naming_the_field(
    client: Metronome, catalog: Catalog
) -> None:
    credit = _credit(client, catalog)
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.add_manual_balance_entry(
            id=credit,
            customer_id=catalog.customer,
            segment_id="x",
            amount=-1,
            reason="r",
            per_group_amounts={"a": 1},
        )
    assert message_of(error).startswith("per_group_amounts:")


def test_v1_contract_get_includes_balances(
    client: Metronome, catalog: Catalog, clock: FixedClock
) -> None:
    clock.set(at(2026, 2))
    contract = _contract(
        client,
        catalog,
        credits=[{"product_id": catalog.fixed, "access_schedule": _access(300)}],
    )
    data = client.v1.contracts.retrieve(
        contract_id=contract,
        customer_id=catalog.customer,
        include_balance=True,
        include_ledgers=True,
    ).data
    (credit,) = data.current.credits or []
    assert credit.balance == 300
    assert [e.type for e in credit.ledger or []] == ["CREDIT_SEGMENT_START"]
