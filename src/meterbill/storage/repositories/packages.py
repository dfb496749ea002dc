"""Packages: the template as one document, its alias schedule, the ids of its terms."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, Row, and_, delete, insert, or_, select, text, update

from meterbill.core.contracts.codec import from_document, to_document
from meterbill.core.custom_fields import CustomFieldEntity
from meterbill.core.packages import AliasHolding, CohortMember, Package, PackageAlias
from meterbill.storage.pagination import Page, decode_cursor, in_creation_order, page_of
from meterbill.storage.tables.contracts import contracts as contracts_t
from meterbill.storage.tables.packages import package_aliases as aliases_t
from meterbill.storage.tables.packages import package_terms as terms_t
from meterbill.storage.tables.packages import packages as packages_t

ArchiveFilter = Literal["ARCHIVED", "NOT_ARCHIVED", "ALL"]


class PackageRepository:
    """Reads and writes packages. A package is written once; only ``archived_at`` and the
    alias schedule change afterwards."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, package: Package, terms: Sequence[tuple[CustomFieldEntity, str]]) -> None:
        """Insert ``package`` with its aliases; ``terms`` are (entity, template id) pairs."""
        document = to_document(replace(package, aliases=()))
        self._conn.execute(
            insert(packages_t).values(
                id=package.id,
                name=package.name,
                created_at=package.created_at,
                archived_at=package.archived_at,
                uniqueness_key=package.uniqueness_key,
                document=json.dumps(document, separators=(",", ":")),
            )
        )
        if package.aliases:
            self._conn.execute(
                insert(aliases_t),
                [
                    {
                        "package_id": package.id,
                        "name": alias.name,
                        "starting_at": alias.starting_at,
                        "ending_before": alias.ending_before,
                    }
                    for alias in package.aliases
                ],
            )
        if terms:
            self._conn.execute(
                insert(terms_t),
                [
                    {"id": ident, "package_id": package.id, "entity": entity.value}
                    for entity, ident in terms
                ],
            )

    def get(self, package_id: str, *, for_update: bool = False) -> Package | None:
        query = select(packages_t).where(packages_t.c.id == package_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return self._assemble([row])[0] if row is not None else None

    def id_for_uniqueness_key(self, uniqueness_key: str) -> str | None:
        return self._conn.execute(
            select(packages_t.c.id).where(packages_t.c.uniqueness_key == uniqueness_key)
        ).scalar_one_or_none()

    def list_page(
        self, *, archive_filter: ArchiveFilter, limit: int, cursor: str | None
    ) -> Page[Package]:
        """One page of packages in creation order."""
        query = select(packages_t)
        if archive_filter == "ARCHIVED":
            query = query.where(packages_t.c.archived_at.is_not(None))
        elif archive_filter == "NOT_ARCHIVED":
            query = query.where(packages_t.c.archived_at.is_(None))
        query = in_creation_order(query, packages_t, cursor).limit(limit + 1)
        found = self._assemble(list(self._conn.execute(query)))
        return page_of(found, limit, lambda p: [p.created_at.isoformat(), p.id])

    def archive(self, package_id: str, archived_at: datetime) -> None:
        self._conn.execute(
            update(packages_t).where(packages_t.c.id == package_id).values(archived_at=archived_at)
        )

    def term_exists(self, entity: CustomFieldEntity, template_id: str) -> bool:
        row = self._conn.execute(
            select(terms_t.c.id).where(
                terms_t.c.id == template_id, terms_t.c.entity == entity.value
            )
        ).first()
        return row is not None

    # --- cohorts ---

    def contracts_on_package(
        self,
        package_id: str,
        *,
        covering_date: datetime | None = None,
        starting_at: datetime | None = None,
        include_archived: bool = False,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[CohortMember]:
        """Contracts provisioned from ``package_id`` in (starting_at, id) order.

        ``covering_date``: active at that instant (half-open window); ``starting_at``: started
        at or after it. ``limit`` None reads them all (cohort operations).
        """
        c = contracts_t.c
        query = select(c.id, c.customer_id, c.starting_at, c.ending_before, c.archived_at).where(
            c.package_id == package_id
        )
        if not include_archived:
            query = query.where(c.archived_at.is_(None))
        if covering_date is not None:
            query = query.where(
                c.starting_at <= covering_date,
                or_(c.ending_before.is_(None), c.ending_before > covering_date),
            )
        if starting_at is not None:
            query = query.where(c.starting_at >= starting_at)
        if cursor is not None:
            start, ident = decode_cursor(cursor, 2)
            after = datetime.fromisoformat(str(start))
            query = query.where(
                or_(c.starting_at > after, and_(c.starting_at == after, c.id > str(ident)))
            )
        query = query.order_by(c.starting_at, c.id)
        if limit is not None:
            query = query.limit(limit + 1)
        found = [
            CohortMember(
                contract_id=row.id,
                customer_id=row.customer_id,
                starting_at=row.starting_at,
                ending_before=row.ending_before,
                archived_at=row.archived_at,
            )
            for row in self._conn.execute(query)
        ]
        if limit is None:
            return Page(found, None)
        return page_of(found, limit, lambda m: [m.starting_at.isoformat(), m.contract_id])

    # --- aliases ---

    def lock_aliases(self, names: Iterable[str]) -> None:
        """Serialise writers of the same alias names until the transaction ends.

        SQLite already serialises writers (IMMEDIATE transactions); PostgreSQL takes a
        transaction-scoped advisory lock per name, in a fixed order to avoid deadlocks.
        """
        if self._conn.dialect.name != "postgresql":
            return
        for name in sorted(set(names)):
            self._conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"package-alias:{name}"},
            )

    def alias_holdings(self, names: Iterable[str]) -> list[AliasHolding]:
        """Every assignment of the given alias names, on every package, oldest first."""
        wanted = sorted(set(names))
        if not wanted:
            return []
        rows = self._conn.execute(
            select(aliases_t).where(aliases_t.c.name.in_(wanted)).order_by(aliases_t.c.id)
        )
        return [_holding(row) for row in rows]

    def set_alias_end(self, sequence: int, ending_before: datetime | None) -> None:
        self._conn.execute(
            update(aliases_t).where(aliases_t.c.id == sequence).values(ending_before=ending_before)
        )

    def drop_alias(self, sequence: int) -> None:
        self._conn.execute(delete(aliases_t).where(aliases_t.c.id == sequence))

    # --- assembly ---

    def _assemble(self, rows: Sequence[Row[tuple[object, ...]]]) -> list[Package]:
        ids = [str(row.id) for row in rows]
        aliases: dict[str, list[PackageAlias]] = {ident: [] for ident in ids}
        if ids:
            found = self._conn.execute(
                select(aliases_t).where(aliases_t.c.package_id.in_(ids)).order_by(aliases_t.c.id)
            )
            for alias in found:
                aliases[alias.package_id].append(_holding(alias).window)
        packages = []
        for row in rows:
            package = from_document(Package, json.loads(str(row.document)))
            assert isinstance(package, Package)
            packages.append(
                replace(package, archived_at=row.archived_at, aliases=tuple(aliases[str(row.id)]))
            )
        return packages


def _holding(row: Row[tuple[object, ...]]) -> AliasHolding:
    mapping = row._mapping
    return AliasHolding(
        package_id=str(mapping["package_id"]),
        window=PackageAlias(
            name=str(mapping["name"]),
            starting_at=mapping["starting_at"],
            ending_before=mapping["ending_before"],
        ),
        sequence=int(mapping["id"]),
    )
