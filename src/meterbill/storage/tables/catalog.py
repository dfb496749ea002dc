"""Tables of the catalog: products with their scheduled updates, rate cards, aliases, rates."""

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from meterbill.storage.tables._metadata import metadata
from meterbill.storage.types import ExactDecimal, UTCDateTime

products = Table(
    "products",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("type", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("archived_at", UTCDateTime(), nullable=True),
    Index("ix_products_created_at_id", "created_at", "id"),
)

product_versions = Table(
    "product_versions",
    metadata,
    # Write order: the initial state first, then each update as it was scheduled.
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("product_id", String(36), ForeignKey("products.id", ondelete="CASCADE"), nullable=False),
    # NULL for the initial state (in force from the beginning of time).
    Column("starting_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    # JSON text: the full state for the initial version, the changed fields for an update.
    # Decimals are written as strings, never floats.
    Column("fields", Text(), nullable=False),
    Index("ix_product_versions_product_id", "product_id"),
)

rate_cards = Table(
    "rate_cards",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text(), nullable=True),
    Column("fiat_credit_type_id", String(36), ForeignKey("credit_types.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("archived_at", UTCDateTime(), nullable=True),
    Index("ix_rate_cards_created_at_id", "created_at", "id"),
)

rate_card_aliases = Table(
    "rate_card_aliases",
    metadata,
    # Assignment order: the newest assignment wins should windows ever overlap.
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column(
        "rate_card_id",
        String(36),
        ForeignKey("rate_cards.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(255), nullable=False),
    Column("starting_at", UTCDateTime(), nullable=True),
    Column("ending_before", UTCDateTime(), nullable=True),
    Index("ix_rate_card_aliases_name", "name"),
    Index("ix_rate_card_aliases_rate_card_id", "rate_card_id"),
)

rate_card_credit_type_conversions = Table(
    "rate_card_credit_type_conversions",
    metadata,
    Column(
        "rate_card_id",
        String(36),
        ForeignKey("rate_cards.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "custom_credit_type_id",
        String(36),
        # Named by hand: the conventional name is longer than PostgreSQL's 63 characters.
        ForeignKey("credit_types.id", name="fk_rate_card_conversions_credit_types"),
        primary_key=True,
    ),
    Column("fiat_per_custom_credit", ExactDecimal(), nullable=False),
    Column("position", Integer(), nullable=False),
)

rates = Table(
    "rates",
    metadata,
    # The order rates were added in: the pricing core's last tie-break.
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column(
        "rate_card_id",
        String(36),
        ForeignKey("rate_cards.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("product_id", String(36), ForeignKey("products.id"), nullable=False),
    Column("starting_at", UTCDateTime(), nullable=False),
    Column("ending_before", UTCDateTime(), nullable=True),
    Column("entitled", Boolean(), nullable=False),
    Column("rate_type", String(20), nullable=False),
    Column("price", ExactDecimal(), nullable=True),
    # JSON text [{"price": "0.5", "size": "100"}, ...] (decimals as strings).
    Column("tiers", Text(), nullable=True),
    Column("is_prorated", Boolean(), nullable=True),
    Column("quantity", ExactDecimal(), nullable=True),
    Column("credit_type_id", String(36), nullable=True),
    Column("pricing_group_values", Text(), nullable=True),
    Column("billing_frequency", String(20), nullable=True),
    Column("commit_rate", Text(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_rates_rate_card_id", "rate_card_id"),
)

rate_card_product_order = Table(
    "rate_card_product_order",
    metadata,
    Column(
        "rate_card_id",
        String(36),
        ForeignKey("rate_cards.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("product_id", String(36), ForeignKey("products.id"), primary_key=True),
    Column("position", Integer(), nullable=False),
)
