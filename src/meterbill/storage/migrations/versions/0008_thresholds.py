"""Threshold billing: the watch list of contracts with an enabled threshold configuration.

Revision ID: 0008_thresholds
Revises: 0007_balances
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from meterbill.storage.types import UTCDateTime

revision: str = "0008_thresholds"
down_revision: str | None = "0007_balances"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "threshold_contracts",
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name="fk_threshold_contracts_contract_id_contracts",
        ),
        sa.PrimaryKeyConstraint("contract_id", name="pk_threshold_contracts"),
    )
    op.create_index("ix_threshold_contracts_customer_id", "threshold_contracts", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_threshold_contracts_customer_id", table_name="threshold_contracts")
    op.drop_table("threshold_contracts")
