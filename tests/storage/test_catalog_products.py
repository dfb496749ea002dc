"""Product repository on both backends: versions round-trip exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

from sqlalchemy import Engine

from meterbill.core.catalog import ProductState, ProductType, ProductUpdate
from meterbill.core.pricing import (
    ConversionOperation,
    QuantityConversion,
    QuantityRounding,
)
from meterbill.core.rounding import RoundingMethod
from meterbill.storage.uow import UnitOfWork

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_product_and_its_updates_round_trip(engine: Engine) -> None:
    initial = ProductState(
        name="Bytes",
        created_at=T0,
        created_by="api",
        billable_metric_id="m",
        pricing_group_key=("region",),
        quantity_conversion=QuantityConversion(
            Decimal("12345678901234567.123456789012"), ConversionOperation.DIVIDE, "B->GB"
        ),
        quantity_rounding=QuantityRounding(2, RoundingMethod.ROUND_HALF_UP),
        tags=("a", "b"),
    )
    change = ProductUpdate(
        datetime(2026, 3, 1, tzinfo=UTC),
        T0,
        "api",
        MappingProxyType({"name": "GB", "quantity_conversion": None, "tags": ("c",)}),
    )
    with UnitOfWork(engine) as uow:
        uow.products.add("p1", ProductType.USAGE, initial)
        uow.products.add_update("p1", change)
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        product = uow.products.get("p1")
    assert product is not None
    assert product.type is ProductType.USAGE
    assert product.initial == initial
    assert product.updates == (change,)
    assert product.state_at(datetime(2026, 3, 1, tzinfo=UTC)).quantity_conversion is None


def test_list_filters_by_archive_state(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        for ident in ("a", "b"):
            uow.products.add(ident, ProductType.FIXED, ProductState(ident, T0, "api"))
        uow.products.archive("b", T0)
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        active = uow.products.list_page(limit=10, cursor=None, archive_filter="NOT_ARCHIVED")
        archived = uow.products.list_page(limit=10, cursor=None, archive_filter="ARCHIVED")
        every = uow.products.list_page(limit=1, cursor=None, archive_filter="ALL")
        rest = uow.products.list_page(limit=1, cursor=every.next_cursor, archive_filter="ALL")
    assert [p.id for p in active.items] == ["a"]
    assert [p.id for p in archived.items] == ["b"]
    assert [p.id for p in every.items + rest.items] == ["a", "b"]
    assert rest.next_cursor is None
