"""Foundation: API tokens, idempotency keys, customers, pricing units, custom fields.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from meterbill.storage.types import UTCDateTime

revision: str = "0001_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the fiat list at the time of this migration (USD keeps Metronome's id).
_FIAT = [
    ("2714e483-4ff1-48e4-9e25-ac732e8f24f2", "USD (cents)"),
    ("AUD", "AUD"), ("BRL", "BRL"), ("CAD", "CAD"), ("CHF", "CHF"), ("CZK", "CZK"),
    ("EUR", "EUR"), ("GBP", "GBP"), ("INR", "INR"), ("MXN", "MXN"), ("NGN", "NGN"),
    ("NOK", "NOK"), ("PLN", "PLN"), ("SEK", "SEK"), ("TRY", "TRY"), ("ZAR", "ZAR"),
    ("NZD", "NZD"), ("SGD", "SGD"),
]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "customers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("salesforce_account_id", sa.String(255), nullable=True),
        sa.Column("leave_stripe_invoices_in_draft", sa.Boolean(), nullable=True),
        sa.Column("billing_config", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
    )
    op.create_index("ix_customers_created_at_id", "customers", ["created_at", "id"])
    op.create_table(
        "customer_ingest_aliases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("alias", sa.String(255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_customer_ingest_aliases_customer_id_customers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_customer_ingest_aliases"),
    )
    op.create_index(
        "ix_customer_ingest_aliases_customer_id", "customer_ingest_aliases", ["customer_id"]
    )
    op.create_index(
        "uq_customer_ingest_aliases_active_alias",
        "customer_ingest_aliases",
        ["alias"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    credit_types = op.create_table(
        "credit_types",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("is_currency", sa.Boolean(), nullable=False),
        sa.Column("sort_key", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credit_types"),
    )
    op.create_index("ix_credit_types_sort_key", "credit_types", ["sort_key"])
    op.create_table(
        "custom_field_keys",
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("enforce_uniqueness", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "key", name="pk_custom_field_keys"),
    )
    op.create_table(
        "custom_field_values",
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("unique_value", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity", "key"],
            ["custom_field_keys.entity", "custom_field_keys.key"],
            name="fk_custom_field_values_entity_custom_field_keys",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity", "entity_id", "key", name="pk_custom_field_values"),
        sa.UniqueConstraint(
            "entity", "key", "unique_value", name="uq_custom_field_values_entity_key_unique_value"
        ),
    )
    op.create_index("ix_custom_field_values_entity_key", "custom_field_values", ["entity", "key"])
    _seed_fiat(credit_types)


def _seed_fiat(credit_types: sa.Table) -> None:
    import uuid

    namespace = uuid.UUID("0b7e1c9a-7a4e-4f55-9a53-6d1f3f1c0de1")
    epoch = datetime(2020, 1, 1, tzinfo=UTC)
    rows = []
    for index, (code_or_id, name) in enumerate(_FIAT):
        ident = code_or_id if index == 0 else str(uuid.uuid5(namespace, f"fiat:{code_or_id}"))
        rows.append(
            {"id": ident, "name": name, "is_currency": True, "sort_key": index, "created_at": epoch}
        )
    op.bulk_insert(credit_types, rows)


def downgrade() -> None:
    for table in (
        "custom_field_values",
        "custom_field_keys",
        "credit_types",
        "customer_ingest_aliases",
        "customers",
        "idempotency_keys",
        "api_tokens",
    ):
        op.drop_table(table)
