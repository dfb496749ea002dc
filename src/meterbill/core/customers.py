"""Customers: who is billed, and the ids their usage events may carry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from meterbill.core.errors import DomainValidationError

MAX_NAME_LENGTH = 160
MAX_INGEST_ALIAS_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer as stored. ``ingest_aliases`` keep the order they were given in."""

    id: str
    name: str
    ingest_aliases: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    archived_at: datetime | None = None
    salesforce_account_id: str | None = None
    leave_stripe_invoices_in_draft: bool | None = None
    billing_config: Mapping[str, object] | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def public_external_id(self) -> str:
        """Metronome's (deprecated) ``external_id``: the first id usable in events."""
        if self.external_id:
            return self.external_id
        return self.ingest_aliases[0] if self.ingest_aliases else self.id

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def normalise_name(name: str) -> str:
    """Truncate to 160 characters, as Metronome documents; refuse a blank name."""
    if not name.strip():
        raise DomainValidationError("name: must not be empty")
    return name[:MAX_NAME_LENGTH]


def normalise_ingest_aliases(aliases: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Drop repeats (keeping first order); refuse empty or over-long aliases."""
    seen: dict[str, None] = {}
    for index, alias in enumerate(aliases):
        if not alias:
            raise DomainValidationError(f"ingest_aliases[{index}]: must not be empty")
        if len(alias) > MAX_INGEST_ALIAS_LENGTH:
            raise DomainValidationError(
                f"ingest_aliases[{index}]: longer than {MAX_INGEST_ALIAS_LENGTH} characters"
            )
        seen.setdefault(alias, None)
    return tuple(seen)
