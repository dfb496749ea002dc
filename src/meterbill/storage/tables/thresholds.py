"""Threshold billing: the contracts whose thresholds are watched.

A contract is listed while one of its threshold configurations (prepaid balance or spend) is
enabled, so that ingest finds the contracts to evaluate with one indexed query instead of
reading every contract of the batch's customers.
"""

from sqlalchemy import Column, ForeignKey, Index, String, Table

from meterbill.storage.tables._metadata import metadata
from meterbill.storage.types import UTCDateTime

threshold_contracts = Table(
    "threshold_contracts",
    metadata,
    Column("contract_id", String(36), ForeignKey("contracts.id"), primary_key=True),
    Column("customer_id", String(36), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_threshold_contracts_customer_id", "customer_id"),
)
