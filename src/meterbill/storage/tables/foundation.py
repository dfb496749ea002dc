"""Tables of the foundation: API tokens, idempotency, customers, pricing units, custom fields."""

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from meterbill.storage.tables._metadata import metadata
from meterbill.storage.types import UTCDateTime

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # The key is scoped to the token that sent it, like an account-scoped key at Metronome.
    Column("scope", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer(), nullable=True),
    Column("response_body", LargeBinary(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(160), nullable=False),
    Column("external_id", String(255), nullable=True),
    Column("salesforce_account_id", String(255), nullable=True),
    Column("leave_stripe_invoices_in_draft", Boolean(), nullable=True),
    # Integration settings we store and return but do not act on (JSON text).
    Column("billing_config", Text(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("archived_at", UTCDateTime(), nullable=True),
    Index("ix_customers_created_at_id", "created_at", "id"),
)

customer_ingest_aliases = Table(
    "customer_ingest_aliases",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column(
        "customer_id",
        String(36),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("alias", String(255), nullable=False),
    Column("position", Integer(), nullable=False),
    # An archived customer's aliases are free for another customer to take.
    Column("active", Boolean(), nullable=False, server_default=text("true")),
    Index("ix_customer_ingest_aliases_customer_id", "customer_id"),
    Index(
        "uq_customer_ingest_aliases_active_alias",
        "alias",
        unique=True,
        sqlite_where=text("active"),
        postgresql_where=text("active"),
    ),
)

credit_types = Table(
    "credit_types",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("is_currency", Boolean(), nullable=False),
    # Order of the built-in fiat list, then creation order for custom units.
    Column("sort_key", Integer(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("archived_at", UTCDateTime(), nullable=True),
    Index("ix_credit_types_sort_key", "sort_key"),
)

custom_field_keys = Table(
    "custom_field_keys",
    metadata,
    Column("entity", String(40), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("enforce_uniqueness", Boolean(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

custom_field_values = Table(
    "custom_field_values",
    metadata,
    Column("entity", String(40), primary_key=True),
    Column("entity_id", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", String(200), nullable=False),
    # Set to the value only when the key enforces uniqueness, so that the unique constraint
    # below (NULLs never collide) enforces it on both backends, even under concurrency.
    Column("unique_value", String(200), nullable=True),
    UniqueConstraint("entity", "key", "unique_value"),
    ForeignKeyConstraint(
        ["entity", "key"],
        ["custom_field_keys.entity", "custom_field_keys.key"],
        ondelete="CASCADE",
    ),
    Index("ix_custom_field_values_entity_key", "entity", "key"),
)
