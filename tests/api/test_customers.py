"""Customers through the official SDK."""

from __future__ import annotations

import metronome
import pytest
from metronome import Metronome
from starlette.testclient import TestClient


def test_create_retrieve_and_list_a_customer(client: Metronome) -> None:
    created = client.v1.customers.create(name="Acme", ingest_aliases=["acme@example.com"])
    assert created.data.name == "Acme"
    assert created.data.ingest_aliases == ["acme@example.com"]
    assert created.data.external_id == "acme@example.com"

    fetched = client.v1.customers.retrieve(customer_id=created.data.id).data
    assert fetched.id == created.data.id
    assert fetched.archived_at is None
    assert fetched.created_at.tzinfo is not None

    listed = list(client.v1.customers.list())
    assert [c.id for c in listed] == [created.data.id]


def test_list_paginates_across_pages_in_creation_order(client: Metronome) -> None:
    ids = [client.v1.customers.create(name=f"c{i}").data.id for i in range(7)]
    first = client.v1.customers.list(limit=3)
    assert len(first.data) == 3
    assert first.next_page
    every = [customer.id for customer in client.v1.customers.list(limit=3)]
    assert sorted(every) == sorted(ids)
    assert len(every) == len(set(every)) == 7


def test_archive_hides_the_customer_and_frees_its_aliases(client: Metronome) -> None:
    first = client.v1.customers.create(name="Old", ingest_aliases=["team-1"]).data
    client.v1.customers.archive(id=first.id)
    assert [c.id for c in client.v1.customers.list()] == []
    archived = list(client.v1.customers.list(only_archived=True))
    assert [c.id for c in archived] == [first.id]
    assert archived[0].archived_at is not None
    second = client.v1.customers.create(name="New", ingest_aliases=["team-1"]).data
    by_alias = list(client.v1.customers.list(ingest_alias="team-1"))
    assert [c.id for c in by_alias] == [second.id]


def test_an_alias_held_by_another_customer_is_a_conflict(client: Metronome) -> None:
    client.v1.customers.create(name="A", ingest_aliases=["shared"])
    with pytest.raises(metronome.ConflictError):
        client.v1.customers.create(name="B", ingest_aliases=["shared"])
    assert len(list(client.v1.customers.list())) == 1


def test_set_name_set_aliases_and_update_config(client: Metronome) -> None:
    customer = client.v1.customers.create(name="Before").data
    renamed = client.v1.customers.set_name(customer_id=customer.id, name="After").data
    assert renamed.name == "After"
    client.v1.customers.set_ingest_aliases(customer_id=customer.id, ingest_aliases=["x", "y"])
    client.v1.customers.update_config(customer_id=customer.id, salesforce_account_id="sf-1")
    detail = client.v1.customers.retrieve(customer_id=customer.id).data
    assert detail.ingest_aliases == ["x", "y"]
    assert detail.customer_config.salesforce_account_id == "sf-1"
    found = list(client.v1.customers.list(salesforce_account_ids=["sf-1"]))
    assert [c.id for c in found] == [customer.id]


def test_filter_by_customer_ids(client: Metronome) -> None:
    a = client.v1.customers.create(name="A").data.id
    client.v1.customers.create(name="B")
    c = client.v1.customers.create(name="C").data.id
    found = {x.id for x in client.v1.customers.list(customer_ids=[a, c])}
    assert found == {a, c}


def test_name_is_truncated_to_160_characters(client: Metronome) -> None:
    created = client.v1.customers.create(name="n" * 200).data
    assert created.name == "n" * 160


def test_unknown_customer_is_404(client: Metronome) -> None:
    with pytest.raises(metronome.NotFoundError):
        client.v1.customers.retrieve(customer_id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(metronome.NotFoundError):
        client.v1.customers.archive(id="nope")


def test_wrong_token_is_401(http: TestClient) -> None:
    bad = Metronome(
        base_url="http://testserver", bearer_token="wrong", http_client=http, max_retries=0
    )
    with pytest.raises(metronome.AuthenticationError) as error:
        bad.v1.customers.create(name="x")
    assert "token" in error.value.body["message"]  # type: ignore[index]
    response = http.get("/v1/customers")
    assert response.status_code == 401
    assert "message" in response.json()


def test_missing_required_field_names_the_field(http: TestClient, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    response = http.post("/v1/customers", json={}, headers=headers)
    assert response.status_code == 400
    assert "name" in response.json()["message"]


def test_wrong_type_names_the_field(http: TestClient, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    response = http.post("/v1/customers", json={"name": 42}, headers=headers)
    assert response.status_code == 400
    assert response.json()["message"].startswith("name:")
    response = http.post(
        "/v1/customers", json={"name": "x", "ingest_aliases": "not-a-list"}, headers=headers
    )
    assert response.status_code == 400
    assert "ingest_aliases" in response.json()["message"]


def test_malformed_json_is_400(http: TestClient, token: str) -> None:
    response = http.post(
        "/v1/customers",
        content=b'{"name": ',
        headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


def test_unknown_field_is_refused_by_name_and_nothing_is_stored(
    http: TestClient, token: str, client: Metronome
) -> None:
    response = http.post(
        "/v1/customers",
        json={"name": "x", "favourite_colour": "blue"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert "favourite_colour" in response.json()["message"]
    assert list(client.v1.customers.list()) == []


def test_limit_out_of_range_is_400(client: Metronome) -> None:
    with pytest.raises(metronome.BadRequestError):
        client.v1.customers.list(limit=0)
    with pytest.raises(metronome.BadRequestError):
        client.v1.customers.list(limit=101)


def test_a_forged_cursor_is_400(client: Metronome) -> None:
    with pytest.raises(metronome.BadRequestError):
        client.v1.customers.list(next_page="not-a-cursor")


def test_unknown_route_is_404_with_a_message(http: TestClient, token: str) -> None:
    response = http.get("/v1/nothing-here", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.json() == {"message": "Not found"}


def test_healthz_needs_no_token(http: TestClient) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
