"""Metering: billable metrics, usage events, duplicate events.

Revision ID: 0003_metering
Revises: 0002_catalog
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from meterbill.storage.types import UTCDateTime

revision: str = "0003_metering"
down_revision: str | None = "0002_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON_OBJECT = sa.Text().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "billable_metrics",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_billable_metrics"),
    )
    op.create_index("ix_billable_metrics_created_at_id", "billable_metrics", ["created_at", "id"])
    op.create_table(
        "usage_events",
        sa.Column("transaction_id", sa.String(128), nullable=False),
        sa.Column("customer_ref", sa.String(255), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("properties", sa.Text(), nullable=False),
        sa.Column("texts", _JSON_OBJECT, nullable=False),
        sa.Column("numbers", _JSON_OBJECT, nullable=True),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("transaction_id", name="pk_usage_events"),
    )
    op.create_index(
        "ix_usage_events_customer_ref_timestamp", "usage_events", ["customer_ref", "timestamp"]
    )
    op.create_table(
        "usage_event_duplicates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("transaction_id", sa.String(128), nullable=False),
        sa.Column("customer_ref", sa.String(255), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("properties", sa.Text(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_usage_event_duplicates"),
    )
    op.create_index(
        "ix_usage_event_duplicates_transaction_id", "usage_event_duplicates", ["transaction_id"]
    )


def downgrade() -> None:
    for table in ("usage_event_duplicates", "usage_events", "billable_metrics"):
        op.drop_table(table)
