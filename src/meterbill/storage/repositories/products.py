"""Products and their scheduled updates (custom fields live in ``CustomFieldRepository``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from meterbill.core.catalog import Product, ProductState, ProductType, ProductUpdate
from meterbill.core.pricing import ConversionOperation, QuantityConversion, QuantityRounding
from meterbill.core.rounding import RoundingMethod
from meterbill.storage.pagination import Page, in_creation_order, page_of
from meterbill.storage.tables import product_versions as versions_t
from meterbill.storage.tables import products as products_t

_DESCRIBED_BY_COLUMNS = frozenset({"created_at", "created_by", "starting_at"})
_STATE_FIELDS = [f.name for f in fields(ProductState) if f.name not in _DESCRIBED_BY_COLUMNS]


class ProductRepository:
    """Reads and writes products; a product is its row plus its versions in write order."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, product_id: str, kind: ProductType, initial: ProductState) -> None:
        """Insert a product with its initial state."""
        self._conn.execute(
            insert(products_t).values(id=product_id, type=kind.value, created_at=initial.created_at)
        )
        state = {name: getattr(initial, name) for name in _STATE_FIELDS}
        self._insert_version(product_id, None, initial.created_at, initial.created_by, state)

    def add_update(self, product_id: str, change: ProductUpdate) -> None:
        """Schedule ``change`` on the product."""
        self._insert_version(
            product_id, change.starting_at, change.created_at, change.created_by, change.changes
        )

    def archive(self, product_id: str, archived_at: datetime) -> None:
        self._conn.execute(
            update(products_t).where(products_t.c.id == product_id).values(archived_at=archived_at)
        )

    def get(self, product_id: str, *, for_update: bool = False) -> Product | None:
        query = select(products_t).where(products_t.c.id == product_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        if row is None:
            return None
        return self._assemble([row])[0]

    def get_many(self, product_ids: Iterable[str]) -> dict[str, Product]:
        """The products among ``product_ids`` that exist, by id."""
        wanted = sorted(set(product_ids))
        if not wanted:
            return {}
        rows = list(self._conn.execute(select(products_t).where(products_t.c.id.in_(wanted))))
        return {product.id: product for product in self._assemble(rows)}

    def list_page(self, *, limit: int, cursor: str | None, archive_filter: str) -> Page[Product]:
        """One page in creation order; ``archive_filter`` is ARCHIVED, NOT_ARCHIVED or ALL."""
        query = select(products_t)
        if archive_filter == "ARCHIVED":
            query = query.where(products_t.c.archived_at.is_not(None))
        elif archive_filter == "NOT_ARCHIVED":
            query = query.where(products_t.c.archived_at.is_(None))
        query = in_creation_order(query, products_t, cursor).limit(limit + 1)
        found = self._assemble(list(self._conn.execute(query)))
        return page_of(found, limit, lambda p: [p.initial.created_at.isoformat(), p.id])

    def _insert_version(
        self,
        product_id: str,
        starting_at: datetime | None,
        created_at: datetime,
        created_by: str,
        values: Mapping[str, Any],
    ) -> None:
        self._conn.execute(
            insert(versions_t).values(
                product_id=product_id,
                starting_at=starting_at,
                created_at=created_at,
                created_by=created_by,
                fields=json.dumps({key: _encode(key, value) for key, value in values.items()}),
            )
        )

    def _assemble(self, rows: list[Row[Any]]) -> list[Product]:
        ids = [row.id for row in rows]
        versions: dict[str, list[Row[Any]]] = {}
        if ids:
            query = (
                select(versions_t)
                .where(versions_t.c.product_id.in_(ids))
                .order_by(versions_t.c.product_id, versions_t.c.id)
            )
            for version in self._conn.execute(query):
                versions.setdefault(version.product_id, []).append(version)
        return [_product(row, versions.get(row.id, [])) for row in rows]


def _product(row: Row[Any], versions: list[Row[Any]]) -> Product:
    first, *rest = versions
    initial = ProductState(
        created_at=first.created_at,
        created_by=first.created_by,
        **_decode_fields(first.fields),
    )
    updates = tuple(
        ProductUpdate(
            starting_at=version.starting_at,
            created_at=version.created_at,
            created_by=version.created_by,
            changes=_decode_fields(version.fields),
        )
        for version in rest
    )
    return Product(
        id=row.id,
        type=ProductType(row.type),
        initial=initial,
        updates=updates,
        archived_at=row.archived_at,
    )


def _encode(key: str, value: Any) -> Any:
    """A state field as JSON: tuples as lists, decimals as strings, enums by value."""
    if isinstance(value, QuantityConversion):
        return {
            "conversion_factor": str(value.conversion_factor),
            "operation": value.operation.value,
            "name": value.name,
        }
    if isinstance(value, QuantityRounding):
        return {
            "decimal_places": value.decimal_places,
            "rounding_method": value.rounding_method.value,
        }
    if isinstance(value, tuple):
        return list(value)
    return value


def _decode_fields(text: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(text)
    return {key: _decode(key, value) for key, value in raw.items()}


def _decode(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "quantity_conversion":
        return QuantityConversion(
            conversion_factor=Decimal(value["conversion_factor"]),
            operation=ConversionOperation(value["operation"]),
            name=value.get("name"),
        )
    if key == "quantity_rounding":
        return QuantityRounding(
            decimal_places=int(value["decimal_places"]),
            rounding_method=RoundingMethod(value["rounding_method"]),
        )
    if isinstance(value, list):
        return tuple(value)
    return value
