"""Products through the official SDK: types, scheduled updates, archive, invalid combinations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import metronome
import pytest
from metronome import Metronome
from sqlalchemy import Engine
from starlette.testclient import TestClient

from meterbill.clock import FixedClock
from meterbill.core.catalog import MetricFacts
from meterbill.core.metering import AggregationType, BillableMetricDefinition
from meterbill.services import products as product_service
from meterbill.storage.repositories.billable_metrics import BillableMetric
from meterbill.storage.uow import UnitOfWork
from tests.conftest import START

METRIC = "00000000-0000-4000-8000-00000000aaaa"


def at(month: int, day: int = 1, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def post(http: TestClient, token: str, path: str, body: str) -> Any:
    """A raw call with a JSON text body, answer parsed exactly (decimals as ``Decimal``)."""
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    response = http.post(path, content=body, headers=headers)
    return response.status_code, json.loads(response.text, parse_float=Decimal)


def message_of(error: pytest.ExceptionInfo[metronome.APIStatusError]) -> str:
    body = error.value.body
    assert isinstance(body, dict)
    return str(body["message"])


def store_metric(engine: Engine, metric_id: str, *group_keys: tuple[str, ...]) -> None:
    """A billable metric as metering stores it (its API is another area's)."""
    definition = BillableMetricDefinition(AggregationType.COUNT, group_keys=group_keys)
    with UnitOfWork(engine) as uow:
        uow.billable_metrics.add(BillableMetric(metric_id, metric_id, definition, START))
        uow.commit()


@pytest.fixture
def metrics(engine: Engine) -> None:
    """One stored billable metric, ``METRIC``, with group keys region and (region, tier)."""
    store_metric(engine, METRIC, ("region",), ("region", "tier"))


def test_create_and_retrieve_a_usage_product_with_every_field(
    client: Metronome, metrics: None
) -> None:
    created = client.v1.contracts.products.create(
        name="API calls",
        type="usage",  # type: ignore[arg-type]  # enums are case-insensitive on input
        billable_metric_id=METRIC,
        pricing_group_key=["region"],
        presentation_group_key=["tier"],
        quantity_conversion={"conversion_factor": 1024, "operation": "DIVIDE", "name": "MB->GB"},
        quantity_rounding={"decimal_places": 0, "rounding_method": "ROUND_UP"},
        tags=["usage", "api"],
        is_refundable=False,
        netsuite_internal_item_id="ns-1",
        netsuite_overage_item_id="ns-2",
        sql_breakdown_granularity="HOUR",
    )
    product = client.v1.contracts.products.retrieve(id=created.data.id).data
    assert product.type == "USAGE"
    assert product.current.name == "API calls"
    assert product.current.billable_metric_id == METRIC
    assert product.current.pricing_group_key == ["region"]
    assert product.current.presentation_group_key == ["tier"]
    assert product.current.quantity_conversion is not None
    assert product.current.quantity_conversion.operation == "DIVIDE"
    assert product.current.quantity_rounding is not None
    assert product.current.quantity_rounding.rounding_method == "ROUND_UP"
    assert product.current.tags == ["usage", "api"]
    assert product.current.is_refundable is False
    assert product.current.netsuite_internal_item_id == "ns-1"
    assert product.current.netsuite_overage_item_id == "ns-2"
    assert product.initial == product.current
    assert product.updates == []


def test_professional_service_is_stored_as_pro_service(client: Metronome) -> None:
    created = client.v1.contracts.products.create(name="Onboarding", type="PROFESSIONAL_SERVICE")
    assert client.v1.contracts.products.retrieve(id=created.data.id).data.type == "PRO_SERVICE"


def test_composite_product_takes_ids_and_tags(client: Metronome) -> None:
    fixed = client.v1.contracts.products.create(name="Seats", type="SUBSCRIPTION").data.id
    composite = client.v1.contracts.products.create(
        name="Support",
        type="COMPOSITE",
        composite_product_ids=[fixed],
        composite_tags=["usage"],
        exclude_free_usage=True,
    ).data.id
    current = client.v1.contracts.products.retrieve(id=composite).data.current
    assert current.composite_product_ids == [fixed]
    assert current.composite_tags == ["usage"]
    assert current.exclude_free_usage is True


def test_a_scheduled_update_shows_initial_current_and_updates(
    client: Metronome, clock: FixedClock, metrics: None
) -> None:
    product_id = client.v1.contracts.products.create(
        name="Calls", type="USAGE", billable_metric_id=METRIC, tags=["a"]
    ).data.id
    client.v1.contracts.products.update(
        product_id=product_id, starting_at=at(3), name="Calls v2", tags=["b"]
    )
    before = client.v1.contracts.products.retrieve(id=product_id).data
    assert before.current.name == "Calls"
    assert before.initial.name == "Calls"
    assert len(before.updates) == 1
    assert before.updates[0].name == "Calls v2"
    assert before.updates[0].starting_at == at(3)
    assert before.updates[0].billable_metric_id is None  # only the changed fields

    clock.set(at(3))
    after = client.v1.contracts.products.retrieve(id=product_id).data
    assert after.current.name == "Calls v2"
    assert after.current.tags == ["b"]
    assert after.current.billable_metric_id == METRIC  # omitted fields keep their value
    assert after.current.starting_at == at(3)


def test_update_starting_at_must_be_on_an_hour(client: Metronome) -> None:
    product_id = client.v1.contracts.products.create(name="X", type="FIXED").data.id
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.products.update(
            product_id=product_id, starting_at="2026-03-01T10:30:00Z", name="Y"
        )
    assert message_of(error).startswith("starting_at:")
    assert client.v1.contracts.products.retrieve(id=product_id).data.updates == []


def test_a_usage_product_without_a_metric_is_refused_and_nothing_is_stored(
    client: Metronome,
) -> None:
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.products.create(name="Calls", type="USAGE")
    assert message_of(error).startswith("billable_metric_id:")
    assert list(client.v1.contracts.products.list(archive_filter="ALL")) == []


def test_an_unknown_metric_is_refused(client: Metronome, metrics: None) -> None:
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.products.create(name="Calls", type="USAGE", billable_metric_id="nope")
    assert "billable_metric_id" in message_of(error)


def test_group_keys_must_be_one_group_key_of_the_metric(client: Metronome, metrics: None) -> None:
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.products.create(
            name="Calls", type="USAGE", billable_metric_id=METRIC, pricing_group_key=["zone"]
        )
    assert message_of(error).startswith("pricing_group_key:")
    ok = client.v1.contracts.products.create(
        name="Calls",
        type="USAGE",
        billable_metric_id=METRIC,
        pricing_group_key=["region"],
        presentation_group_key=["tier"],
    )
    assert ok.data.id


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"type": "FIXED", "billable_metric_id": METRIC}, "billable_metric_id"),
        ({"type": "SUBSCRIPTION", "composite_tags": ["x"]}, "composite_tags"),
        ({"type": "COMPOSITE"}, "composite_product_ids"),
        (
            {
                "type": "FIXED",
                "quantity_conversion": {"conversion_factor": 2, "operation": "MULTIPLY"},
            },
            "quantity_conversion",
        ),
    ],
)
def test_fields_of_another_type_are_refused_by_name(
    client: Metronome, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.products.create(name="P", **kwargs)
    assert message_of(error).startswith(f"{field}:")


def test_a_zero_conversion_factor_is_refused(client: Metronome, metrics: None) -> None:
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.products.create(
            name="P",
            type="USAGE",
            billable_metric_id=METRIC,
            quantity_conversion={"conversion_factor": 0, "operation": "DIVIDE"},
        )
    assert message_of(error).startswith("quantity_conversion.conversion_factor:")


def test_an_update_that_breaks_the_product_changes_nothing(
    client: Metronome, metrics: None
) -> None:
    product_id = client.v1.contracts.products.create(
        name="Calls", type="USAGE", billable_metric_id=METRIC
    ).data.id
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.products.update(
            product_id=product_id, starting_at=at(2), composite_tags=["x"]
        )
    assert message_of(error).startswith("composite_tags:")
    assert client.v1.contracts.products.retrieve(id=product_id).data.updates == []


def test_archive_is_irreversible_and_filters_the_list(client: Metronome) -> None:
    kept = client.v1.contracts.products.create(name="Kept", type="FIXED").data.id
    gone = client.v1.contracts.products.create(name="Gone", type="FIXED").data.id
    client.v1.contracts.products.archive(product_id=gone)
    assert [p.id for p in client.v1.contracts.products.list()] == [kept]
    assert [p.id for p in client.v1.contracts.products.list(archive_filter="ARCHIVED")] == [gone]
    assert len(list(client.v1.contracts.products.list(archive_filter="ALL"))) == 2
    archived = client.v1.contracts.products.retrieve(id=gone).data
    assert archived.archived_at is not None
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.products.update(product_id=gone, starting_at=at(2), name="Back")
    assert "archived" in message_of(error)


def test_list_paginates(client: Metronome) -> None:
    ids = [
        client.v1.contracts.products.create(name=f"p{i}", type="FIXED").data.id for i in range(5)
    ]
    first = client.v1.contracts.products.list(limit=2)
    assert len(first.data) == 2
    assert first.next_page
    assert sorted(p.id for p in client.v1.contracts.products.list(limit=2)) == sorted(ids)


def test_custom_fields_are_stored_and_settable_later(client: Metronome) -> None:
    client.v1.custom_fields.add_key(entity="product", key="sku", enforce_uniqueness=False)
    product_id = client.v1.contracts.products.create(
        name="P", type="FIXED", custom_fields={"sku": "A-1"}
    ).data.id
    assert client.v1.contracts.products.retrieve(id=product_id).data.custom_fields == {"sku": "A-1"}
    client.v1.custom_fields.set_values(
        entity="product", entity_id=product_id, custom_fields={"sku": "A-2"}
    )
    assert client.v1.contracts.products.retrieve(id=product_id).data.custom_fields == {"sku": "A-2"}
    with pytest.raises(metronome.BadRequestError):
        client.v1.contracts.products.create(name="Q", type="FIXED", custom_fields={"nope": "x"})


def test_quantity_conversion_factor_is_exact(http: TestClient, token: str, metrics: None) -> None:
    status, created = post(
        http,
        token,
        "/v1/contract-pricing/products/create",
        f'{{"name": "Bytes", "type": "USAGE", "billable_metric_id": "{METRIC}", '
        '"quantity_conversion": {"conversion_factor": 1.000000000000000000001, '
        '"operation": "MULTIPLY"}}',
    )
    assert status == 200
    body = json.dumps({"id": created["data"]["id"]})
    _, product = post(http, token, "/v1/contract-pricing/products/get", body)
    factor = product["data"]["current"]["quantity_conversion"]["conversion_factor"]
    assert factor == Decimal("1.000000000000000000001")


def test_unknown_product_is_404(client: Metronome) -> None:
    with pytest.raises(metronome.NotFoundError):
        client.v1.contracts.products.retrieve(id="nope")
    with pytest.raises(metronome.NotFoundError):
        client.v1.contracts.products.archive(product_id="nope")


def test_the_metric_lookup_can_be_replaced(client: Metronome) -> None:
    """The seam other stores (or tests) use: ``set_metric_lookup``."""

    def lookup(_uow: UnitOfWork, metric_id: str) -> MetricFacts | None:
        return MetricFacts(metric_id, group_keys=None) if metric_id == "elsewhere" else None

    previous = product_service.set_metric_lookup(lookup)
    try:
        created = client.v1.contracts.products.create(
            name="P", type="USAGE", billable_metric_id="elsewhere", pricing_group_key=["any"]
        )
        assert created.data.id
    finally:
        product_service.set_metric_lookup(previous)


def test_an_archived_metric_is_refused_for_a_new_product(client: Metronome, engine: Engine) -> None:
    store_metric(engine, "old-metric")
    with UnitOfWork(engine) as uow:
        uow.billable_metrics.archive("old-metric", START)
        uow.commit()
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.products.create(name="P", type="USAGE", billable_metric_id="old-metric")
    assert message_of(error).startswith("billable_metric_id:")
