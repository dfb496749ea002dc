"""Tables of balances: customer-level commits and credits, and balance ledger entries.

Contract-level commits and credits live in the contract's terms; their segment starts and
expirations are derived from those terms, never stored. What is stored is every event that
moves a balance: invoice deductions (written with the finalised invoice, in its transaction),
manual entries, rollovers and postpaid true-ups.
"""

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from meterbill.storage.tables._metadata import metadata
from meterbill.storage.types import ExactDecimal, UTCDateTime

customer_commits = Table(
    "customer_commits",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), nullable=False),
    Column("kind", String(20), nullable=False),  # PREPAID | POSTPAID | CREDIT
    Column("ordinal", Integer(), nullable=False),
    # The commit's terms (meterbill.core.contracts.codec document, JSON text).
    Column("document", Text(), nullable=False),
    # JSON list of contract ids (empty: every contract of the customer).
    Column("applicable_contract_ids", Text(), nullable=False),
    Column("invoice_contract_id", String(36), nullable=True),
    # One key space for commits and credits (SDK types/shared/commit.py uniqueness_key).
    Column("uniqueness_key", String(128), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("archived_at", UTCDateTime(), nullable=True),
    UniqueConstraint("uniqueness_key", name="uq_customer_commits_uniqueness_key"),
    Index("ix_customer_commits_customer_id_ordinal", "customer_id", "ordinal"),
)

balance_ledger_entries = Table(
    "balance_ledger_entries",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("customer_id", String(36), nullable=False),
    Column("contract_id", String(36), nullable=True),  # None: a customer-level balance
    Column("commit_id", String(36), nullable=False),
    Column("segment_id", String(80), nullable=False),
    Column("type", String(60), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Column("timestamp", UTCDateTime(), nullable=False),
    Column("invoice_id", String(36), nullable=True),
    Column("new_contract_id", String(36), nullable=True),
    Column("reason", Text(), nullable=True),
    Column("uniqueness_key", String(128), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("uniqueness_key", name="uq_balance_ledger_entries_uniqueness_key"),
    Index("ix_balance_ledger_entries_customer_id", "customer_id"),
    Index("ix_balance_ledger_entries_commit_id", "commit_id"),
)
