"""Contracts, their versions and edits. Terms are stored as one JSON document per version."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, insert, or_, select, update

from meterbill.core.contracts.codec import from_document, to_document
from meterbill.core.contracts.edits import ContractEdit
from meterbill.core.contracts.terms import Contract
from meterbill.storage.pagination import Page, decode_cursor, page_of
from meterbill.storage.tables.contracts import (
    contract_edits,
    contract_terms,
    contract_versions,
    contracts,
)


@dataclass(frozen=True, slots=True)
class TermRef:
    """Where a term lives: its contract and its kind (``commit``, ``credit``, ...)."""

    term_id: str
    contract_id: str
    kind: str


def _dump(value: object) -> str:
    return json.dumps(to_document(value), separators=(",", ":"), sort_keys=True)


def _contract(document: str, archived_at: datetime | None) -> Contract:
    contract: Contract = from_document(Contract, json.loads(document))
    return replace(contract, archived_at=archived_at)


class ContractRepository:
    """Reads and writes contracts; custom-field values live in ``CustomFieldRepository``."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # --- writes -------------------------------------------------------------------------------

    def add(self, contract: Contract, terms: Iterable[tuple[str, str]]) -> None:
        """Insert ``contract`` as version 0, with its ``(term_id, kind)`` index rows."""
        self._conn.execute(
            insert(contracts).values(
                id=contract.id,
                customer_id=contract.customer_id,
                package_id=contract.package_id,
                starting_at=contract.starting_at,
                ending_before=contract.ending_before,
                created_at=contract.created_at,
                archived_at=contract.archived_at,
                uniqueness_key=contract.uniqueness_key,
                current_version=0,
            )
        )
        self._insert_version(contract, 0, None, contract.created_at)
        self.add_terms(contract.id, terms)

    def add_version(self, contract: Contract, edit: ContractEdit) -> None:
        """Record ``edit`` and store ``contract`` (the terms after it) as the next version."""
        self._conn.execute(
            insert(contract_edits).values(
                id=edit.id,
                contract_id=contract.id,
                created_at=edit.created_at,
                uniqueness_key=edit.uniqueness_key,
                document=_dump(edit),
            )
        )
        version = self._current_version(contract.id) + 1
        self._insert_version(contract, version, edit.id, edit.created_at)
        self._conn.execute(
            update(contracts)
            .where(contracts.c.id == contract.id)
            .values(
                current_version=version,
                starting_at=contract.starting_at,
                ending_before=contract.ending_before,
            )
        )

    def add_terms(self, contract_id: str, terms: Iterable[tuple[str, str]]) -> None:
        rows = [{"term_id": t, "contract_id": contract_id, "kind": k} for t, k in terms]
        if rows:
            self._conn.execute(insert(contract_terms), rows)

    def set_archived(self, contract_id: str, archived_at: datetime) -> None:
        self._conn.execute(
            update(contracts).where(contracts.c.id == contract_id).values(archived_at=archived_at)
        )

    # --- reads --------------------------------------------------------------------------------

    def get(self, contract_id: str, *, for_update: bool = False) -> Contract | None:
        """The current version of the contract, or ``None``."""
        query = self._current().where(contracts.c.id == contract_id)
        if for_update:
            query = query.with_for_update(of=contracts)
        row = self._conn.execute(query).first()
        return None if row is None else _contract(row.document, row.archived_at)

    def initial(self, contract_id: str) -> Contract | None:
        """Version 0: the contract as created."""
        return self._version_where(contract_id, contract_versions.c.version == 0)

    def as_of(self, contract_id: str, instant: datetime) -> Contract | None:
        """The latest version written at or before ``instant`` (version 0 at the earliest)."""
        latest = (
            select(func.max(contract_versions.c.version))
            .where(
                contract_versions.c.contract_id == contract_id,
                or_(contract_versions.c.created_at <= instant, contract_versions.c.version == 0),
            )
            .scalar_subquery()
        )
        return self._version_where(contract_id, contract_versions.c.version == latest)

    def id_by_uniqueness_key(self, key: str) -> str | None:
        row = self._conn.execute(
            select(contracts.c.id).where(contracts.c.uniqueness_key == key)
        ).first()
        return None if row is None else str(row.id)

    def edit_id_by_uniqueness_key(self, key: str) -> str | None:
        row = self._conn.execute(
            select(contract_edits.c.id).where(contract_edits.c.uniqueness_key == key)
        ).first()
        return None if row is None else str(row.id)

    def edits(self, contract_id: str) -> list[ContractEdit]:
        """Every edit of the contract, oldest first."""
        rows = self._conn.execute(
            select(contract_edits.c.document)
            .join(contract_versions, contract_versions.c.edit_id == contract_edits.c.id)
            .where(contract_edits.c.contract_id == contract_id)
            .order_by(contract_versions.c.version)
        )
        return [from_document(ContractEdit, json.loads(row.document)) for row in rows]

    def term(self, term_id: str) -> TermRef | None:
        row = self._conn.execute(
            select(contract_terms).where(contract_terms.c.term_id == term_id)
        ).first()
        return None if row is None else TermRef(row.term_id, row.contract_id, row.kind)

    def list_page(
        self,
        customer_id: str,
        *,
        limit: int,
        cursor: str | None,
        include_archived: bool = False,
        covering: datetime | None = None,
        starting_at: datetime | None = None,
    ) -> Page[Contract]:
        """One page of a customer's contracts in chronological order (start, then id)."""
        query = self._current().where(contracts.c.customer_id == customer_id)
        if not include_archived:
            query = query.where(contracts.c.archived_at.is_(None))
        if covering is not None:
            query = query.where(contracts.c.starting_at <= covering).where(
                or_(contracts.c.ending_before.is_(None), contracts.c.ending_before > covering)
            )
        if starting_at is not None:
            query = query.where(contracts.c.starting_at >= starting_at)
        if cursor is not None:
            start, ident = decode_cursor(cursor, 2, field="cursor")
            after = datetime.fromisoformat(str(start))
            query = query.where(
                or_(
                    contracts.c.starting_at > after,
                    and_(contracts.c.starting_at == after, contracts.c.id > str(ident)),
                )
            )
        query = query.order_by(contracts.c.starting_at, contracts.c.id).limit(limit + 1)
        found = [_contract(row.document, row.archived_at) for row in self._conn.execute(query)]
        return page_of(found, limit, lambda c: [c.starting_at.isoformat(), c.id])

    def overlapping(
        self,
        starting_at: datetime,
        ending_before: datetime,
        *,
        customer_id: str | None = None,
        batch: int = 200,
    ) -> Iterator[Contract]:
        """Unarchived contracts whose window meets ``[starting_at, ending_before)``, in
        (start, id) order, read in batches."""
        cursor: str | None = None
        while True:
            query = self._current().where(
                contracts.c.archived_at.is_(None),
                contracts.c.starting_at < ending_before,
                or_(contracts.c.ending_before.is_(None), contracts.c.ending_before > starting_at),
            )
            if customer_id is not None:
                query = query.where(contracts.c.customer_id == customer_id)
            if cursor is not None:
                start, ident = decode_cursor(cursor, 2)
                after = datetime.fromisoformat(str(start))
                query = query.where(
                    or_(
                        contracts.c.starting_at > after,
                        and_(contracts.c.starting_at == after, contracts.c.id > str(ident)),
                    )
                )
            query = query.order_by(contracts.c.starting_at, contracts.c.id).limit(batch + 1)
            rows = [_contract(r.document, r.archived_at) for r in self._conn.execute(query)]
            page = page_of(rows, batch, lambda c: [c.starting_at.isoformat(), c.id])
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    # --- helpers ------------------------------------------------------------------------------

    def _current(self) -> Select[Any]:
        return select(contract_versions.c.document, contracts.c.archived_at).join(
            contracts,
            and_(
                contract_versions.c.contract_id == contracts.c.id,
                contract_versions.c.version == contracts.c.current_version,
            ),
        )

    def _version_where(self, contract_id: str, condition: Any) -> Contract | None:
        row = self._conn.execute(
            select(contract_versions.c.document, contracts.c.archived_at)
            .join(contracts, contract_versions.c.contract_id == contracts.c.id)
            .where(contract_versions.c.contract_id == contract_id, condition)
        ).first()
        return None if row is None else _contract(row.document, row.archived_at)

    def _current_version(self, contract_id: str) -> int:
        row = self._conn.execute(
            select(contracts.c.current_version).where(contracts.c.id == contract_id)
        ).one()
        return int(row.current_version)

    def _insert_version(
        self, contract: Contract, version: int, edit_id: str | None, created_at: datetime
    ) -> None:
        self._conn.execute(
            insert(contract_versions).values(
                contract_id=contract.id,
                version=version,
                edit_id=edit_id,
                created_at=created_at,
                document=_dump(replace(contract, archived_at=None)),
            )
        )
