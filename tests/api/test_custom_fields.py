"""Custom fields through the SDK: keys per entity, values checked against them."""

from __future__ import annotations

import metronome
import pytest
from metronome import Metronome


def test_values_need_a_registered_key(client: Metronome) -> None:
    customer = client.v1.customers.create(name="Acme").data.id
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.custom_fields.set_values(
            entity="customer", entity_id=customer, custom_fields={"region": "eu"}
        )
    assert "region" in str(error.value)
    client.v1.custom_fields.add_key(entity="customer", key="region", enforce_uniqueness=False)
    client.v1.custom_fields.set_values(
        entity="customer", entity_id=customer, custom_fields={"region": "eu"}
    )
    assert client.v1.customers.retrieve(customer_id=customer).data.custom_fields == {"region": "eu"}


def test_set_values_overwrites_given_keys_and_keeps_others(client: Metronome) -> None:
    for key in ("a", "b"):
        client.v1.custom_fields.add_key(entity="customer", key=key, enforce_uniqueness=False)
    customer = client.v1.customers.create(name="C", custom_fields={"a": "1", "b": "2"}).data.id
    client.v1.custom_fields.set_values(
        entity="customer", entity_id=customer, custom_fields={"b": "3"}
    )
    fields = client.v1.customers.retrieve(customer_id=customer).data.custom_fields
    assert fields == {"a": "1", "b": "3"}
    client.v1.custom_fields.delete_values(entity="customer", entity_id=customer, keys=["a"])
    assert client.v1.customers.retrieve(customer_id=customer).data.custom_fields == {"b": "3"}


def test_set_values_is_all_or_nothing(client: Metronome) -> None:
    client.v1.custom_fields.add_key(entity="customer", key="ok", enforce_uniqueness=False)
    customer = client.v1.customers.create(name="C").data.id
    with pytest.raises(metronome.BadRequestError):
        client.v1.custom_fields.set_values(
            entity="customer", entity_id=customer, custom_fields={"ok": "1", "nope": "2"}
        )
    assert client.v1.customers.retrieve(customer_id=customer).data.custom_fields == {}


def test_enforce_uniqueness_refuses_a_second_holder(client: Metronome) -> None:
    client.v1.custom_fields.add_key(entity="customer", key="crm_id", enforce_uniqueness=True)
    first = client.v1.customers.create(name="A", custom_fields={"crm_id": "42"}).data.id
    second = client.v1.customers.create(name="B").data.id
    with pytest.raises(metronome.ConflictError):
        client.v1.custom_fields.set_values(
            entity="customer", entity_id=second, custom_fields={"crm_id": "42"}
        )
    with pytest.raises(metronome.ConflictError):
        client.v1.customers.create(name="C", custom_fields={"crm_id": "42"})
    # The holder itself may set the same value again.
    client.v1.custom_fields.set_values(
        entity="customer", entity_id=first, custom_fields={"crm_id": "42"}
    )


def test_values_are_limited_to_200_characters(client: Metronome) -> None:
    client.v1.custom_fields.add_key(entity="customer", key="note", enforce_uniqueness=False)
    with pytest.raises(metronome.BadRequestError):
        client.v1.customers.create(name="C", custom_fields={"note": "x" * 201})


def test_list_keys_filters_by_entity_and_remove_key(client: Metronome) -> None:
    client.v1.custom_fields.add_key(entity="customer", key="k1", enforce_uniqueness=False)
    client.v1.custom_fields.add_key(entity="package_commit", key="k2", enforce_uniqueness=True)
    every = {(k.entity, k.key) for k in client.v1.custom_fields.list_keys()}
    assert every == {("customer", "k1"), ("package_commit", "k2")}
    only = list(client.v1.custom_fields.list_keys(entities=["package_commit"]))
    assert [(k.key, k.enforce_uniqueness) for k in only] == [("k2", True)]
    client.v1.custom_fields.remove_key(entity="customer", key="k1")
    assert {k.key for k in client.v1.custom_fields.list_keys()} == {"k2"}
    with pytest.raises(metronome.NotFoundError):
        client.v1.custom_fields.remove_key(entity="customer", key="k1")


def test_adding_the_same_key_twice_is_a_conflict(client: Metronome) -> None:
    client.v1.custom_fields.add_key(entity="contract", key="k", enforce_uniqueness=False)
    with pytest.raises(metronome.ConflictError):
        client.v1.custom_fields.add_key(entity="contract", key="k", enforce_uniqueness=False)


def test_values_on_an_unknown_entity_are_404(client: Metronome) -> None:
    client.v1.custom_fields.add_key(entity="customer", key="k", enforce_uniqueness=False)
    with pytest.raises(metronome.NotFoundError):
        client.v1.custom_fields.set_values(
            entity="customer", entity_id="missing", custom_fields={"k": "v"}
        )


def test_package_term_fields_cannot_be_changed_directly(client: Metronome) -> None:
    client.v1.custom_fields.add_key(entity="package_commit", key="k", enforce_uniqueness=False)
    with pytest.raises(metronome.BadRequestError):
        client.v1.custom_fields.set_values(
            entity="package_commit", entity_id="any", custom_fields={"k": "v"}
        )


def test_entity_names_are_accepted_in_any_case(client: Metronome) -> None:
    client.v1.custom_fields.add_key(
        entity="CUSTOMER",  # type: ignore[arg-type]
        key="k",
        enforce_uniqueness=False,
    )
    assert [k.entity for k in client.v1.custom_fields.list_keys()] == ["customer"]
