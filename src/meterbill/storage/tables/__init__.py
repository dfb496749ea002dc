"""All tables, on one ``MetaData`` with named constraints (Alembic can then alter SQLite).

Each area of the product declares its tables in its own module; importing this package
registers them all, which is what Alembic's ``env.py`` and the tests rely on.
"""

from meterbill.storage.tables._metadata import metadata
from meterbill.storage.tables.foundation import (
    api_tokens,
    credit_types,
    custom_field_keys,
    custom_field_values,
    customer_ingest_aliases,
    customers,
    idempotency_keys,
)

# --- catalog tables ---
# isort: split
from meterbill.storage.tables.catalog import product_versions as product_versions
from meterbill.storage.tables.catalog import products as products
from meterbill.storage.tables.catalog import rate_card_aliases as rate_card_aliases
from meterbill.storage.tables.catalog import (
    rate_card_credit_type_conversions as rate_card_credit_type_conversions,
)
from meterbill.storage.tables.catalog import rate_card_product_order as rate_card_product_order
from meterbill.storage.tables.catalog import rate_cards as rate_cards
from meterbill.storage.tables.catalog import rates as rates

# --- metering tables ---
# isort: split
from meterbill.storage.tables.metering import billable_metrics as billable_metrics
from meterbill.storage.tables.metering import usage_event_duplicates as usage_event_duplicates
from meterbill.storage.tables.metering import usage_events as usage_events

# --- contracts tables ---
# isort: split
from meterbill.storage.tables.contracts import contract_edits as contract_edits
from meterbill.storage.tables.contracts import contract_terms as contract_terms
from meterbill.storage.tables.contracts import contract_versions as contract_versions
from meterbill.storage.tables.contracts import contracts as contracts

# --- invoices tables ---
# isort: split
from meterbill.storage.tables.invoices import invoices as invoices

# --- packages tables ---
# isort: split
from meterbill.storage.tables.packages import package_aliases as package_aliases
from meterbill.storage.tables.packages import package_terms as package_terms
from meterbill.storage.tables.packages import packages as packages

# --- balances tables ---
# isort: split
from meterbill.storage.tables.balances import balance_ledger_entries as balance_ledger_entries
from meterbill.storage.tables.balances import customer_commits as customer_commits

# --- thresholds tables ---
# isort: split
from meterbill.storage.tables.thresholds import threshold_contracts as threshold_contracts

__all__ = [
    "api_tokens",
    "credit_types",
    "custom_field_keys",
    "custom_field_values",
    "customer_ingest_aliases",
    "customers",
    "idempotency_keys",
    "metadata",
]
