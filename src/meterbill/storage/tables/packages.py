"""Tables of packages: the immutable template, its alias schedule, its term ids."""

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from meterbill.storage.tables._metadata import metadata
from meterbill.storage.types import UTCDateTime

packages = Table(
    "packages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("archived_at", UTCDateTime(), nullable=True),
    Column("uniqueness_key", String(255), nullable=True),
    # The whole package (core values) as a JSON document (core.contracts.codec): exact
    # decimals and instants, never floats. A package never changes after creation.
    Column("document", Text(), nullable=False),
    UniqueConstraint("uniqueness_key"),
    Index("ix_packages_created_at_id", "created_at", "id"),
)

package_aliases = Table(
    "package_aliases",
    metadata,
    # Assignment order: the newest assignment wins should windows ever overlap.
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("package_id", String(36), ForeignKey("packages.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("starting_at", UTCDateTime(), nullable=True),
    Column("ending_before", UTCDateTime(), nullable=True),
    Index("ix_package_aliases_name", "name"),
    Index("ix_package_aliases_package_id", "package_id"),
)

package_terms = Table(
    "package_terms",
    metadata,
    # Template ids of the terms custom fields can be set on (package_commit, package_credit,
    # package_scheduled_charge, package_subscription): what custom-field lookups check.
    Column("id", String(36), primary_key=True),
    Column("package_id", String(36), ForeignKey("packages.id", ondelete="CASCADE"), nullable=False),
    Column("entity", String(40), nullable=False),
    Index("ix_package_terms_package_id", "package_id"),
)
