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
# --- metering tables ---
# --- contracts tables ---

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
