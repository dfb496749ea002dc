"""Stable invoice ids: a draft keeps its id across reads and when it is finalised."""

from __future__ import annotations

import uuid

from meterbill.core.invoicing.model import InvoiceKey

# A fixed namespace so ids are the same on every server and every run.
_NAMESPACE = uuid.UUID("6f2c4b1e-9a57-5d0c-8e3b-2a1d7c9e4f60")


def invoice_id(key: InvoiceKey, revision: int = 0) -> str:
    """The id of the invoice for ``key``: a UUIDv5 of the key (and of the revision when an
    invoice is regenerated, so the regenerated invoice gets a new id)."""
    parts = [
        key.contract_id,
        key.type.value,
        key.credit_type_id,
        key.starting_at.isoformat(),
        key.ending_before.isoformat(),
    ]
    if revision:
        parts.append(str(revision))
    return str(uuid.uuid5(_NAMESPACE, "|".join(parts)))
