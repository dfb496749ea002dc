"""Tables of metering: billable metrics, usage events and the duplicates ingest set aside.

``usage_events`` is written by bulk statements (see ``repositories/events.py``), never one
ORM object per event. Its primary key is the ``transaction_id``: deduplication is the unique
constraint itself, so two concurrent requests carrying the same id cannot both count.

Besides the properties as received, each event stores two derived JSON objects that the SQL
aggregation reads with ``->>`` and nothing else:

- ``texts``: property name -> ``property_text`` of its value, for every non-null property
  (what filters, groups and UNIQUE compare);
- ``numbers``: property name -> plain decimal text of its ``numeric_value``, for every numeric
  property (what SUM, MAX and LATEST read), or NULL when there is none.

Both are ``jsonb`` on PostgreSQL and JSON text on SQLite, where names that are not plain
identifiers are stored hex-encoded (SQLite's JSON paths cannot quote every character).
"""

from sqlalchemy import Column, Index, Integer, String, Table, Text
from sqlalchemy.dialects import postgresql

from meterbill.storage.tables._metadata import metadata
from meterbill.storage.types import UTCDateTime

JSON_OBJECT = Text().with_variant(postgresql.JSONB(), "postgresql")
"""A JSON object: ``jsonb`` on PostgreSQL, text on SQLite. Written and read as text only."""

billable_metrics = Table(
    "billable_metrics",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", Text(), nullable=False),
    # JSON text of the structured definition (see repositories/billable_metrics.py).
    Column("definition", Text(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("archived_at", UTCDateTime(), nullable=True),
    Index("ix_billable_metrics_created_at_id", "created_at", "id"),
)

usage_events = Table(
    "usage_events",
    metadata,
    Column("transaction_id", String(128), primary_key=True),
    # The customer id or ingest alias exactly as sent; resolved to a customer at query time so
    # that an alias moved by setIngestAliases moves its usage.
    Column("customer_ref", String(255), nullable=False),
    Column("event_type", Text(), nullable=False),
    Column("timestamp", UTCDateTime(), nullable=False),
    # The properties as received (numbers in plain notation), for search and previews.
    Column("properties", Text(), nullable=False),
    Column("texts", JSON_OBJECT, nullable=False),
    Column("numbers", JSON_OBJECT, nullable=True),
    Column("processed_at", UTCDateTime(), nullable=False),
    Index("ix_usage_events_customer_ref_timestamp", "customer_ref", "timestamp"),
)

usage_event_duplicates = Table(
    "usage_event_duplicates",
    metadata,
    # Events acknowledged but not counted because their transaction id was already taken.
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("transaction_id", String(128), nullable=False),
    Column("customer_ref", String(255), nullable=False),
    Column("event_type", Text(), nullable=False),
    Column("timestamp", UTCDateTime(), nullable=False),
    Column("properties", Text(), nullable=False),
    Column("processed_at", UTCDateTime(), nullable=False),
    Index("ix_usage_event_duplicates_transaction_id", "transaction_id"),
)
