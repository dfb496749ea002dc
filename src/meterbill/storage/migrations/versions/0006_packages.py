"""Packages: the immutable templates, their alias schedules, their term ids.

Revision ID: 0006_packages
Revises: 0005_invoices
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from meterbill.storage.types import UTCDateTime

revision: str = "0006_packages"
down_revision: str | None = "0005_invoices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "packages",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("uniqueness_key", sa.String(255), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_packages"),
        sa.UniqueConstraint("uniqueness_key", name="uq_packages_uniqueness_key"),
    )
    op.create_index("ix_packages_created_at_id", "packages", ["created_at", "id"])
    op.create_table(
        "package_aliases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("package_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("starting_at", UTCDateTime(), nullable=True),
        sa.Column("ending_before", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["packages.id"],
            name="fk_package_aliases_package_id_packages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_package_aliases"),
    )
    op.create_index("ix_package_aliases_name", "package_aliases", ["name"])
    op.create_index("ix_package_aliases_package_id", "package_aliases", ["package_id"])
    op.create_table(
        "package_terms",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("package_id", sa.String(36), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["packages.id"],
            name="fk_package_terms_package_id_packages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_package_terms"),
    )
    op.create_index("ix_package_terms_package_id", "package_terms", ["package_id"])


def downgrade() -> None:
    op.drop_index("ix_package_terms_package_id", table_name="package_terms")
    op.drop_table("package_terms")
    op.drop_index("ix_package_aliases_package_id", table_name="package_aliases")
    op.drop_index("ix_package_aliases_name", table_name="package_aliases")
    op.drop_table("package_aliases")
    op.drop_index("ix_packages_created_at_id", table_name="packages")
    op.drop_table("packages")
