"""Billable metrics through the official SDK."""

from __future__ import annotations

import metronome
import pytest
from metronome import Metronome
from starlette.testclient import TestClient


def _api_calls(client: Metronome, name: str = "API calls") -> str:
    return client.v1.billable_metrics.create(
        name=name,
        aggregation_type="COUNT",
        event_type_filter={"in_values": ["api_request"]},
        property_filters=[
            {"name": "status", "exists": True, "in_values": ["success"]},
            {"name": "user_id", "exists": True},
        ],
        group_keys=[["user_id"], ["region", "team"]],
    ).data.id


def test_a_metric_round_trips(client: Metronome) -> None:
    metric_id = _api_calls(client)
    metric = client.v1.billable_metrics.retrieve(billable_metric_id=metric_id).data
    assert metric.name == "API calls"
    assert metric.aggregation_type == "COUNT"
    assert metric.event_type_filter is not None
    assert metric.event_type_filter.in_values == ["api_request"]
    assert metric.event_type_filter.not_in_values is None
    assert metric.property_filters is not None
    assert [(f.name, f.exists, f.in_values) for f in metric.property_filters] == [
        ("status", True, ["success"]),
        ("user_id", True, None),
    ]
    assert metric.group_keys == [["user_id"], ["region", "team"]]
    assert metric.archived_at is None
    assert metric.sql is None


def test_sum_metric_with_aggregation_key(client: Metronome) -> None:
    metric_id = client.v1.billable_metrics.create(
        name="Bytes",
        aggregation_type="sum",
        aggregation_key="bytes",
        property_filters=[{"name": "bytes", "exists": True}],
    ).data.id
    metric = client.v1.billable_metrics.retrieve(billable_metric_id=metric_id).data
    assert metric.aggregation_type == "SUM"
    assert metric.aggregation_key == "bytes"


def test_an_aggregation_key_must_be_a_property_filter(client: Metronome) -> None:
    with pytest.raises(metronome.BadRequestError) as caught:
        client.v1.billable_metrics.create(
            name="Bytes", aggregation_type="SUM", aggregation_key="bytes"
        )
    assert "aggregation key must be one of the property filter names" in str(caught.value)
    assert list(client.v1.billable_metrics.list()) == []


def test_sql_metrics_are_refused_naming_the_field(client: Metronome) -> None:
    with pytest.raises(metronome.BadRequestError) as caught:
        client.v1.billable_metrics.create(name="SQL", sql="select count(*) from events")
    assert "sql:" in str(caught.value)


def test_list_hides_archived_metrics_unless_asked(client: Metronome) -> None:
    kept = _api_calls(client, "kept")
    gone = _api_calls(client, "gone")
    assert client.v1.billable_metrics.archive(id=gone).data.id == gone
    assert [m.id for m in client.v1.billable_metrics.list()] == [kept]
    every = {m.id: m for m in client.v1.billable_metrics.list(include_archived=True)}
    assert set(every) == {kept, gone}
    assert every[gone].archived_at is not None
    assert every[kept].archived_at is None


def test_list_pages(client: Metronome) -> None:
    ids = [_api_calls(client, f"m{i}") for i in range(5)]
    first = client.v1.billable_metrics.list(limit=2)
    assert len(first.data) == 2
    assert first.next_page
    listed = [m.id for m in client.v1.billable_metrics.list(limit=2)]
    assert sorted(listed) == sorted(ids)
    assert len(listed) == 5


def test_update_changes_the_name_only(client: Metronome) -> None:
    metric_id = _api_calls(client)
    updated = client.v1.billable_metrics.update(billable_metric_id=metric_id, name="Renamed")
    assert updated.data.id == metric_id
    metric = client.v1.billable_metrics.retrieve(billable_metric_id=metric_id).data
    assert metric.name == "Renamed"
    assert metric.aggregation_type == "COUNT"


def test_other_fields_cannot_be_updated(http: TestClient, token: str, client: Metronome) -> None:
    metric_id = _api_calls(client)
    answer = http.put(
        f"/v1/billable-metrics/{metric_id}",
        json={"name": "x", "aggregation_type": "SUM"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400
    assert "aggregation_type" in answer.json()["message"]


def test_unknown_metric_is_404(client: Metronome) -> None:
    with pytest.raises(metronome.NotFoundError):
        client.v1.billable_metrics.retrieve(billable_metric_id="nope")
    with pytest.raises(metronome.NotFoundError):
        client.v1.billable_metrics.archive(id="nope")


def test_custom_fields_are_stored_and_settable(client: Metronome) -> None:
    client.v1.custom_fields.add_key(entity="billable_metric", key="team", enforce_uniqueness=False)
    metric_id = client.v1.billable_metrics.create(
        name="Seats", aggregation_type="COUNT", custom_fields={"team": "core"}
    ).data.id
    created = client.v1.billable_metrics.retrieve(billable_metric_id=metric_id).data
    assert created.custom_fields == {"team": "core"}
    client.v1.custom_fields.set_values(
        entity="billable_metric", entity_id=metric_id, custom_fields={"team": "infra"}
    )
    listed = list(client.v1.billable_metrics.list())
    assert listed[0].custom_fields == {"team": "infra"}


def test_unregistered_custom_field_is_refused(client: Metronome) -> None:
    with pytest.raises(metronome.BadRequestError):
        client.v1.billable_metrics.create(
            name="Seats", aggregation_type="COUNT", custom_fields={"nope": "x"}
        )


def test_a_customers_billable_metrics(client: Metronome) -> None:
    metric_id = _api_calls(client)
    customer = client.v1.customers.create(name="Acme").data
    listed = list(client.v1.customers.list_billable_metrics(customer_id=customer.id))
    assert [m.id for m in listed] == [metric_id]
    with pytest.raises(metronome.NotFoundError):
        list(client.v1.customers.list_billable_metrics(customer_id="nobody"))


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"aggregation_type": "COUNT", "event_type_filter": {}}, "event_type_filter"),
        ({"aggregation_type": "COUNT", "group_keys": [[]]}, "group_keys[0]"),
        ({"aggregation_type": "MAX"}, "aggregation_key"),
        ({}, "aggregation_type"),
    ],
)
def test_invalid_definitions_are_400_naming_the_field(
    client: Metronome, fields: dict[str, object], named: str
) -> None:
    with pytest.raises(metronome.BadRequestError) as caught:
        client.v1.billable_metrics.create(name="bad", **fields)  # type: ignore[arg-type]
    assert named in str(caught.value)
