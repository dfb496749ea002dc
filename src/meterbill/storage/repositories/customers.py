"""Customers and their ingest aliases."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from meterbill.core.customers import Customer
from meterbill.storage.pagination import Page, in_creation_order, page_of
from meterbill.storage.tables import customer_ingest_aliases as aliases_t
from meterbill.storage.tables import customers as customers_t


class CustomerRepository:
    """Reads and writes customers; custom fields live in ``CustomFieldRepository``."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, customer: Customer) -> None:
        """Insert ``customer`` and its aliases (the caller checked alias availability)."""
        self._conn.execute(insert(customers_t).values(**_to_row(customer)))
        self._insert_aliases(customer.id, customer.ingest_aliases)

    def get(self, customer_id: str, *, for_update: bool = False) -> Customer | None:
        """The customer with ``customer_id``, or ``None``."""
        query = select(customers_t).where(customers_t.c.id == customer_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        if row is None:
            return None
        return _from_row(row, self._aliases_of([customer_id]).get(customer_id, ()))

    def lock(self, customer_ids: Iterable[str]) -> None:
        """Row-lock the customers until the transaction ends (PostgreSQL; SQLite serialises
        writers), in id order so that concurrent lockers of overlapping sets cannot deadlock."""
        wanted = sorted(set(customer_ids))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = (
                select(customers_t.c.id)
                .where(customers_t.c.id.in_(chunk))
                .order_by(customers_t.c.id)
                .with_for_update()
            )
            self._conn.execute(query).all()

    def list_page(
        self,
        *,
        limit: int,
        cursor: str | None,
        customer_ids: Sequence[str] | None = None,
        ingest_alias: str | None = None,
        only_archived: bool = False,
        salesforce_account_ids: Sequence[str] | None = None,
    ) -> Page[Customer]:
        """One page in creation order; active customers unless ``only_archived``."""
        query = select(customers_t)
        if only_archived:
            query = query.where(customers_t.c.archived_at.is_not(None))
        else:
            query = query.where(customers_t.c.archived_at.is_(None))
        if customer_ids is not None:
            query = query.where(customers_t.c.id.in_(list(customer_ids)))
        if salesforce_account_ids is not None:
            query = query.where(
                customers_t.c.salesforce_account_id.in_(list(salesforce_account_ids))
            )
        if ingest_alias is not None:
            holders = select(aliases_t.c.customer_id).where(aliases_t.c.alias == ingest_alias)
            query = query.where(customers_t.c.id.in_(holders))
        query = in_creation_order(query, customers_t, cursor).limit(limit + 1)
        rows = list(self._conn.execute(query))
        aliases = self._aliases_of([row.id for row in rows])
        found = [_from_row(row, aliases.get(row.id, ())) for row in rows]
        return page_of(found, limit, lambda c: [c.created_at.isoformat(), c.id])

    def update_fields(self, customer_id: str, updated_at: datetime, **values: Any) -> None:
        """Set plain columns (name, salesforce_account_id, archived_at, ...)."""
        self._conn.execute(
            update(customers_t)
            .where(customers_t.c.id == customer_id)
            .values(updated_at=updated_at, **values)
        )

    def replace_aliases(self, customer_id: str, aliases: Iterable[str]) -> None:
        """Replace the whole alias set of ``customer_id``."""
        self._conn.execute(delete(aliases_t).where(aliases_t.c.customer_id == customer_id))
        self._insert_aliases(customer_id, tuple(aliases))

    def deactivate_aliases(self, customer_id: str) -> None:
        """Free the aliases of an archived customer for others (they stay on its record)."""
        self._conn.execute(
            update(aliases_t).where(aliases_t.c.customer_id == customer_id).values(active=False)
        )

    def alias_holders(self, aliases: Iterable[str]) -> dict[str, str]:
        """Active customer holding each of ``aliases`` (alias -> customer id)."""
        wanted = list(aliases)
        if not wanted:
            return {}
        rows = self._conn.execute(
            select(aliases_t.c.alias, aliases_t.c.customer_id).where(
                aliases_t.c.alias.in_(wanted), aliases_t.c.active.is_(True)
            )
        )
        return {row.alias: row.customer_id for row in rows}

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are customer ids."""
        wanted = list(ids)
        if not wanted:
            return set()
        rows = self._conn.execute(select(customers_t.c.id).where(customers_t.c.id.in_(wanted)))
        return {row.id for row in rows}

    def _insert_aliases(self, customer_id: str, aliases: Sequence[str]) -> None:
        if aliases:
            self._conn.execute(
                insert(aliases_t),
                [
                    {"customer_id": customer_id, "alias": alias, "position": index, "active": True}
                    for index, alias in enumerate(aliases)
                ],
            )

    def _aliases_of(self, customer_ids: list[str]) -> dict[str, tuple[str, ...]]:
        if not customer_ids:
            return {}
        rows = self._conn.execute(
            select(aliases_t.c.customer_id, aliases_t.c.alias)
            .where(aliases_t.c.customer_id.in_(customer_ids))
            .order_by(aliases_t.c.customer_id, aliases_t.c.position)
        )
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row.customer_id, []).append(row.alias)
        return {key: tuple(value) for key, value in found.items()}


def _to_row(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "external_id": customer.external_id,
        "salesforce_account_id": customer.salesforce_account_id,
        "leave_stripe_invoices_in_draft": customer.leave_stripe_invoices_in_draft,
        "billing_config": (
            json.dumps(customer.billing_config) if customer.billing_config is not None else None
        ),
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
        "archived_at": customer.archived_at,
    }


def _from_row(row: Row[Any], aliases: tuple[str, ...]) -> Customer:
    return Customer(
        id=row.id,
        name=row.name,
        ingest_aliases=aliases,
        created_at=row.created_at,
        updated_at=row.updated_at,
        external_id=row.external_id,
        archived_at=row.archived_at,
        salesforce_account_id=row.salesforce_account_id,
        leave_stripe_invoices_in_draft=row.leave_stripe_invoices_in_draft,
        billing_config=json.loads(row.billing_config) if row.billing_config else None,
    )
