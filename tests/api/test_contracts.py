"""Contracts through the official SDK: create with every term, read back, list, archive, end."""

from __future__ import annotations

from decimal import Decimal

import metronome
import pytest
from metronome import Metronome
from starlette.testclient import TestClient

from meterbill.clock import FixedClock
from tests.api.contract_fixtures import (
    Catalog,
    at,
    catalog,
    message_of,
    prepaid_commit,
    raw,
    subscription,
)

__all__ = ["catalog"]

USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"


def create_full(client: Metronome, c: Catalog) -> str:
    """A contract with every kind of term."""
    return client.v1.contracts.create(
        customer_id=c.customer,
        starting_at=at(2026, 1),
        ending_before=at(2027, 1),
        name="Enterprise 2026",
        rate_card_id=c.card,
        net_payment_terms_days=30,
        multiplier_override_prioritization="EXPLICIT",
        scheduled_charges_on_usage_invoices="ALL",
        usage_statement_schedule={"frequency": "MONTHLY", "day": "FIRST_OF_MONTH"},
        commits=[
            prepaid_commit(c, temporary_id="big-commit", name="Annual prepay"),
            {
                "product_id": c.fixed,
                "type": "POSTPAID",
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 50000, "starting_at": at(2026, 1), "ending_before": at(2027, 1)}
                    ]
                },
                "invoice_schedule": {
                    "schedule_items": [{"timestamp": at(2027, 1), "amount": 50000}]
                },
            },
        ],
        credits=[
            {
                "product_id": c.fixed,
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 2500, "starting_at": at(2026, 1), "ending_before": at(2026, 4)}
                    ]
                },
                "applicable_product_ids": [c.calls],
                "priority": 50,
            }
        ],
        overrides=[
            {"starting_at": at(2026, 1), "product_id": c.calls, "type": "MULTIPLIER",
             "multiplier": 0.9, "priority": 1},
            {"starting_at": at(2026, 1), "type": "OVERWRITE", "is_commit_specific": True,
             "target": "COMMIT_RATE",
             "override_specifiers": [{"product_id": c.calls, "commit_ids": ["big-commit"]}],
             "overwrite_rate": {"rate_type": "FLAT", "price": 1}},
        ],
        scheduled_charges=[
            {"product_id": c.fixed, "name": "Onboarding",
             "schedule": {"schedule_items": [{"timestamp": at(2026, 2), "unit_price": 5000,
                                              "quantity": 2}]}},
            {"product_id": c.fixed, "name": "Support",
             "schedule": {"recurring_schedule": {
                 "amount_distribution": "DIVIDED", "frequency": "QUARTERLY",
                 "starting_at": at(2026, 1), "ending_before": at(2027, 1), "amount": 1000}}},
        ],
        subscriptions=[subscription(c, temporary_id="seats")],
        recurring_credits=[
            {"access_amount": {"unit_price": 1000, "quantity": 1}, "commit_duration": {"value": 1},
             "priority": 10, "product_id": c.fixed, "starting_at": at(2026, 1),
             "ending_before": at(2026, 4), "recurrence_frequency": "MONTHLY"},
        ],
        recurring_commits=[
            {"access_amount": {"unit_price": 100}, "commit_duration": {"value": 1},
             "priority": 20, "product_id": c.fixed, "starting_at": at(2026, 1),
             "invoice_amount": {"unit_price": 100, "quantity": 1,
                                "credit_type_id": USD},
             "subscription_config": {"subscription_id": "seats", "allocation": "POOLED",
                                     "apply_seat_increase_config": {"is_prorated": True}}},
        ],
        usage_filter={"group_key": "region", "group_values": ["eu"]},
        total_contract_value=1200000,
        salesforce_opportunity_id="006xx",
        spend_trackers=[{"alias": "purchases", "credit_type_id": USD,
                         "reset_frequency": "BILLING_PERIOD",
                         "applicable_spend_specifiers": [{"sources": ["MANUAL"],
                                                          "spend_type": "COMMIT_PURCHASE"}]}],
        uniqueness_key="acme-2026",
    ).data.id  # type: ignore[list-item]  # fmt: skip


def test_create_with_every_term_reads_back_exactly(client: Metronome, catalog: Catalog) -> None:
    contract_id = create_full(client, catalog)
    data = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert data.id == contract_id
    assert data.name == "Enterprise 2026"
    assert data.rate_card_id == catalog.card
    assert (data.starting_at, data.ending_before) == (at(2026, 1), at(2027, 1))
    assert data.net_payment_terms_days == 30
    assert data.multiplier_override_prioritization == "EXPLICIT"
    assert data.scheduled_charges_on_usage_invoices == "ALL"
    assert data.uniqueness_key == "acme-2026"
    assert data.usage_statement_schedule.billing_anchor_date == at(2026, 1)
    assert data.total_contract_value == 1200000
    prepaid, postpaid = data.commits
    assert prepaid.type == "PREPAID" and prepaid.name == "Annual prepay"
    assert prepaid.product.name == "Prepaid credits"
    assert prepaid.access_schedule is not None
    assert prepaid.access_schedule.schedule_items[0].amount == 100000
    assert prepaid.access_schedule.schedule_items[0].id
    assert prepaid.invoice_schedule is not None and prepaid.invoice_schedule.schedule_items
    assert prepaid.invoice_schedule.schedule_items[0].amount == 90000
    assert postpaid.type == "POSTPAID"
    assert data.credits is not None and data.credits[0].type == "CREDIT"
    assert data.credits[0].applicable_product_ids == [catalog.calls]
    multiplier, overwrite = data.overrides
    assert multiplier.multiplier == 0.9 and multiplier.product is not None
    assert multiplier.product.id == catalog.calls
    assert overwrite.override_specifiers is not None
    assert overwrite.override_specifiers[0].commit_ids == [prepaid.id]
    onboarding, support = data.scheduled_charges
    assert onboarding.schedule.schedule_items is not None
    item = onboarding.schedule.schedule_items[0]
    assert (item.quantity, item.unit_price, item.amount) == (2, 5000, 10000)
    assert support.schedule.schedule_items is not None
    assert [i.amount for i in support.schedule.schedule_items] == [250, 250, 250, 250]
    assert data.subscriptions is not None
    seats = data.subscriptions[0]
    assert seats.id and seats.quantity_schedule[0].quantity == 5
    assert seats.subscription_rate.product.name == "Seats"
    assert seats.billing_periods.current is not None
    assert seats.billing_periods.current.ending_before == at(2026, 2)
    assert data.recurring_commits is not None
    assert data.recurring_commits[0].subscription_config is not None
    assert data.recurring_commits[0].subscription_config.subscription_id == seats.id
    assert data.recurring_credits is not None and data.recurring_credits[0].priority == 10
    assert data.usage_filter[0].group_values == ["eu"]


def test_the_v1_view_has_initial_and_current_terms(client: Metronome, catalog: Catalog) -> None:
    contract_id = create_full(client, catalog)
    data = client.v1.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert data.initial.name == data.current.name == "Enterprise 2026"
    assert len(data.current.commits) == 2
    assert data.current.credits is not None and len(data.current.credits) == 1
    assert data.amendments == []
    assert data.subscriptions is not None and len(data.subscriptions) == 1


def test_decimals_survive_exactly(http: TestClient, token: str, catalog: Catalog) -> None:
    body = (
        f'{{"customer_id": "{catalog.customer}", "starting_at": "2026-01-01T00:00:00Z", '
        f'"credits": [{{"product_id": "{catalog.fixed}", "access_schedule": {{"schedule_items": '
        '[{"amount": 12345678901234567.123456789012, "starting_at": "2026-01-01T00:00:00Z",'
        '"ending_before": "2027-01-01T00:00:00Z"}]}}]}'
    )
    status, created = raw(http, token, "/v1/contracts/create", body)
    assert status == 200, created
    item = created["data"]["contract"]["credits"][0]["access_schedule"]["schedule_items"][0]
    assert item["amount"] == Decimal("12345678901234567.123456789012")


def test_rate_card_alias_is_resolved_as_of_the_contract_start(
    client: Metronome, catalog: Catalog
) -> None:
    newer = client.v1.contracts.rate_cards.create(
        name="Standard 2027", aliases=[{"name": "standard", "starting_at": at(2027, 1)}]
    ).data.id
    early = client.v1.contracts.create(
        customer_id=catalog.customer, starting_at=at(2026, 6), rate_card_alias="standard"
    )
    late = client.v1.contracts.create(
        customer_id=catalog.customer, starting_at=at(2027, 2), rate_card_alias="standard"
    )
    assert early.data.contract is not None and early.data.contract.rate_card_id == catalog.card
    assert late.data.contract is not None and late.data.contract.rate_card_id == newer


def test_a_reused_uniqueness_key_is_a_409_and_creates_nothing(
    client: Metronome, catalog: Catalog
) -> None:
    client.v1.contracts.create(
        customer_id=catalog.customer, starting_at=at(2026, 1), uniqueness_key="k1"
    )
    with pytest.raises(metronome.ConflictError) as error:
        client.v1.contracts.create(
            customer_id=catalog.customer, starting_at=at(2026, 2), uniqueness_key="k1"
        )
    assert message_of(error).startswith("uniqueness_key:")
    assert len(list(client.v1.contracts.list(customer_id=catalog.customer))) == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"starting_at": at(2026, 1, 1, 0).replace(minute=30)}, "starting_at"),
        ({"ending_before": at(2025, 12)}, "ending_before"),
        ({"rate_card_id": "nope"}, "rate_card_id"),
        ({"commits": [{"product_id": "nope", "type": "PREPAID"}]}, "commits[0].access_schedule"),
        ({"hierarchy_configuration": {"payer": "SELF"}}, "hierarchy_configuration"),
        ({"reseller_royalties": []}, "reseller_royalties"),
        ({"usage_statement_schedule": {"frequency": "MONTHLY", "day": "CUSTOM_DATE"}},
         "usage_statement_schedule.billing_anchor_date"),
        ({"package_id": "p", "name": "x"}, "name"),
        ({"package_id": "p", "package_alias": "a"}, "package_alias"),
    ],
)  # fmt: skip
def test_invalid_requests_are_400s_naming_the_field(
    client: Metronome, catalog: Catalog, extra: dict[str, object], field: str
) -> None:
    body: dict[str, object] = {"customer_id": catalog.customer, "starting_at": at(2026, 1)}
    body.update(extra)
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.create(**body)  # type: ignore[arg-type]
    assert message_of(error).startswith(field), message_of(error)
    assert list(client.v1.contracts.list(customer_id=catalog.customer)) == []


def test_term_validation_names_the_term(client: Metronome, catalog: Catalog) -> None:
    cases = [
        ({"commits": [prepaid_commit(catalog, product_id=catalog.calls)]}, "commits[0].product_id"),
        ({"subscriptions": [subscription(catalog)]}, "subscriptions[0].subscription_rate"),
        (
            {"rate_card_id": catalog.card,
             "subscriptions": [subscription(catalog, subscription_rate={
                 "product_id": catalog.seats, "billing_frequency": "ANNUAL"})]},
            "subscriptions[0].subscription_rate.billing_frequency",
        ),
        (
            {"rate_card_id": catalog.card,
             "overrides": [{"starting_at": at(2026, 1), "product_id": catalog.fixed,
                            "type": "MULTIPLIER", "multiplier": 0.5}]},
            "overrides[0].override_specifiers[0].product_id",
        ),
        (
            {"commits": [prepaid_commit(catalog, type="POSTPAID")]},
            "commits[0].invoice_schedule.schedule_items[0].amount",
        ),
    ]  # fmt: skip
    for extra, field in cases:
        with pytest.raises(metronome.BadRequestError) as error:
            client.v1.contracts.create(
                customer_id=catalog.customer,
                starting_at=at(2026, 1),
                **extra,  # type: ignore[arg-type]
            )
        assert message_of(error).startswith(field), message_of(error)


def test_packages_are_delegated_to_the_packages_area(client: Metronome, catalog: Catalog) -> None:
    with pytest.raises(metronome.APIStatusError) as error:
        client.v1.contracts.create(
            customer_id=catalog.customer, starting_at=at(2026, 1), package_id="unknown"
        )
    assert error.value.status_code in (400, 404)


def test_list_pages_with_a_cursor_in_chronological_order(
    client: Metronome, catalog: Catalog
) -> None:
    ids = [
        client.v1.contracts.create(
            customer_id=catalog.customer, starting_at=at(2026, month)
        ).data.id
        for month in (3, 1, 2)
    ]
    first = client.v1.contracts.list(customer_id=catalog.customer, limit=2)
    assert [c.id for c in first.data] == [ids[1], ids[2]]
    assert first.cursor
    second = client.v1.contracts.list(customer_id=catalog.customer, limit=2, cursor=first.cursor)
    assert [c.id for c in second.data] == [ids[0]] and second.cursor is None
    assert [c.id for c in client.v2.contracts.list(customer_id=catalog.customer)] == [
        ids[1], ids[2], ids[0]
    ]  # fmt: skip
    covering = client.v1.contracts.list(customer_id=catalog.customer, covering_date=at(2026, 2, 15))
    assert [c.id for c in covering.data] == [ids[1], ids[2]]


def test_archive_hides_the_contract_unless_asked(client: Metronome, catalog: Catalog) -> None:
    contract_id = client.v1.contracts.create(
        customer_id=catalog.customer, starting_at=at(2026, 1)
    ).data.id
    archived = client.v1.contracts.archive(
        contract_id=contract_id, customer_id=catalog.customer, void_invoices=False
    )
    assert archived.data.id == contract_id
    assert list(client.v1.contracts.list(customer_id=catalog.customer)) == []
    listed = list(client.v1.contracts.list(customer_id=catalog.customer, include_archived=True))
    assert listed[0].archived_at is not None


def test_update_end_date_moves_the_end_and_truncates_subscriptions(
    client: Metronome, catalog: Catalog, clock: FixedClock
) -> None:
    contract_id = client.v1.contracts.create(
        customer_id=catalog.customer, starting_at=at(2026, 1), ending_before=at(2027, 1),
        rate_card_id=catalog.card, subscriptions=[subscription(catalog)],
    ).data.id  # type: ignore[list-item]  # fmt: skip
    client.v1.contracts.update_end_date(
        contract_id=contract_id, customer_id=catalog.customer, ending_before=at(2026, 7)
    )
    data = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert data.ending_before == at(2026, 7)
    assert data.subscriptions is not None and data.subscriptions[0].ending_before == at(2026, 7)
    client.v1.contracts.update_end_date(contract_id=contract_id, customer_id=catalog.customer)
    data = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert data.ending_before is None
    history = client.v2.contracts.get_edit_history(
        contract_id=contract_id, customer_id=catalog.customer
    ).data
    assert len(history) == 2


def test_a_renewal_ends_the_previous_contract_at_the_new_start(
    client: Metronome, catalog: Catalog
) -> None:
    old = client.v1.contracts.create(customer_id=catalog.customer, starting_at=at(2026, 1)).data.id
    new = client.v1.contracts.create(
        customer_id=catalog.customer,
        starting_at=at(2026, 7),
        transition={"from_contract_id": old, "type": "RENEWAL"},
    ).data.id
    previous = client.v2.contracts.retrieve(contract_id=old, customer_id=catalog.customer).data
    current = client.v2.contracts.retrieve(contract_id=new, customer_id=catalog.customer).data
    assert previous.ending_before == at(2026, 7)
    link = (old, new, "RENEWAL")
    assert [(t.from_contract_id, t.to_contract_id, t.type) for t in previous.transitions] == [link]
    assert [(t.from_contract_id, t.to_contract_id, t.type) for t in current.transitions] == [link]


def test_custom_fields_on_the_contract_and_its_terms(client: Metronome, catalog: Catalog) -> None:
    for entity in ("contract", "commit", "subscription"):
        client.v1.custom_fields.add_key(entity=entity, key="team", enforce_uniqueness=False)  # type: ignore[arg-type]
    contract_id = client.v1.contracts.create(
        customer_id=catalog.customer, starting_at=at(2026, 1), rate_card_id=catalog.card,
        custom_fields={"team": "sales"},
        commits=[prepaid_commit(catalog, custom_fields={"team": "finance"})],
        subscriptions=[subscription(catalog, custom_fields={"team": "ops"})],
    ).data.id  # type: ignore[list-item]  # fmt: skip
    data = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer).data
    assert data.custom_fields == {"team": "sales"}
    assert data.commits[0].custom_fields == {"team": "finance"}
    assert data.subscriptions is not None
    assert data.subscriptions[0].custom_fields == {"team": "ops"}
    client.v1.custom_fields.set_values(
        entity="commit", entity_id=data.commits[0].id, custom_fields={"team": "legal"}
    )
    again = client.v2.contracts.retrieve(contract_id=contract_id, customer_id=catalog.customer)
    assert again.data.commits[0].custom_fields == {"team": "legal"}
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.create(
            customer_id=catalog.customer, starting_at=at(2026, 1),
            credits=[{"product_id": catalog.fixed, "custom_fields": {"team": "x"},
                      "access_schedule": {"schedule_items": [
                          {"amount": 1, "starting_at": at(2026, 1),
                           "ending_before": at(2026, 2)}]}}],
        )  # fmt: skip
    assert message_of(error).startswith("credits[0].custom_fields.team")


def test_unknown_contracts_are_404s(client: Metronome, catalog: Catalog) -> None:
    with pytest.raises(metronome.NotFoundError):
        client.v1.contracts.retrieve(contract_id="nope", customer_id=catalog.customer)
    other = client.v1.customers.create(name="Other").data.id
    contract_id = client.v1.contracts.create(
        customer_id=catalog.customer, starting_at=at(2026, 1)
    ).data.id
    with pytest.raises(metronome.NotFoundError):
        client.v2.contracts.retrieve(contract_id=contract_id, customer_id=other)
