"""Tables of invoices: finalised and voided invoices only (drafts are computed on read).

A finalised invoice never changes: its lines are stored whole in ``body`` (JSON text, decimals
as strings). ``uq_invoices_key_revision`` makes finalisation exactly-once: two servers
finalising the same period race on it and one insert loses. Regenerating a voided invoice
inserts the next ``revision`` of the same key.
"""

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from meterbill.storage.tables._metadata import metadata
from meterbill.storage.types import ExactDecimal, UTCDateTime

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("contract_id", String(36), nullable=False),
    Column("customer_id", String(36), nullable=False),
    Column("type", String(20), nullable=False),
    Column("credit_type_id", String(36), nullable=False),
    # USAGE: the statement period; SCHEDULED: the due instant twice.
    Column("period_starting_at", UTCDateTime(), nullable=False),
    Column("period_ending_before", UTCDateTime(), nullable=False),
    Column("revision", Integer(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=True),
    Column("total", ExactDecimal(), nullable=False),
    Column("finalized_at", UTCDateTime(), nullable=False),
    Column("voided_at", UTCDateTime(), nullable=True),
    Column("regenerated_from_invoice_id", String(36), nullable=True),
    Column("body", Text(), nullable=False),
    UniqueConstraint(
        "contract_id",
        "type",
        "credit_type_id",
        "period_starting_at",
        "period_ending_before",
        "revision",
        name="uq_invoices_key_revision",
    ),
    Index("ix_invoices_customer_id_issued_at", "customer_id", "issued_at"),
)
