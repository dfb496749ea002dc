"""Balances: customer-level commits and credits, balance ledger entries.

Revision ID: 0007_balances
Revises: 0006_packages
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from meterbill.storage.types import ExactDecimal, UTCDateTime

revision: str = "0007_balances"
down_revision: str | None = "0006_packages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_commits",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("applicable_contract_ids", sa.Text(), nullable=False),
        sa.Column("invoice_contract_id", sa.String(36), nullable=True),
        sa.Column("uniqueness_key", sa.String(128), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_customer_commits"),
        sa.UniqueConstraint("uniqueness_key", name="uq_customer_commits_uniqueness_key"),
    )
    op.create_index(
        "ix_customer_commits_customer_id_ordinal", "customer_commits", ["customer_id", "ordinal"]
    )
    op.create_table(
        "balance_ledger_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=True),
        sa.Column("commit_id", sa.String(36), nullable=False),
        sa.Column("segment_id", sa.String(80), nullable=False),
        sa.Column("type", sa.String(60), nullable=False),
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("invoice_id", sa.String(36), nullable=True),
        sa.Column("new_contract_id", sa.String(36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("uniqueness_key", sa.String(128), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_balance_ledger_entries"),
        sa.UniqueConstraint("uniqueness_key", name="uq_balance_ledger_entries_uniqueness_key"),
    )
    op.create_index(
        "ix_balance_ledger_entries_customer_id", "balance_ledger_entries", ["customer_id"]
    )
    op.create_index("ix_balance_ledger_entries_commit_id", "balance_ledger_entries", ["commit_id"])


def downgrade() -> None:
    op.drop_index("ix_balance_ledger_entries_commit_id", table_name="balance_ledger_entries")
    op.drop_index("ix_balance_ledger_entries_customer_id", table_name="balance_ledger_entries")
    op.drop_table("balance_ledger_entries")
    op.drop_index("ix_customer_commits_customer_id_ordinal", table_name="customer_commits")
    op.drop_table("customer_commits")
