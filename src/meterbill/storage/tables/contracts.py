"""Tables of contracts: one row per contract, its versions (terms as JSON), edits, term index.

A contract's terms live in ``contract_versions.document`` (JSON written by
``meterbill.core.contracts.codec``: decimals and instants tagged, never floats). Version 0 is
the contract as created; each edit writes the next version. The ``contracts`` row mirrors the
current version's indexed fields for queries.
"""

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from meterbill.storage.tables._metadata import metadata
from meterbill.storage.types import UTCDateTime

contracts = Table(
    "contracts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("customer_id", String(36), ForeignKey("customers.id"), nullable=False),
    Column("package_id", String(36), nullable=True),
    Column("starting_at", UTCDateTime(), nullable=False),
    Column("ending_before", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("archived_at", UTCDateTime(), nullable=True),
    Column("uniqueness_key", String(128), nullable=True, unique=True),
    Column("current_version", Integer(), nullable=False),
    Index("ix_contracts_customer_id_starting_at", "customer_id", "starting_at", "id"),
    Index("ix_contracts_starting_at", "starting_at"),
)

contract_versions = Table(
    "contract_versions",
    metadata,
    Column(
        "contract_id",
        String(36),
        ForeignKey("contracts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", Integer(), primary_key=True),
    # The edit that produced this version (NULL for version 0, the contract as created).
    Column("edit_id", String(36), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("document", Text(), nullable=False),
)

contract_edits = Table(
    "contract_edits",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "contract_id", String(36), ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False
    ),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("uniqueness_key", String(128), nullable=True, unique=True),
    Column("document", Text(), nullable=False),
    Index("ix_contract_edits_contract_id_created_at", "contract_id", "created_at"),
)

contract_terms = Table(
    "contract_terms",
    metadata,
    # Every term id (commit, credit, scheduled charge, subscription, override, recurring
    # commit/credit) -> its contract, so lookups by term id are one indexed read.
    Column("term_id", String(36), primary_key=True),
    Column(
        "contract_id", String(36), ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False
    ),
    Column("kind", String(32), nullable=False),
    Index("ix_contract_terms_contract_id", "contract_id"),
)
