"""Products: scheduled updates and what each type allows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

import pytest

from meterbill.core.catalog import (
    MetricFacts,
    Product,
    ProductState,
    ProductType,
    ProductUpdate,
    check_product_state,
    require_hour_aligned,
    states_from,
)
from meterbill.core.errors import DomainValidationError
from meterbill.core.pricing import ConversionOperation, QuantityConversion

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(month: int) -> datetime:
    return datetime(2026, month, 1, tzinfo=UTC)


def state(**fields: object) -> ProductState:
    return ProductState(name="p", created_at=T0, created_by="api", **fields)  # type: ignore[arg-type]


def update(month: int, **changes: object) -> ProductUpdate:
    return ProductUpdate(at(month), T0, "api", MappingProxyType(changes))


def test_each_update_applies_from_its_starting_at_keeping_fields_it_omits() -> None:
    product = Product(
        "p1",
        ProductType.USAGE,
        state(billable_metric_id="m", tags=("a",)),
        (update(3, name="v2"), update(6, tags=("b",))),
    )
    assert product.state_at(at(2)).name == "p"
    assert product.state_at(at(3)).name == "v2"
    assert product.state_at(at(3)).tags == ("a",)
    assert product.state_at(at(7)).tags == ("b",)
    assert product.state_at(at(7)).billable_metric_id == "m"
    assert product.state_at(at(7)).starting_at == at(6)


def test_a_retroactive_update_written_later_still_applies_in_time_order() -> None:
    product = Product(
        "p1", ProductType.FIXED, state(), (update(6, name="june"), update(3, name="march"))
    )
    assert product.state_at(at(4)).name == "march"
    assert product.state_at(at(7)).name == "june"


def test_states_from_lists_every_state_after_an_instant() -> None:
    product = Product("p1", ProductType.FIXED, state(), (update(6, name="june"),))
    assert [s.name for s in states_from(product, at(2))] == ["p", "june"]


def test_usage_products_need_a_metric() -> None:
    with pytest.raises(DomainValidationError, match=r"^billable_metric_id:"):
        check_product_state(ProductType.USAGE, state(), None)


def test_composite_products_need_ids_or_tags() -> None:
    with pytest.raises(DomainValidationError, match=r"^composite_product_ids:"):
        check_product_state(ProductType.COMPOSITE, state(), None)
    check_product_state(ProductType.COMPOSITE, state(composite_tags=("usage",)), None)


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        (ProductType.FIXED, {"pricing_group_key": ("region",)}, "pricing_group_key"),
        (ProductType.SUBSCRIPTION, {"exclude_free_usage": True}, "exclude_free_usage"),
        (
            ProductType.USAGE,
            {"billable_metric_id": "m", "composite_tags": ("x",)},
            "composite_tags",
        ),
        (
            ProductType.PRO_SERVICE,
            {"quantity_conversion": QuantityConversion(Decimal(2), ConversionOperation.DIVIDE)},
            "quantity_conversion",
        ),
    ],
)
def test_fields_of_another_type_are_refused(
    kind: ProductType, fields: dict[str, object], field: str
) -> None:
    with pytest.raises(DomainValidationError, match=rf"^{field}:"):
        check_product_state(kind, state(**fields), None)


def test_group_keys_together_must_be_one_group_key_of_the_metric() -> None:
    metric = MetricFacts("m", group_keys=(("region",), ("region", "az")))
    usage = {"billable_metric_id": "m"}
    check_product_state(ProductType.USAGE, state(**usage, pricing_group_key=("region",)), metric)
    check_product_state(
        ProductType.USAGE,
        state(**usage, pricing_group_key=("region",), presentation_group_key=("az",)),
        metric,
    )
    with pytest.raises(DomainValidationError, match=r"^pricing_group_key:"):
        check_product_state(ProductType.USAGE, state(**usage, pricing_group_key=("az",)), metric)


def test_unknown_group_keys_are_not_checked() -> None:
    unknown = MetricFacts("m", group_keys=None)
    fields = {"billable_metric_id": "m", "pricing_group_key": ("anything",)}
    check_product_state(ProductType.USAGE, state(**fields), unknown)


def test_professional_service_is_an_alias_of_pro_service() -> None:
    assert ProductType.parse("professional_service") is ProductType.PRO_SERVICE
    assert ProductType.parse("usage") is ProductType.USAGE


def test_updates_start_on_an_hour() -> None:
    require_hour_aligned(datetime(2026, 1, 1, 13, tzinfo=UTC), "starting_at")
    with pytest.raises(DomainValidationError, match=r"^starting_at:"):
        require_hour_aligned(datetime(2026, 1, 1, 13, 30, tzinfo=UTC), "starting_at")
