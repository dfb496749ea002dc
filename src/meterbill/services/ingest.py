"""``POST /v1/ingest``: validate a batch whole, store new events, acknowledge duplicates.

The batch is checked by the core (:func:`parse_ingest_batch`): one bad event rejects it all and
nothing is stored. Within the batch the first event of a transaction id wins
(:func:`split_duplicates`); against events already stored, the table's unique key decides, so a
concurrent duplicate is never counted twice. The function returns only after the commit: a 200
means the events are durable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from meterbill.clock import Clock
from meterbill.core.errors import DomainValidationError
from meterbill.core.metering import (
    JsonValue,
    UsageEvent,
    parse_ingest_batch,
    property_text,
    split_duplicates,
)
from meterbill.storage.uow import UnitOfWork

MAX_CUSTOMER_ID_LENGTH = 255
"""An ingest alias is at most 255 characters and an id 36: a longer one could never match."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    """How many events of the batch were stored and how many were duplicates."""

    accepted: int
    duplicates: int


def ingest(uow: UnitOfWork, clock: Clock, body: object, *, backdate_days: int) -> IngestResult:
    """Validate and store one batch (a parsed JSON body, numbers as ``int``/``Decimal``)."""
    now = clock.now()
    events = parse_ingest_batch(body, now=now, backdate_days=backdate_days)
    check_storable(events)
    split = split_duplicates(events)
    with uow:
        taken = uow.events.add_new(split.accepted, now)
        uow.events.add_duplicates([*split.duplicates, *taken], now)
        uow.commit()
    return IngestResult(
        accepted=len(split.accepted) - len(taken), duplicates=len(split.duplicates) + len(taken)
    )


def check_storable(events: Sequence[UsageEvent]) -> None:
    """Refuse what the database cannot hold: NUL characters and unpaired surrogates.

    PostgreSQL text cannot contain NUL, and no UTF-8 can encode a lone surrogate (JSON lets
    ``"\\ud800"`` through). Also refuses a ``customer_id`` longer than any id or alias.
    """
    for index, event in enumerate(events):
        path = f"events[{index}]"
        if len(event.customer_id) > MAX_CUSTOMER_ID_LENGTH:
            raise DomainValidationError(
                f"{path}.customer_id: at most {MAX_CUSTOMER_ID_LENGTH} characters"
            )
        for name in ("transaction_id", "customer_id", "event_type"):
            if not _clean(getattr(event, name)):
                raise DomainValidationError(f"{path}.{name}: {_UNSTORABLE}")
        _check_properties(event.properties, f"{path}.properties")


_UNSTORABLE = "must not contain NUL characters or unpaired surrogates"


def _check_properties(properties: Mapping[str, JsonValue], path: str) -> None:
    for name, value in properties.items():
        if not _clean(name):
            raise DomainValidationError(f"{path}: property names {_UNSTORABLE}")
        if isinstance(value, str):
            clean = _clean(value)
        elif isinstance(value, tuple | Mapping):
            # Nested strings are stored as JSON text, where NUL is escaped.
            clean = _encodable(property_text(value) or "")
        else:
            clean = True
        if not clean:
            raise DomainValidationError(f"{path}.{name}: {_UNSTORABLE}")


def _clean(text: str) -> bool:
    return "\x00" not in text and _encodable(text)


def _encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
