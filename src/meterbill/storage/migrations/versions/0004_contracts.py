"""Contracts: contracts, their versions (terms as JSON), edits, and the term index.

Revision ID: 0004_contracts
Revises: 0003_metering
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from meterbill.storage.types import UTCDateTime

revision: str = "0004_contracts"
down_revision: str | None = "0003_metering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("package_id", sa.String(36), nullable=True),
        sa.Column("starting_at", UTCDateTime(), nullable=False),
        sa.Column("ending_before", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("uniqueness_key", sa.String(128), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_contracts_customer_id_customers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contracts"),
        sa.UniqueConstraint("uniqueness_key", name="uq_contracts_uniqueness_key"),
    )
    op.create_index(
        "ix_contracts_customer_id_starting_at", "contracts", ["customer_id", "starting_at", "id"]
    )
    op.create_index("ix_contracts_starting_at", "contracts", ["starting_at"])
    op.create_table(
        "contract_versions",
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("edit_id", sa.String(36), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name="fk_contract_versions_contract_id_contracts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contract_id", "version", name="pk_contract_versions"),
    )
    op.create_table(
        "contract_edits",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("uniqueness_key", sa.String(128), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name="fk_contract_edits_contract_id_contracts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contract_edits"),
        sa.UniqueConstraint("uniqueness_key", name="uq_contract_edits_uniqueness_key"),
    )
    op.create_index(
        "ix_contract_edits_contract_id_created_at",
        "contract_edits",
        ["contract_id", "created_at"],
    )
    op.create_table(
        "contract_terms",
        sa.Column("term_id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name="fk_contract_terms_contract_id_contracts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term_id", name="pk_contract_terms"),
    )
    op.create_index("ix_contract_terms_contract_id", "contract_terms", ["contract_id"])


def downgrade() -> None:
    op.drop_table("contract_terms")
    op.drop_table("contract_edits")
    op.drop_table("contract_versions")
    op.drop_table("contracts")
