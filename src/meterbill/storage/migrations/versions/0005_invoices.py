"""Invoices: finalised and voided invoices, one row per (key, revision).

Revision ID: 0005_invoices
Revises: 0004_contracts
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from meterbill.storage.types import ExactDecimal, UTCDateTime

revision: str = "0005_invoices"
down_revision: str | None = "0004_contracts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("credit_type_id", sa.String(36), nullable=False),
        sa.Column("period_starting_at", UTCDateTime(), nullable=False),
        sa.Column("period_ending_before", UTCDateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("total", ExactDecimal(), nullable=False),
        sa.Column("finalized_at", UTCDateTime(), nullable=False),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.Column("regenerated_from_invoice_id", sa.String(36), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
        sa.UniqueConstraint(
            "contract_id",
            "type",
            "credit_type_id",
            "period_starting_at",
            "period_ending_before",
            "revision",
            name="uq_invoices_key_revision",
        ),
    )
    op.create_index("ix_invoices_customer_id_issued_at", "invoices", ["customer_id", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_invoices_customer_id_issued_at", table_name="invoices")
    op.drop_table("invoices")
