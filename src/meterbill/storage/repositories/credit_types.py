"""Pricing units (credit types)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from meterbill.core.credit_types import CreditType
from meterbill.storage.pagination import Page, decode_cursor, page_of
from meterbill.storage.tables import credit_types as credit_types_t


class CreditTypeRepository:
    """Built-in fiat units come first (Metronome's order), then custom ones by creation."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def get(self, credit_type_id: str) -> CreditType | None:
        row = self._conn.execute(
            select(credit_types_t).where(credit_types_t.c.id == credit_type_id)
        ).first()
        return _from_row(row) if row is not None else None

    def add_custom(self, credit_type_id: str, name: str, created_at: datetime) -> None:
        next_key = self._conn.execute(select(func.max(credit_types_t.c.sort_key))).scalar_one()
        self._conn.execute(
            insert(credit_types_t).values(
                id=credit_type_id,
                name=name,
                is_currency=False,
                sort_key=int(next_key or 0) + 1,
                created_at=created_at,
            )
        )

    def archive(self, credit_type_id: str, archived_at: datetime) -> None:
        self._conn.execute(
            update(credit_types_t)
            .where(credit_types_t.c.id == credit_type_id)
            .values(archived_at=archived_at)
        )

    def list_page(self, *, limit: int, cursor: str | None) -> Page[CreditType]:
        """One page of unarchived pricing units."""
        query = select(credit_types_t).where(credit_types_t.c.archived_at.is_(None))
        if cursor is not None:
            (after,) = decode_cursor(cursor, 1)
            if not isinstance(after, int):
                after = -1
            query = query.where(credit_types_t.c.sort_key > after)
        rows = list(self._conn.execute(query.order_by(credit_types_t.c.sort_key).limit(limit + 1)))
        keyed = [(row.sort_key, _from_row(row)) for row in rows]
        page = page_of(keyed, limit, lambda item: [item[0]])
        return Page([item for _, item in page.items], page.next_cursor)


def _from_row(row: Row[Any]) -> CreditType:
    return CreditType(
        id=row.id, name=row.name, is_currency=row.is_currency, archived_at=row.archived_at
    )
