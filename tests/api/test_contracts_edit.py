"""v2 contract edits through the official SDK: terms added, quantities changed, the history."""

from __future__ import annotations

import metronome
import pytest
from metronome import Metronome

from meterbill.clock import FixedClock
from tests.api.contract_fixtures import (
    Catalog,
    at,
    catalog,
    message_of,
    prepaid_commit,
    subscription,
)

__all__ = ["catalog"]


def seat_contract(client: Metronome, c: Catalog) -> tuple[str, str]:
    created = client.v1.contracts.create(
        customer_id=c.customer,
        starting_at=at(2026, 1),
        rate_card_id=c.card,
        subscriptions=[subscription(c)],  # type: ignore[list-item]
        overrides=[
            {
                "starting_at": at(2026, 1),
                "product_id": c.calls,
                "type": "MULTIPLIER",
                "multiplier": 0.5,
            }
        ],
    )
    assert created.data.contract is not None and created.data.contract.subscriptions
    subscription_id = created.data.contract.subscriptions[0].id
    assert subscription_id is not None
    return created.data.id, subscription_id


def test_an_edit_adds_a_commit_and_is_in_the_history(
    client: Metronome, catalog: Catalog, clock: FixedClock
) -> None:
    contract_id, _ = seat_contract(client, catalog)
    clock.set(at(2026, 2, 10))
    edited = client.v2.contracts.edit(
        contract_id=contract_id,
        customer_id=catalog.customer,
        add_commits=[prepaid_commit(catalog, name="Top-up")],  # type: ignore[list-item]
        update_contract_name="Renamed",
        uniqueness_key="edit-1",
    )
    data = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert [c.name for c in data.commits] == ["Top-up"]
    assert data.commits[0].created_at == at(2026, 2, 10)
    assert data.name == "Renamed"
    history = client.v2.contracts.get_edit_history(
        contract_id=contract_id, customer_id=catalog.customer
    ).data
    assert [h.id for h in history] == [edited.data.id]
    assert history[0].timestamp == at(2026, 2, 10)
    assert history[0].add_commits is not None
    assert history[0].add_commits[0].id == data.commits[0].id
    assert history[0].update_contract_name == "Renamed"
    as_before = client.v2.contracts.retrieve(
        contract_id=contract_id, customer_id=catalog.customer, as_of_date=at(2026, 1, 15)
    ).data
    assert as_before.commits == [] and as_before.name is None


def test_a_reused_edit_uniqueness_key_is_a_409(client: Metronome, catalog: Catalog) -> None:
    contract_id, _ = seat_contract(client, catalog)
    client.v2.contracts.edit(
        contract_id=contract_id, customer_id=catalog.customer, update_contract_name="a",
        uniqueness_key="same",
    )  # fmt: skip
    with pytest.raises(metronome.ConflictError):
        client.v2.contracts.edit(
            contract_id=contract_id, customer_id=catalog.customer, update_contract_name="b",
            uniqueness_key="same",
        )  # fmt: skip
    data = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer)
    assert data.data.name == "a"


def test_quantity_updates_set_then_shift_the_quantity(
    client: Metronome, catalog: Catalog, clock: FixedClock
) -> None:
    contract_id, subscription_id = seat_contract(client, catalog)
    client.v2.contracts.edit(
        contract_id=contract_id,
        customer_id=catalog.customer,
        update_subscriptions=[
            {
                "subscription_id": subscription_id,
                "quantity_updates": [
                    {"starting_at": at(2026, 5, 21), "quantity": 12},
                    {"starting_at": at(2026, 5, 21), "quantity_delta": -1},
                    {"starting_at": at(2026, 7, 1), "quantity_delta": 3},
                ],
            }
        ],
    )
    data = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert data.subscriptions is not None
    schedule = [
        (q.starting_at, q.quantity, q.ending_before)
        for q in data.subscriptions[0].quantity_schedule
    ]
    assert schedule == [
        (at(2026, 1), 5, at(2026, 5, 21)),
        (at(2026, 5, 21), 11, at(2026, 7, 1)),
        (at(2026, 7, 1), 14, None),
    ]
    clock.set(at(2026, 6, 1))
    history = client.v1.contracts.retrieve_subscription_quantity_history(
        contract_id=contract_id, customer_id=catalog.customer, subscription_id=subscription_id
    ).data
    assert history.subscription_id == subscription_id
    assert history.history is not None
    points = [
        (h.starting_at, h.data[0].quantity, h.data[0].unit_price, h.data[0].total)
        for h in history.history
    ]
    assert points == [(at(2026, 1), 5, 1000, 5000), (at(2026, 5, 21), 11, 1000, 11000)]


def test_a_negative_quantity_is_a_400_and_changes_nothing(
    client: Metronome, catalog: Catalog
) -> None:
    contract_id, subscription_id = seat_contract(client, catalog)
    with pytest.raises(metronome.BadRequestError) as error:
        client.v2.contracts.edit(
            contract_id=contract_id,
            customer_id=catalog.customer,
            update_contract_name="never",
            update_subscriptions=[
                {"subscription_id": subscription_id,
                 "quantity_updates": [{"starting_at": at(2026, 3), "quantity_delta": -6}]}
            ],
        )  # fmt: skip
    assert message_of(error).startswith(
        "update_subscriptions[0].quantity_updates[0].quantity_delta"
    )
    data = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert data.name is None


def test_archive_and_remove_terms(client: Metronome, catalog: Catalog) -> None:
    contract_id, _ = seat_contract(client, catalog)
    client.v2.contracts.edit(
        contract_id=contract_id, customer_id=catalog.customer,
        add_commits=[prepaid_commit(catalog)],  # type: ignore[list-item]
        add_scheduled_charges=[{"product_id": catalog.fixed, "schedule": {
            "schedule_items": [{"timestamp": at(2026, 3), "amount": 700}]}}],
    )  # fmt: skip
    data = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    client.v2.contracts.edit(
        contract_id=contract_id, customer_id=catalog.customer,
        archive_commits=[{"id": data.commits[0].id}],
        archive_scheduled_charges=[{"id": data.scheduled_charges[0].id}],
        remove_overrides=[{"id": data.overrides[0].id}],
    )  # fmt: skip
    after = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert after.commits[0].archived_at is not None
    assert after.scheduled_charges[0].archived_at is not None
    assert after.overrides == []


def test_update_commit_schedules_and_fields(client: Metronome, catalog: Catalog) -> None:
    contract_id, _ = seat_contract(client, catalog)
    client.v2.contracts.edit(
        contract_id=contract_id, customer_id=catalog.customer,
        add_commits=[prepaid_commit(catalog)],  # type: ignore[list-item]
    )  # fmt: skip
    commit = client.v2.contracts.retrieve(
        contract_id=contract_id, customer_id=catalog.customer
    ).data.commits[0]
    assert commit.access_schedule is not None
    item_id = commit.access_schedule.schedule_items[0].id
    client.v2.contracts.edit(
        contract_id=contract_id, customer_id=catalog.customer,
        update_commits=[{
            "commit_id": commit.id, "priority": 5, "name": "Changed",
            "access_schedule": {
                "update_schedule_items": [{"id": item_id, "amount": 80000}],
                "add_schedule_items": [{"amount": 20000, "starting_at": at(2027, 1),
                                        "ending_before": at(2028, 1)}],
            },
        }],
    )  # fmt: skip
    after = client.v2.contracts.retrieve(
        contract_id=contract_id, customer_id=catalog.customer
    ).data.commits[0]
    assert after.priority == 5 and after.name == "Changed"
    assert after.access_schedule is not None
    assert [i.amount for i in after.access_schedule.schedule_items] == [80000, 20000]


def test_unsupported_edit_fields_are_400s_naming_them(client: Metronome, catalog: Catalog) -> None:
    contract_id, subscription_id = seat_contract(client, catalog)
    cases = [
        ({"add_reseller_royalties": []}, "add_reseller_royalties"),
        ({"update_subscriptions": [{"subscription_id": subscription_id,
                                    "seat_updates": {"add_unassigned_seats": []}}]},
         "update_subscriptions[0].seat_updates"),
        ({"update_commits": [{"commit_id": "nope", "name": "x"}]}, "update_commits[0].commit_id"),
        ({"add_subscriptions": [subscription(catalog, starting_at=at(2025, 1))]},
         "add_subscriptions[0].starting_at"),
    ]  # fmt: skip
    for extra, field in cases:
        with pytest.raises(metronome.BadRequestError) as error:
            client.v2.contracts.edit(
                contract_id=contract_id,
                customer_id=catalog.customer,
                **extra,  # type: ignore[arg-type]
            )
        assert message_of(error).startswith(field), message_of(error)


def test_v1_amend_adds_terms_as_an_amendment(client: Metronome, catalog: Catalog) -> None:
    contract_id, _ = seat_contract(client, catalog)
    amended = client.v1.contracts.amend(
        contract_id=contract_id,
        customer_id=catalog.customer,
        starting_at=at(2026, 3),
        commits=[prepaid_commit(catalog)],  # type: ignore[list-item]
    )
    data = client.v1.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert [a.id for a in data.amendments] == [amended.data.id]
    assert data.amendments[0].starting_at == at(2026, 3)
    assert len(data.amendments[0].commits) == 1
    assert len(data.current.commits) == 1 and data.initial.commits == []


def test_contract_rate_schedule_applies_overrides(client: Metronome, catalog: Catalog) -> None:
    contract_id, _ = seat_contract(client, catalog)
    rows = client.v1.contracts.retrieve_rate_schedule(
        contract_id=contract_id, customer_id=catalog.customer, at=at(2026, 2)
    ).data
    calls = next(r for r in rows if r.product_id == catalog.calls)
    assert calls.list_rate.price == 2
    assert calls.override_rate is not None and calls.override_rate.price == 1
    assert calls.product_name == "API calls" and calls.entitled


def test_set_usage_filter_replaces_the_filter(client: Metronome, catalog: Catalog) -> None:
    contract_id, _ = seat_contract(client, catalog)
    client.v1.contracts.set_usage_filter(
        contract_id=contract_id,
        customer_id=catalog.customer,
        group_key="region",
        group_values=["us", "eu"],
        starting_at=at(2026, 3),
    )
    data = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert [(f.group_key, f.group_values, f.starting_at) for f in data.usage_filter] == [
        ("region", ["us", "eu"], at(2026, 3))
    ]
