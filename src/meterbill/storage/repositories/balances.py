"""Customer-level commits and credits, and balance ledger entries.

``add_customer_commit`` and ``add_entries`` return False instead of raising when a
``uniqueness_key`` is already taken (the unique constraints decide, so two concurrent creates
with one key store one record).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from meterbill.core.contracts.codec import from_document, to_document
from meterbill.core.contracts.terms import Commit
from meterbill.core.drawdown import LedgerEntry, LedgerEntryType
from meterbill.storage.tables import balance_ledger_entries as ledger_t
from meterbill.storage.tables import customer_commits as commits_t


@dataclass(frozen=True, slots=True)
class CustomerCommit:
    """A customer-level commit or credit as stored."""

    customer_id: str
    commit: Commit
    applicable_contract_ids: tuple[str, ...]
    invoice_contract_id: str | None
    uniqueness_key: str | None
    created_at: datetime
    archived_at: datetime | None = None

    def applies_to_contract(self, contract_id: str) -> bool:
        return not self.applicable_contract_ids or contract_id in self.applicable_contract_ids


class BalanceRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # --- customer-level commits and credits ---------------------------------------------------

    def next_ordinal(self, customer_id: str) -> int:
        query = select(func.max(commits_t.c.ordinal)).where(commits_t.c.customer_id == customer_id)
        current = self._conn.execute(query).scalar()
        return 1 if current is None else int(current) + 1

    def add_customer_commit(self, stored: CustomerCommit) -> bool:
        """Insert; False when ``uniqueness_key`` is taken (by a commit or a credit)."""
        values = {
            "id": stored.commit.id,
            "customer_id": stored.customer_id,
            "kind": stored.commit.kind.value,
            "ordinal": stored.commit.ordinal,
            "document": _dump(stored.commit),
            "applicable_contract_ids": json.dumps(list(stored.applicable_contract_ids)),
            "invoice_contract_id": stored.invoice_contract_id,
            "uniqueness_key": stored.uniqueness_key,
            "created_at": stored.created_at,
            "archived_at": stored.archived_at,
        }
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(commits_t).values(values))
        except IntegrityError:
            return False
        return True

    def uniqueness_key_taken(self, key: str) -> bool:
        query = select(commits_t.c.id).where(commits_t.c.uniqueness_key == key)
        return self._conn.execute(query).first() is not None

    def customer_commits(self, customer_id: str) -> list[CustomerCommit]:
        """The customer's commits and credits in creation order."""
        query = (
            select(commits_t)
            .where(commits_t.c.customer_id == customer_id)
            .order_by(commits_t.c.ordinal, commits_t.c.id)
        )
        return [_customer_commit(row) for row in self._conn.execute(query)]

    def customer_commits_many(self, customer_ids: Iterable[str]) -> dict[str, list[CustomerCommit]]:
        """:meth:`customer_commits` of several customers at once (customer id -> commits in
        creation order; customers without any are absent)."""
        found: dict[str, list[CustomerCommit]] = {}
        for chunk in _chunks(sorted(set(customer_ids)), 500):
            query = (
                select(commits_t)
                .where(commits_t.c.customer_id.in_(chunk))
                .order_by(commits_t.c.ordinal, commits_t.c.id)
            )
            for row in self._conn.execute(query):
                stored = _customer_commit(row)
                found.setdefault(stored.customer_id, []).append(stored)
        return found

    def customer_commit(self, commit_id: str, *, for_update: bool = False) -> CustomerCommit | None:
        query = select(commits_t).where(commits_t.c.id == commit_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else _customer_commit(row)

    def replace_customer_commit(self, commit: Commit) -> None:
        self._conn.execute(
            update(commits_t).where(commits_t.c.id == commit.id).values(document=_dump(commit))
        )

    # --- ledger entries -------------------------------------------------------------------------

    def add_entries(
        self,
        customer_id: str,
        entries: Iterable[LedgerEntry],
        created_at: datetime,
        uniqueness_key: str | None = None,
    ) -> bool:
        """Append entries; False (nothing stored) when ``uniqueness_key`` is taken."""
        rows = [_entry_row(customer_id, e, created_at, uniqueness_key) for e in entries]
        if not rows:
            return True
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(ledger_t), rows)
        except IntegrityError:
            return False
        return True

    def add_entries_many(
        self, batch: Iterable[tuple[str, Iterable[LedgerEntry]]], created_at: datetime
    ) -> None:
        """Append the entries of several customers (customer id, entries) in one statement,
        without a uniqueness key (so nothing can conflict), in the order given."""
        rows = [
            _entry_row(customer_id, entry, created_at, None)
            for customer_id, entries in batch
            for entry in entries
        ]
        if rows:
            self._conn.execute(insert(ledger_t), rows)

    def entries_for_customer(self, customer_id: str) -> list[LedgerEntry]:
        """Every stored entry of the customer's balances, in the order written."""
        query = (
            select(ledger_t).where(ledger_t.c.customer_id == customer_id).order_by(ledger_t.c.id)
        )
        return [_entry(row) for row in self._conn.execute(query)]

    def entries_for_customers(self, customer_ids: Iterable[str]) -> dict[str, list[LedgerEntry]]:
        """:meth:`entries_for_customer` of several customers at once (customer id -> entries in
        the order written; customers without any are absent)."""
        found: dict[str, list[LedgerEntry]] = {}
        for chunk in _chunks(sorted(set(customer_ids)), 500):
            query = (
                select(ledger_t).where(ledger_t.c.customer_id.in_(chunk)).order_by(ledger_t.c.id)
            )
            for row in self._conn.execute(query):
                found.setdefault(row._mapping["customer_id"], []).append(_entry(row))
        return found

    def entries_for_commits(self, commit_ids: Sequence[str]) -> list[LedgerEntry]:
        if not commit_ids:
            return []
        query = (
            select(ledger_t)
            .where(ledger_t.c.commit_id.in_(list(commit_ids)))
            .order_by(ledger_t.c.id)
        )
        return [_entry(row) for row in self._conn.execute(query)]

    def remove_invoice_entries(self, invoice_id: str) -> int:
        """Delete the entries an invoice wrote (it was voided); how many."""
        result = self._conn.execute(delete(ledger_t).where(ledger_t.c.invoice_id == invoice_id))
        return int(result.rowcount or 0)

    def has_invoice_entries(self, invoice_id: str) -> bool:
        query = select(ledger_t.c.id).where(ledger_t.c.invoice_id == invoice_id).limit(1)
        return self._conn.execute(query).first() is not None


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _dump(commit: Commit) -> str:
    return json.dumps(to_document(commit), separators=(",", ":"), sort_keys=True)


def _customer_commit(row: Row[tuple[object, ...]]) -> CustomerCommit:
    m = row._mapping
    commit: Commit = from_document(Commit, json.loads(m["document"]))
    return CustomerCommit(
        customer_id=m["customer_id"],
        commit=commit,
        applicable_contract_ids=tuple(json.loads(m["applicable_contract_ids"])),
        invoice_contract_id=m["invoice_contract_id"],
        uniqueness_key=m["uniqueness_key"],
        created_at=m["created_at"],
        archived_at=m["archived_at"],
    )


def _entry_row(
    customer_id: str, entry: LedgerEntry, created_at: datetime, uniqueness_key: str | None
) -> dict[str, object]:
    return {
        "customer_id": customer_id,
        "contract_id": entry.contract_id,
        "commit_id": entry.commit_id,
        "segment_id": entry.segment_id,
        "type": entry.type.value,
        "amount": entry.amount,
        "timestamp": entry.timestamp,
        "invoice_id": entry.invoice_id,
        "new_contract_id": entry.new_contract_id,
        "reason": entry.reason,
        "uniqueness_key": uniqueness_key,
        "created_at": created_at,
    }


def _entry(row: Row[tuple[object, ...]]) -> LedgerEntry:
    m = row._mapping
    return LedgerEntry(
        commit_id=m["commit_id"],
        segment_id=m["segment_id"],
        type=LedgerEntryType(m["type"]),
        amount=m["amount"],
        timestamp=m["timestamp"],
        invoice_id=m["invoice_id"],
        contract_id=m["contract_id"],
        new_contract_id=m["new_contract_id"],
        reason=m["reason"],
    )
