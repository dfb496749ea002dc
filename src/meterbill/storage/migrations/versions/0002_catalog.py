"""Catalog: products and their scheduled updates, rate cards, aliases, conversions, rates.

Revision ID: 0002_catalog
Revises: 0001_foundation
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from meterbill.storage.types import ExactDecimal, UTCDateTime

revision: str = "0002_catalog"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _products()
    _rate_cards()
    _rates()


def _products() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
    )
    op.create_index("ix_products_created_at_id", "products", ["created_at", "id"])
    op.create_table(
        "product_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.String(36), nullable=False),
        sa.Column("starting_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_product_versions_product_id_products",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_product_versions"),
    )
    op.create_index("ix_product_versions_product_id", "product_versions", ["product_id"])


def _rate_cards() -> None:
    op.create_table(
        "rate_cards",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("fiat_credit_type_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fiat_credit_type_id"],
            ["credit_types.id"],
            name="fk_rate_cards_fiat_credit_type_id_credit_types",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rate_cards"),
    )
    op.create_index("ix_rate_cards_created_at_id", "rate_cards", ["created_at", "id"])
    op.create_table(
        "rate_card_aliases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rate_card_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("starting_at", UTCDateTime(), nullable=True),
        sa.Column("ending_before", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rate_card_id"],
            ["rate_cards.id"],
            name="fk_rate_card_aliases_rate_card_id_rate_cards",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rate_card_aliases"),
    )
    op.create_index("ix_rate_card_aliases_name", "rate_card_aliases", ["name"])
    op.create_index("ix_rate_card_aliases_rate_card_id", "rate_card_aliases", ["rate_card_id"])
    op.create_table(
        "rate_card_credit_type_conversions",
        sa.Column("rate_card_id", sa.String(36), nullable=False),
        sa.Column("custom_credit_type_id", sa.String(36), nullable=False),
        sa.Column("fiat_per_custom_credit", ExactDecimal(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rate_card_id"],
            ["rate_cards.id"],
            name="fk_rate_card_credit_type_conversions_rate_card_id_rate_cards",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["custom_credit_type_id"],
            ["credit_types.id"],
            name="fk_rate_card_conversions_credit_types",
        ),
        sa.PrimaryKeyConstraint(
            "rate_card_id",
            "custom_credit_type_id",
            name="pk_rate_card_credit_type_conversions",
        ),
    )


def _rates() -> None:
    op.create_table(
        "rates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rate_card_id", sa.String(36), nullable=False),
        sa.Column("product_id", sa.String(36), nullable=False),
        sa.Column("starting_at", UTCDateTime(), nullable=False),
        sa.Column("ending_before", UTCDateTime(), nullable=True),
        sa.Column("entitled", sa.Boolean(), nullable=False),
        sa.Column("rate_type", sa.String(20), nullable=False),
        sa.Column("price", ExactDecimal(), nullable=True),
        sa.Column("tiers", sa.Text(), nullable=True),
        sa.Column("is_prorated", sa.Boolean(), nullable=True),
        sa.Column("quantity", ExactDecimal(), nullable=True),
        sa.Column("credit_type_id", sa.String(36), nullable=True),
        sa.Column("pricing_group_values", sa.Text(), nullable=True),
        sa.Column("billing_frequency", sa.String(20), nullable=True),
        sa.Column("commit_rate", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rate_card_id"],
            ["rate_cards.id"],
            name="fk_rates_rate_card_id_rate_cards",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_rates_product_id_products"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rates"),
    )
    op.create_index("ix_rates_rate_card_id", "rates", ["rate_card_id"])
    op.create_table(
        "rate_card_product_order",
        sa.Column("rate_card_id", sa.String(36), nullable=False),
        sa.Column("product_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rate_card_id"],
            ["rate_cards.id"],
            name="fk_rate_card_product_order_rate_card_id_rate_cards",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_rate_card_product_order_product_id_products",
        ),
        sa.PrimaryKeyConstraint("rate_card_id", "product_id", name="pk_rate_card_product_order"),
    )


def downgrade() -> None:
    for table in (
        "rate_card_product_order",
        "rates",
        "rate_card_credit_type_conversions",
        "rate_card_aliases",
        "rate_cards",
        "product_versions",
        "products",
    ):
        op.drop_table(table)
