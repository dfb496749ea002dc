"""Provisioning contracts from packages through ``/v1/contracts/create``."""

from __future__ import annotations

from typing import Any

import metronome
import pytest
from metronome import Metronome

from meterbill.clock import FixedClock
from tests.api.test_packages import (
    USD,
    TokenCatalog,
    at,
    create,
    message_of,
    starter_plan,
    tokens,
)

__all__ = ["tokens"]  # the fixture, re-exported for pytest


@pytest.fixture
def customer(client: Metronome) -> str:
    return client.v1.customers.create(name="Acme").data.id


def provision(client: Metronome, customer: str, **fields: Any) -> Any:
    created = client.v1.contracts.create(customer_id=customer, **fields).data
    return client.v1.contracts.retrieve(contract_id=created.id, customer_id=customer).data


def full_plan(c: TokenCatalog, *, custom_fields: bool = False, **extra: Any) -> dict[str, Any]:
    """The Starter Plan plus a commit, a credit, a scheduled charge and overrides."""
    body = starter_plan(
        c,
        commits=[
            {
                "type": "PREPAID",
                "product_id": c.sign_up_credit,
                "temporary_id": "prepaid",
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 30000, "starting_at_offset": {"unit": "DAYS", "value": 0},
                         "duration": {"unit": "MONTHS", "value": 3}}
                    ]
                },
                "invoice_schedule": {
                    "schedule_items": [
                        {"date_offset": {"unit": "DAYS", "value": 0}, "quantity": 1,
                         "unit_price": 30000}
                    ]
                },
                "custom_fields": {"deal": "launch"},
            }
        ],
        credits=[
            {
                "product_id": c.sign_up_credit,
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 500, "starting_at_offset": {"unit": "MONTHS", "value": 1},
                         "duration": {"unit": "MONTHS", "value": 1}}
                    ]
                },
            }
        ],
        scheduled_charges=[
            {
                "product_id": c.onboarding,
                "name": "Onboarding",
                "schedule": {
                    "schedule_items": [
                        {"date_offset": {"unit": "MONTHS", "value": 1}, "quantity": 2,
                         "unit_price": 5000}
                    ]
                },
                "custom_fields": {"kind": "setup"},
            }
        ],
        overrides=[
            {
                "override_specifiers": [{"product_id": c.input_tokens}],
                "starting_at_offset": {"unit": "MONTHS", "value": 1},
                "duration": {"unit": "MONTHS", "value": 2},
                "type": "MULTIPLIER",
                "multiplier": 0.8,
            }
        ],
        **extra,
    )  # fmt: skip
    if not custom_fields:
        del body["commits"][0]["custom_fields"]
        del body["scheduled_charges"][0]["custom_fields"]
    return body


def test_the_starter_plan_provisioned_on_a_date_lands_every_term_on_absolute_dates(
    client: Metronome, tokens: TokenCatalog, customer: str
) -> None:
    package_id = create(client, full_plan(tokens))
    contract = provision(client, customer, starting_at=at(2026, 1, 31), package_id=package_id)
    assert contract.package_id == package_id
    current = contract.current
    assert current.starting_at == at(2026, 1, 31)
    assert current.ending_before == at(2027, 1, 31)
    assert current.name == "Starter Plan"
    assert current.rate_card_id == tokens.rate_card
    assert current.net_payment_terms_days == 15
    (prepaid,) = current.commits
    assert prepaid.access_schedule is not None
    (segment,) = prepaid.access_schedule.schedule_items
    # NOTE: three months from Jan 31 is Apr 30 (end-of-month clamp), not May 1.
    assert (segment.starting_at, segment.ending_before, segment.amount) == (
        at(2026, 1, 31),
        at(2026, 4, 30),
        30000,
    )
    (credit,) = current.credits or []
    assert credit.access_schedule is not None
    (item,) = credit.access_schedule.schedule_items
    assert (item.starting_at, item.ending_before) == (at(2026, 2, 28), at(2026, 3, 28))
    (charge,) = current.scheduled_charges
    (charge_item,) = charge.schedule.schedule_items or []
    assert (charge_item.timestamp, charge_item.amount) == (at(2026, 2, 28), 10000)
    (override,) = current.overrides
    assert (override.starting_at, override.ending_before) == (at(2026, 2, 28), at(2026, 4, 28))
    assert override.multiplier == 0.8
    (recurring,) = current.recurring_credits or []
    assert (recurring.starting_at, recurring.ending_before) == (at(2026, 1, 31), at(2026, 4, 30))
    assert recurring.access_amount.unit_price == 1000
    (subscription,) = contract.subscriptions or []
    assert subscription.starting_at == at(2026, 1, 31)
    assert subscription.ending_before == at(2027, 1, 31)


def test_the_same_package_twice_gives_two_independent_contracts(
    client: Metronome, tokens: TokenCatalog, customer: str
) -> None:
    package_id = create(client, full_plan(tokens))
    first = provision(client, customer, starting_at=at(2026, 1, 1), package_id=package_id)
    other = client.v1.customers.create(name="Other").data.id
    second = provision(client, other, starting_at=at(2026, 3, 1), package_id=package_id)
    assert first.id != second.id
    assert first.current.commits[0].id != second.current.commits[0].id
    assert second.current.starting_at == at(2026, 3, 1)


def test_provisioning_by_alias_picks_the_holder_at_each_contract_start(
    client: Metronome, tokens: TokenCatalog, customer: str
) -> None:
    v1 = create(client, starter_plan(tokens))
    v2 = create(
        client,
        starter_plan(
            tokens,
            name="Starter Plan - March 2026",
            aliases=[{"name": "Starter Plan", "starting_at": "2026-03-01T00:00:00Z"}],
            duration={"unit": "MONTHS", "value": 6},
        ),
    )
    before = provision(client, customer, starting_at=at(2026, 2, 1), package_alias="Starter Plan")
    after = provision(client, customer, starting_at=at(2026, 3, 1), package_alias="Starter Plan")
    assert (before.package_id, after.package_id) == (v1, v2)
    assert after.current.ending_before == at(2026, 9, 1)
    # The earlier contract never changes.
    again = client.v1.contracts.retrieve(contract_id=before.id, customer_id=customer).data
    assert again.package_id == v1 and again.current.ending_before == at(2027, 2, 1)


def test_no_alias_holder_at_the_start_is_a_400_naming_alias_and_instant(
    client: Metronome, tokens: TokenCatalog, customer: str
) -> None:
    create(
        client,
        starter_plan(tokens, aliases=[{"name": "Later", "starting_at": "2026-06-01T00:00:00Z"}]),
    )
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.create(
            customer_id=customer, starting_at=at(2026, 1, 1), package_alias="Later"
        )
    assert "'Later'" in message_of(error) and "2026-01-01" in message_of(error)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"ending_before": at(2027, 1, 1)}, "ending_before"),
        ({"rate_card_id": "x"}, "rate_card_id"),
        ({"package_alias": "Starter Plan"}, "package_alias"),
        ({"name": "Mine"}, "name"),
    ],
)
def test_other_fields_with_a_package_are_a_400_naming_them(
    client: Metronome, tokens: TokenCatalog, customer: str, extra: dict[str, Any], field: str
) -> None:
    package_id = create(client, starter_plan(tokens))
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.create(
            customer_id=customer, starting_at=at(2026, 1, 1), package_id=package_id, **extra
        )
    assert message_of(error).startswith(field)


def test_an_archived_package_cannot_be_provisioned(
    client: Metronome, tokens: TokenCatalog, customer: str
) -> None:
    package_id = create(client, starter_plan(tokens))
    provision(client, customer, starting_at=at(2026, 1, 1), package_id=package_id)
    client.v1.packages.archive(package_id=package_id)
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.create(
            customer_id=customer, starting_at=at(2026, 2, 1), package_id=package_id
        )
    assert "archived" in message_of(error)
    with pytest.raises(metronome.BadRequestError):
        client.v1.contracts.create(
            customer_id=customer, starting_at=at(2026, 2, 1), package_alias="Starter Plan"
        )


def test_a_reused_contract_uniqueness_key_is_a_409(
    client: Metronome, tokens: TokenCatalog, customer: str
) -> None:
    package_id = create(client, starter_plan(tokens))
    fields = {"starting_at": at(2026, 1, 1), "package_id": package_id, "uniqueness_key": "k1"}
    client.v1.contracts.create(customer_id=customer, **fields)
    with pytest.raises(metronome.ConflictError):
        client.v1.contracts.create(customer_id=customer, **fields)


def test_package_term_custom_fields_pass_down_and_can_then_change_on_the_contract(
    client: Metronome, tokens: TokenCatalog, customer: str
) -> None:
    keys = [("package_commit", "deal"), ("commit", "deal"), ("contract", "crm")]
    keys += [("package_scheduled_charge", "kind"), ("scheduled_charge", "kind")]
    for entity, key in keys:
        client.v1.custom_fields.add_key(entity=entity, key=key, enforce_uniqueness=False)  # type: ignore[arg-type]
    package_id = create(client, full_plan(tokens, custom_fields=True))
    package = client.v1.packages.retrieve(package_id=package_id).data
    template = package.commits[0].id
    with pytest.raises(metronome.BadRequestError):
        client.v1.custom_fields.set_values(
            entity="package_commit", entity_id=template, custom_fields={"deal": "changed"}
        )
    contract = provision(
        client,
        customer,
        starting_at=at(2026, 1, 1),
        package_id=package_id,
        custom_fields={"crm": "42"},
    )
    (commit,) = contract.current.commits
    assert commit.custom_fields == {"deal": "launch"}
    assert contract.current.scheduled_charges[0].custom_fields == {"kind": "setup"}
    assert contract.custom_fields == {"crm": "42"}
    client.v1.custom_fields.set_values(
        entity="commit", entity_id=commit.id, custom_fields={"deal": "renegotiated"}
    )
    again = client.v1.contracts.retrieve(contract_id=contract.id, customer_id=customer).data
    assert again.current.commits[0].custom_fields == {"deal": "renegotiated"}
    package_after = client.v1.packages.retrieve(package_id=package_id).data
    assert package_after.commits[0].custom_fields == {"deal": "launch"}


def test_an_unregistered_custom_field_key_on_a_package_term_is_a_400(
    client: Metronome, tokens: TokenCatalog
) -> None:
    with pytest.raises(metronome.BadRequestError) as error:
        create(client, full_plan(tokens, custom_fields=True))
    assert message_of(error).startswith("commits[0].custom_fields.deal")


def test_the_recurring_credit_grants_ten_dollars_in_each_of_the_first_three_months(
    client: Metronome, tokens: TokenCatalog, customer: str, clock: FixedClock
) -> None:
    package_id = create(client, starter_plan(tokens))
    contract = provision(client, customer, starting_at=at(2025, 10, 1), package_id=package_id)
    (recurring,) = contract.current.recurring_credits or []
    assert recurring.access_amount.credit_type_id == USD
    assert (recurring.starting_at, recurring.ending_before) == (at(2025, 10, 1), at(2026, 1, 1))
    assert recurring.recurrence_frequency == "MONTHLY"
