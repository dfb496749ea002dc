"""Cohorts: listContractsOnPackage, and the x-summary and x-migrate extensions."""

from __future__ import annotations

from decimal import Decimal

import metronome
import pytest
from metronome import Metronome
from starlette.testclient import TestClient

from meterbill.clock import FixedClock
from tests.api.test_packages import TokenCatalog, at, create, message_of, raw, starter_plan, tokens

__all__ = ["tokens"]


def provision_many(client: Metronome, package_id: str, starts: list[tuple[int, int]]) -> list[str]:
    ids = []
    for index, (year, month) in enumerate(starts):
        customer = client.v1.customers.create(name=f"Customer {index}").data.id
        ids.append(
            client.v1.contracts.create(
                customer_id=customer, starting_at=at(year, month), package_id=package_id
            ).data.id
        )
    return ids


def test_list_contracts_on_package_filters_and_pages(
    client: Metronome, tokens: TokenCatalog
) -> None:
    package_id = create(client, starter_plan(tokens, duration={"unit": "MONTHS", "value": 3}))
    other = create(client, starter_plan(tokens, name="Other", aliases=[]))
    jan, feb, apr, jun = provision_many(
        client, package_id, [(2026, 1), (2026, 2), (2026, 4), (2026, 6)]
    )
    provision_many(client, other, [(2026, 1)])
    packages = client.v1.packages
    listed = [c.contract_id for c in packages.list_contracts_on_package(package_id=package_id)]
    assert listed == [jan, feb, apr, jun]
    first = packages.list_contracts_on_package(package_id=package_id, limit=3)
    assert len(first.data) == 3 and first.next_page
    paged = list(packages.list_contracts_on_package(package_id=package_id, limit=1))
    assert [c.contract_id for c in paged] == listed
    covering = packages.list_contracts_on_package(package_id=package_id, covering_date=at(2026, 4))
    # Jan's contract ends Apr 1 (exclusive), so only Feb's and Apr's cover Apr 1.
    assert [c.contract_id for c in covering] == [feb, apr]
    since = packages.list_contracts_on_package(package_id=package_id, starting_at=at(2026, 4))
    assert [c.contract_id for c in since] == [apr, jun]
    (row, *_) = list(packages.list_contracts_on_package(package_id=package_id))
    assert (row.starting_at, row.ending_before, row.archived_at) == (at(2026, 1), at(2026, 4), None)


def test_covering_date_and_starting_at_together_are_a_400(
    client: Metronome, tokens: TokenCatalog
) -> None:
    package_id = create(client, starter_plan(tokens))
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.packages.list_contracts_on_package(
            package_id=package_id, covering_date=at(2026, 1), starting_at=at(2026, 1)
        )
    assert message_of(error).startswith("starting_at")


def test_archived_contracts_are_listed_only_when_asked(
    client: Metronome, tokens: TokenCatalog
) -> None:
    package_id = create(client, starter_plan(tokens))
    customer = client.v1.customers.create(name="Acme").data.id
    contract = client.v1.contracts.create(
        customer_id=customer, starting_at=at(2026, 1), package_id=package_id
    ).data.id
    client.v1.contracts.archive(contract_id=contract, customer_id=customer, void_invoices=False)
    listed = client.v1.packages.list_contracts_on_package(package_id=package_id)
    assert list(listed) == []
    archived = list(
        client.v1.packages.list_contracts_on_package(package_id=package_id, include_archived=True)
    )
    assert [c.contract_id for c in archived] == [contract] and archived[0].archived_at


def test_the_cohort_summary_totals_drafts_per_period(
    client: Metronome, tokens: TokenCatalog, http: TestClient, token: str, clock: FixedClock
) -> None:
    package_id = create(client, starter_plan(tokens))
    provision_many(client, package_id, [(2026, 1), (2026, 1)])
    clock.set(at(2026, 2, 15))
    status, answer = raw(http, token, "/v1/packages/x-summary", {"package_id": package_id})
    assert status == 200, answer
    data = answer["data"]
    assert data["contracts"] == 2
    january = next(p for p in data["periods"] if p["starting_at"] == "2026-01-01T00:00:00.000Z")
    # Each January invoice carries January's and February's $10 (ADVANCE: a charge due Feb 1 is
    # on the invoice issued Feb 1); no usage, so the credits draw nothing.
    assert january["draft_total"] == Decimal(4000)
    assert january["invoiced_total"] == 0
    assert january["contracts"] == 2


def test_a_cohort_migration_previews_then_applies_as_renewals(
    client: Metronome, tokens: TokenCatalog, http: TestClient, token: str
) -> None:
    v1 = create(client, starter_plan(tokens))
    body = starter_plan(tokens, name="Starter Plan v2", aliases=[])
    body["subscriptions"][0]["initial_quantity"] = 2
    v2 = create(client, body)
    old = provision_many(client, v1, [(2026, 1), (2026, 2), (2026, 5)])
    request = {"from_package_id": v1, "to_package_id": v2, "at": "2026-04-01T00:00:00Z"}
    status, preview = raw(http, token, "/v1/packages/x-migrate", request)
    assert status == 200, preview
    moved = preview["data"]["contracts"]
    assert [m["contract_id"] for m in moved] == old[:2]  # May's contract starts after Apr 1
    first = moved[0]
    invoices = first["invoices"]
    # March's and April's invoices: before, $10 for April (on March's) and $10 for May; after,
    # nothing on the ended contract's March invoice and 2 x $10 for April and for May on the
    # new contract's first invoice.
    assert (invoices["starting_at"], invoices["ending_before"]) == (
        "2026-03-01T00:00:00.000Z",
        "2026-05-01T00:00:00.000Z",
    )
    assert (invoices["total_before"], invoices["total_after"]) == (Decimal(2000), Decimal(4000))
    assert invoices["difference"] == Decimal(2000)
    assert preview["data"]["total_difference"] == Decimal(4000)
    # Nothing was written by the dry run.
    assert len(list(client.v1.packages.list_contracts_on_package(package_id=v2))) == 0
    status, applied = raw(http, token, "/v1/packages/x-migrate", {**request, "dry_run": False})
    assert status == 200, applied
    on_v2 = list(client.v1.packages.list_contracts_on_package(package_id=v2))
    assert len(on_v2) == 2 and all(c.starting_at == at(2026, 4) for c in on_v2)
    on_v1 = list(client.v1.packages.list_contracts_on_package(package_id=v1))
    assert [(c.contract_id, c.ending_before) for c in on_v1][:2] == [
        (old[0], at(2026, 4)),
        (old[1], at(2026, 4)),
    ]
    new_id = applied["data"]["contracts"][0]["new_contract_id"]
    customer = applied["data"]["contracts"][0]["customer_id"]
    renewed = client.v1.contracts.retrieve(contract_id=new_id, customer_id=customer).data
    assert renewed.package_id == v2
    assert renewed.current.ending_before == at(2027, 4)


def test_an_absolute_override_applies_to_every_contract_in_january(
    client: Metronome, tokens: TokenCatalog, http: TestClient, token: str
) -> None:
    body = starter_plan(
        tokens,
        x_absolute_overrides=[
            {
                "override_specifiers": [{"product_id": tokens.input_tokens}],
                "starting_at": "2026-01-01T00:00:00Z",
                "ending_before": "2026-02-01T00:00:00Z",
                "type": "MULTIPLIER",
                "multiplier": 0.8,
            }
        ],
    )
    status, created = raw(http, token, "/v1/packages/x-create", body)
    assert status == 200, created
    package_id = created["data"]["id"]
    package = client.v1.packages.retrieve(package_id=package_id).data
    assert package.overrides == []
    assert package.to_dict()["x_absolute_overrides"][0]["multiplier"] == 0.8
    december, mid_january, march = provision_many(
        client, package_id, [(2025, 12), (2026, 1), (2026, 3)]
    )
    del march
    customers = {
        c.contract_id: c.customer_id
        for c in client.v1.packages.list_contracts_on_package(package_id=package_id)
    }
    for contract_id in (december, mid_january):
        contract = client.v1.contracts.retrieve(
            contract_id=contract_id, customer_id=customers[contract_id]
        ).data
        (override,) = contract.current.overrides
        assert (override.starting_at, override.ending_before) == (at(2026, 1), at(2026, 2))
    status, answer = raw(http, token, "/v1/packages/create", body)
    assert status == 400 and "x_absolute_overrides" in answer["message"]


def test_migration_rolls_commits_over_by_their_fraction(
    client: Metronome, tokens: TokenCatalog, http: TestClient, token: str
) -> None:
    prepaid = {
        "type": "PREPAID",
        "product_id": tokens.sign_up_credit,
        "rollover_fraction": 0.5,
        "access_schedule": {
            "schedule_items": [
                {
                    "amount": 10000,
                    "starting_at_offset": {"unit": "DAYS", "value": 0},
                    "duration": {"unit": "MONTHS", "value": 12},
                }
            ]
        },
    }
    v1 = create(client, starter_plan(tokens, commits=[prepaid]))
    v2 = create(client, starter_plan(tokens, name="v2", aliases=[]))
    (old,) = provision_many(client, v1, [(2026, 1)])
    body = {"from_package_id": v1, "to_package_id": v2, "at": "2026-04-01T00:00:00Z"}
    status, applied = raw(http, token, "/v1/packages/x-migrate", {**body, "dry_run": False})
    assert status == 200, applied
    (moved,) = applied["data"]["contracts"]
    assert moved["contract_id"] == old
    (rolled,) = moved["rolled_over"]
    # No usage drew on it, so half of the whole $100 rolls over.
    assert rolled["amount"] == Decimal(5000)
    renewed = client.v1.contracts.retrieve(
        contract_id=moved["new_contract_id"], customer_id=moved["customer_id"]
    ).data
    (commit,) = renewed.current.commits
    assert commit.id == rolled["commit_id"]
    assert commit.access_schedule is not None
    (segment,) = commit.access_schedule.schedule_items
    assert (segment.amount, segment.starting_at, segment.ending_before) == (
        5000,
        at(2026, 4),
        at(2027, 1),
    )
