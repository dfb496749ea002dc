"""Finalised and voided invoices: insert once, void, read back whole.

A stored invoice is its row plus ``body``: the line items as JSON text, decimals as strings
(never floats), instants as ISO text. ``add`` returns False instead of raising when another
transaction already finalised the same key and revision (the unique constraint decides).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, and_, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from meterbill.core.invoicing import (
    AppliedBalance,
    Invoice,
    InvoiceKey,
    InvoiceStatus,
    InvoiceType,
    LineItem,
    LineTier,
    LineType,
)
from meterbill.storage.tables import invoices as invoices_t

_MAPPING_FIELDS = (
    "pricing_group_values", "presentation_group_values", "product_custom_fields", "custom_fields",
)  # fmt: skip
_SPECIAL_FIELDS = frozenset(
    {"type", "name", "total", "credit_type_id", "quantity", "unit_price", "starting_at",
     "ending_before", "product_tags", "tier", "applied_commit_or_credit", *_MAPPING_FIELDS}
)  # fmt: skip
_PLAIN_FIELDS = tuple(f.name for f in fields(LineItem) if f.name not in _SPECIAL_FIELDS)
_DECIMALS = frozenset({"total", "quantity", "unit_price"})
_INSTANTS = frozenset({"starting_at", "ending_before"})


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    """Filters of ``GET /v1/customers/{id}/invoices`` that storage applies."""

    customer_id: str
    contract_id: str | None = None
    credit_type_id: str | None = None
    type: InvoiceType | None = None


class InvoiceRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, invoice: Invoice) -> bool:
        """Store a finalised invoice; False when its key and revision are already stored."""
        return invoice.id in self.add_all([invoice])

    def add_all(self, invoices: Sequence[Invoice]) -> set[str]:
        """Store finalised invoices in one statement; the ids actually inserted.

        ON CONFLICT DO NOTHING (both backends): an invoice whose key and revision (or id) is
        already stored is skipped without an error, so a losing concurrent finaliser needs no
        savepoint, and nothing else in its transaction is lost.
        """
        if not invoices:
            return set()
        if self._conn.dialect.name == "postgresql":
            return self._add_all_pg(invoices)
        statement = (
            _insert(self._conn.dialect.name).on_conflict_do_nothing().returning(invoices_t.c.id)
        )
        rows = self._conn.execute(statement, [_row(invoice) for invoice in invoices])
        return {row[0] for row in rows}

    def _add_all_pg(self, invoices: Sequence[Invoice]) -> set[str]:
        # One statement over arrays sent in binary (as the events' insert): a long multi-row
        # VALUES list costs more to build and parse in Python than the insert itself.
        rows = [_row(invoice) for invoice in invoices]
        columns = [[_pg_value(row[name], kind) for row in rows] for name, kind in _PG_COLUMNS]
        raw = self._conn.connection.driver_connection
        assert raw is not None
        with raw.cursor(binary=True) as cursor:
            cursor.execute(_PG_INSERT, columns)
            return {row[0] for row in cursor.fetchall()}

    def void(self, invoice_id: str, voided_at: datetime) -> None:
        self._conn.execute(
            update(invoices_t)
            .where(invoices_t.c.id == invoice_id)
            .values(status=InvoiceStatus.VOID.value, voided_at=voided_at)
        )

    def get(self, invoice_id: str, *, for_update: bool = False) -> Invoice | None:
        query = select(invoices_t).where(invoices_t.c.id == invoice_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else _invoice(row)

    def latest_revision(self, key: InvoiceKey) -> int:
        row = self._conn.execute(
            select(func.max(invoices_t.c.revision)).where(_key_clause(key))
        ).scalar()
        return -1 if row is None else int(row)

    def for_contract(self, contract_id: str) -> list[Invoice]:
        """Every stored invoice of a contract (every revision)."""
        rows = self._conn.execute(
            select(invoices_t).where(invoices_t.c.contract_id == contract_id)
        ).all()
        return [_invoice(row) for row in rows]

    def for_customer(self, filters: InvoiceFilter) -> list[Invoice]:
        """Every stored invoice of a customer matching ``filters``."""
        clauses = [invoices_t.c.customer_id == filters.customer_id]
        if filters.contract_id is not None:
            clauses.append(invoices_t.c.contract_id == filters.contract_id)
        if filters.credit_type_id is not None:
            clauses.append(invoices_t.c.credit_type_id == filters.credit_type_id)
        if filters.type is not None:
            clauses.append(invoices_t.c.type == filters.type.value)
        rows = self._conn.execute(select(invoices_t).where(and_(*clauses))).all()
        return [_invoice(row) for row in rows]

    def stored_keys(self, contract_ids: Sequence[str]) -> dict[str, set[InvoiceKey]]:
        """The keys with any stored invoice, per contract (for finalisation and drafts)."""
        found: dict[str, set[InvoiceKey]] = {cid: set() for cid in contract_ids}
        columns = (
            invoices_t.c.contract_id,
            invoices_t.c.type,
            invoices_t.c.credit_type_id,
            invoices_t.c.period_starting_at,
            invoices_t.c.period_ending_before,
        )
        for chunk in _chunks(list(contract_ids), 500):
            rows = self._conn.execute(
                select(*columns).where(invoices_t.c.contract_id.in_(chunk)).distinct()
            ).all()
            for row in rows:
                found[row[0]].add(InvoiceKey(row[0], InvoiceType(row[1]), row[2], row[3], row[4]))
        return found

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(invoices_t)).scalar_one())


def _row(invoice: Invoice) -> dict[str, Any]:
    key = invoice.key
    return {
        "id": invoice.id,
        "contract_id": key.contract_id,
        "customer_id": invoice.customer_id,
        "type": key.type.value,
        "credit_type_id": key.credit_type_id,
        "period_starting_at": key.starting_at,
        "period_ending_before": key.ending_before,
        "revision": invoice.revision,
        "status": invoice.status.value,
        "issued_at": invoice.issued_at,
        "due_at": invoice.due_at,
        "total": invoice.total,
        "finalized_at": invoice.finalized_at,
        "voided_at": invoice.voided_at,
        "regenerated_from_invoice_id": invoice.regenerated_from_invoice_id,
        "body": encode_body(invoice),
    }


_PG_COLUMNS = (
    ("id", "varchar"), ("contract_id", "varchar"), ("customer_id", "varchar"),
    ("type", "varchar"), ("credit_type_id", "varchar"), ("period_starting_at", "timestamptz"),
    ("period_ending_before", "timestamptz"), ("revision", "int4"), ("status", "varchar"),
    ("issued_at", "timestamptz"), ("due_at", "timestamptz"), ("total", "numeric"),
    ("finalized_at", "timestamptz"), ("voided_at", "timestamptz"),
    ("regenerated_from_invoice_id", "varchar"), ("body", "text"),
)  # fmt: skip
_PG_INSERT = (
    f"INSERT INTO invoices ({', '.join(name for name, _ in _PG_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'%b::{kind}[]' for _, kind in _PG_COLUMNS)}) "
    "ON CONFLICT DO NOTHING RETURNING id"
)


def _pg_value(value: Any, kind: str) -> Any:
    """What the columns' types (``UTCDateTime``, ``ExactDecimal``) would bind, checked alike."""
    if value is None:
        return None
    if kind == "timestamptz":
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: meterbill stores UTC-aware instants only")
        return value.astimezone(UTC)
    if kind == "numeric":
        if isinstance(value, float):
            raise TypeError("float refused: money and quantities are Decimal")
        return Decimal(value)
    return value


def _insert(dialect: str) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(invoices_t)
    return sqlite.insert(invoices_t)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key_clause(key: InvoiceKey) -> Any:
    return tuple_(
        invoices_t.c.contract_id,
        invoices_t.c.type,
        invoices_t.c.credit_type_id,
        invoices_t.c.period_starting_at,
        invoices_t.c.period_ending_before,
    ) == tuple_(
        key.contract_id, key.type.value, key.credit_type_id, key.starting_at, key.ending_before
    )


# --- the body codec ----------------------------------------------------------------------------


def encode_body(invoice: Invoice) -> str:
    return json.dumps(
        {
            "line_items": [_encode_line(line) for line in invoice.line_items],
            "net_payment_terms_days": _text(invoice.net_payment_terms_days),
            "contract_custom_fields": dict(invoice.contract_custom_fields),
        },
        separators=(",", ":"),
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _encode_line(line: LineItem) -> dict[str, Any]:
    out: dict[str, Any] = {"type": line.type.value, "name": line.name, "total": str(line.total)}
    out["credit_type_id"] = line.credit_type_id
    for name in _PLAIN_FIELDS:
        value = getattr(line, name)
        if value is not None:
            out[name] = value
    for name in ("quantity", "unit_price"):
        value = getattr(line, name)
        if value is not None:
            out[name] = str(value)
    if line.starting_at is not None:
        out["starting_at"] = line.starting_at.isoformat()
    if line.ending_before is not None:
        out["ending_before"] = line.ending_before.isoformat()
    for name in _MAPPING_FIELDS:
        value = getattr(line, name)
        if value:
            out[name] = dict(value)
    if line.product_tags:
        out["product_tags"] = list(line.product_tags)
    if line.tier is not None:
        tier = line.tier
        out["tier"] = [tier.level, str(tier.starting_at), _text(tier.size)]
    if line.applied_commit_or_credit is not None:
        applied = line.applied_commit_or_credit
        out["applied_commit_or_credit"] = [
            applied.id, applied.type, applied.access_type, applied.segment_id,
        ]  # fmt: skip
    return out


def _decode_line(data: dict[str, Any]) -> LineItem:
    values: dict[str, Any] = dict(data)
    for name in _DECIMALS & values.keys():
        values[name] = Decimal(values[name])
    for name in _INSTANTS & values.keys():
        values[name] = datetime.fromisoformat(values[name])
    values["type"] = LineType(values["type"])
    if "tier" in values:
        level, start, size = values["tier"]
        values["tier"] = LineTier(level, Decimal(start), None if size is None else Decimal(size))
    if "applied_commit_or_credit" in values:
        values["applied_commit_or_credit"] = AppliedBalance(*values["applied_commit_or_credit"])
    if "product_tags" in values:
        values["product_tags"] = tuple(values["product_tags"])
    return LineItem(**values)


def _invoice(row: Row[Any]) -> Invoice:
    body = json.loads(row.body)
    terms = body.get("net_payment_terms_days")
    key = InvoiceKey(
        row.contract_id,
        InvoiceType(row.type),
        row.credit_type_id,
        row.period_starting_at,
        row.period_ending_before,
    )
    return Invoice(
        id=row.id,
        key=key,
        customer_id=row.customer_id,
        status=InvoiceStatus(row.status),
        line_items=tuple(_decode_line(line) for line in body["line_items"]),
        issued_at=row.issued_at,
        due_at=row.due_at,
        net_payment_terms_days=None if terms is None else Decimal(terms),
        contract_custom_fields=body.get("contract_custom_fields", {}),
        regenerated_from_invoice_id=row.regenerated_from_invoice_id,
        finalized_at=row.finalized_at,
        voided_at=row.voided_at,
        revision=row.revision,
    )
