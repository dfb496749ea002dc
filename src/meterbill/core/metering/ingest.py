"""The pure rules of ``POST /v1/ingest``: validate a batch, and keep the first of each duplicate.

One bad event rejects the whole batch: :func:`parse_ingest_batch` raises a single
:class:`DomainValidationError` whose message starts with the event's index and field
(``events[3].timestamp: ...``). Duplicates are not errors: :func:`split_duplicates` sets them
aside so they are acknowledged and never counted.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from meterbill.core.errors import DomainValidationError
from meterbill.core.metering.properties import JsonValue
from meterbill.core.metering.timestamps import parse_rfc3339
from meterbill.core.metering.values import (
    EMPTY_PROPERTIES,
    UsageEvent,
    event_from_frozen,
    freeze_properties,
)

MAX_BATCH_SIZE = 100
MAX_TRANSACTION_ID_LENGTH = 128
DEFAULT_BACKDATE_DAYS = 34
FUTURE_LIMIT = timedelta(hours=24)


def parse_ingest_batch(
    body: object, *, now: datetime, backdate_days: int = DEFAULT_BACKDATE_DAYS
) -> tuple[UsageEvent, ...]:
    """Validate a parsed JSON ingest body and return its events in order, duplicates included.

    ``body`` must be an array of 1-100 event objects. Timestamps must lie in
    ``[now - backdate_days, now + 24 hours]``, both ends accepted. ``now`` must be
    timezone-aware. Unknown event fields are ignored; ``properties: null`` means no properties.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(body, list):
        raise DomainValidationError("events: the body must be a JSON array of events")
    if not 1 <= len(body) <= MAX_BATCH_SIZE:
        raise DomainValidationError(f"events: a batch holds 1 to {MAX_BATCH_SIZE} events")
    earliest = now - timedelta(days=backdate_days)
    return tuple(
        _parse_event(raw, f"events[{index}]", earliest, now + FUTURE_LIMIT, backdate_days)
        for index, raw in enumerate(body)
    )


def _parse_event(
    raw: object, path: str, earliest: datetime, latest: datetime, backdate_days: int
) -> UsageEvent:
    if not isinstance(raw, Mapping):
        raise DomainValidationError(f"{path}: must be an object")
    transaction_id = _string(raw, "transaction_id", path)
    if len(transaction_id) > MAX_TRANSACTION_ID_LENGTH:
        raise DomainValidationError(
            f"{path}.transaction_id: at most {MAX_TRANSACTION_ID_LENGTH} characters"
        )
    customer_id = _string(raw, "customer_id", path)
    event_type = _string(raw, "event_type", path)
    timestamp = _timestamp(raw, path)
    if timestamp > latest:
        raise DomainValidationError(f"{path}.timestamp: more than 24 hours in the future")
    if timestamp < earliest:
        raise DomainValidationError(
            f"{path}.timestamp: older than the {backdate_days}-day backdating window"
        )
    # The properties are frozen once, here; the event keeps them without a second copy.
    return event_from_frozen(
        transaction_id, customer_id, event_type, timestamp, _properties(raw, path)
    )


def _string(raw: Mapping[object, object], field: str, path: str) -> str:
    value = raw.get(field)
    if value is None:
        raise DomainValidationError(f"{path}.{field}: required")
    if not isinstance(value, str):
        raise DomainValidationError(f"{path}.{field}: must be a string")
    if not value:
        raise DomainValidationError(f"{path}.{field}: must not be empty")
    return value


def _timestamp(raw: Mapping[object, object], path: str) -> datetime:
    text = _string(raw, "timestamp", path)
    try:
        return parse_rfc3339(text)
    except ValueError as error:
        raise DomainValidationError(f"{path}.timestamp: {error}") from None


def _properties(raw: Mapping[object, object], path: str) -> Mapping[str, JsonValue]:
    value = raw.get("properties")
    if value is None:
        return EMPTY_PROPERTIES
    if not isinstance(value, Mapping):
        raise DomainValidationError(f"{path}.properties: must be an object")
    return freeze_properties(value, f"{path}.properties")


@dataclass(frozen=True, slots=True)
class DedupResult:
    """``accepted`` are new events in their original order; ``duplicates`` the rest."""

    accepted: tuple[UsageEvent, ...]
    duplicates: tuple[UsageEvent, ...]


def split_duplicates(
    events: Iterable[UsageEvent], already_seen: Container[str] = frozenset()
) -> DedupResult:
    """Keep the first event of each ``transaction_id``; later ones are duplicates.

    ``already_seen`` holds the transaction ids accepted earlier within the dedup window; an
    event with one of them is a duplicate too. The key is the transaction id alone, whatever
    the customer id or content.
    """
    seen: set[str] = set()
    accepted: list[UsageEvent] = []
    duplicates: list[UsageEvent] = []
    for event in events:
        new = event.transaction_id not in seen and event.transaction_id not in already_seen
        (accepted if new else duplicates).append(event)
        seen.add(event.transaction_id)
    return DedupResult(accepted=tuple(accepted), duplicates=tuple(duplicates))
