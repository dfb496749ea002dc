"""Usage events: bulk, deduplicated inserts and lookups by transaction id.

Ingest writes whole batches with one statement: no ORM object per event, no per-row round
trip. The primary key on ``transaction_id`` does the deduplication: the insert skips ids
already taken (``ON CONFLICT DO NOTHING``) and reports which were skipped, so a concurrent
duplicate waits for the first writer and is then skipped, never counted twice.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select

from meterbill.core.metering import JsonValue, UsageEvent, numeric_value, property_text
from meterbill.storage.tables import usage_event_duplicates as duplicates_t
from meterbill.storage.tables import usage_events as events_t

_encode_str = json.encoder.encode_basestring
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?", re.ASCII)
_SAFE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_EVENT_IDS = uuid.UUID("6f1c0d3e-5b0b-4f7c-9a55-0e6d1c3a9b21")
_COLUMNS = (
    'transaction_id, customer_ref, event_type, "timestamp", properties, texts, numbers, '
    "processed_at"
)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as ingest kept it: counted (``is_duplicate`` False) or set aside."""

    id: str
    event: UsageEvent
    processed_at: datetime
    is_duplicate: bool


def sqlite_key(name: str) -> str:
    """The key a property is stored under in SQLite's ``texts``/``numbers`` objects.

    Plain identifiers stay as they are; anything else is hex-encoded behind a ``~`` (which no
    identifier starts with), so every key can be written inside a quoted JSON path.
    """
    if _SAFE_NAME.fullmatch(name):
        return name
    return "~" + name.encode("utf-8").hex()


def encode_properties(
    properties: Mapping[str, JsonValue], *, sqlite: bool
) -> tuple[str, str, str | None]:
    """``(properties, texts, numbers)`` as JSON texts for one event (see ``tables/metering``)."""
    raw: list[str] = []
    texts: dict[str, str] = {}
    numbers: dict[str, str] = {}
    for name, value in properties.items():
        key = sqlite_key(name) if sqlite else name
        if value is None:
            raw.append(f"{_encode_str(name)}:null")
            continue
        if isinstance(value, str):
            raw.append(f"{_encode_str(name)}:{_encode_str(value)}")
            texts[key] = value
            if value and value[0] in "-0123456789":
                number = numeric_text(value)
                if number is not None:
                    numbers[key] = number
            continue
        text = property_text(value)
        assert text is not None
        # The text of a non-string value is its canonical JSON: it is also its raw form.
        raw.append(f"{_encode_str(name)}:{text}")
        texts[key] = text
        if not isinstance(value, bool) and isinstance(value, int | Decimal):
            numbers[key] = text
    return (
        "{" + ",".join(raw) + "}",
        json.dumps(texts, ensure_ascii=False, separators=(",", ":")),
        json.dumps(numbers, separators=(",", ":")) if numbers else None,
    )


def numeric_text(value: str) -> str | None:
    """``numeric_value(value)`` as plain text, or None; short plain numbers skip ``Decimal``.

    A string of at most 30 characters without exponent is within the exact range, and its
    canonical text is itself without trailing fractional zeros (``-0`` is ``0``).
    """
    if len(value) <= 30 and _PLAIN_NUMBER.fullmatch(value):
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        return "0" if value == "-0" else value
    number = numeric_value(value)
    return None if number is None else format(number, "f")


def decode_properties(text: str) -> dict[str, Any]:
    """The stored properties, numbers exact."""
    value = json.loads(text, parse_float=Decimal)
    assert isinstance(value, dict)
    return value


def event_id(transaction_id: str, duplicate_id: int | None = None) -> str:
    """A stable event id: derived from the transaction id (and the duplicate's row id)."""
    name = transaction_id if duplicate_id is None else f"{transaction_id}\x00{duplicate_id}"
    return str(uuid.uuid5(_EVENT_IDS, name))


class EventRepository:
    """Writes accepted events and duplicates; finds events by transaction id."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._sqlite = connection.dialect.name == "sqlite"

    def add_new(self, events: Sequence[UsageEvent], processed_at: datetime) -> list[UsageEvent]:
        """Insert ``events`` (distinct transaction ids); return those whose id was taken.

        The returned events were not stored: an event with the same transaction id was
        committed before (or by a concurrent request that committed first).
        """
        if not events:
            return []
        rows = [self._row(event) for event in events]
        inserted = self._insert_pg(rows, processed_at) if not self._sqlite else None
        if inserted is None:
            inserted = self._insert_sqlite(rows, processed_at)
        return [event for event in events if event.transaction_id not in inserted]

    def add_duplicates(self, events: Sequence[UsageEvent], processed_at: datetime) -> None:
        """Record events acknowledged as duplicates (shown by event search, never counted)."""
        if not events:
            return
        self._conn.execute(
            duplicates_t.insert(),
            [
                {
                    "transaction_id": e.transaction_id,
                    "customer_ref": e.customer_id,
                    "event_type": e.event_type,
                    "timestamp": e.timestamp,
                    "properties": encode_properties(e.properties, sqlite=self._sqlite)[0],
                    "processed_at": processed_at,
                }
                for e in events
            ],
        )

    def find(self, transaction_ids: Iterable[str]) -> list[StoredEvent]:
        """Stored events and duplicates with these ids: per id, the counted one first."""
        wanted = list(dict.fromkeys(transaction_ids))
        if not wanted:
            return []
        found: dict[str, list[StoredEvent]] = {ident: [] for ident in wanted}
        counted = self._conn.execute(select(events_t).where(events_t.c.transaction_id.in_(wanted)))
        for row in counted:
            found[row.transaction_id].append(
                StoredEvent(event_id(row.transaction_id), _event(row), row.processed_at, False)
            )
        dupes = self._conn.execute(
            select(duplicates_t)
            .where(duplicates_t.c.transaction_id.in_(wanted))
            .order_by(duplicates_t.c.id)
        )
        for row in dupes:
            found[row.transaction_id].append(
                StoredEvent(
                    event_id(row.transaction_id, row.id), _event(row), row.processed_at, True
                )
            )
        return [stored for ident in wanted for stored in found[ident]]

    def _row(self, event: UsageEvent) -> tuple[Any, ...]:
        properties, texts, numbers = encode_properties(event.properties, sqlite=self._sqlite)
        timestamp: Any = _sqlite_instant(event.timestamp) if self._sqlite else event.timestamp
        return (
            event.transaction_id,
            event.customer_id,
            event.event_type,
            timestamp,
            properties,
            texts,
            numbers,
        )

    def _insert_pg(self, rows: list[tuple[Any, ...]], processed_at: datetime) -> set[str]:
        # One statement over arrays, sent in binary: psycopg dumps binary arrays in C, where
        # text arrays and long VALUES lists cost more in Python than the insert itself.
        columns = [list(column) for column in zip(*rows, strict=True)]
        raw = self._conn.connection.driver_connection
        assert raw is not None
        with raw.cursor(binary=True) as cursor:
            cursor.execute(_PG_INSERT, (processed_at, *columns))
            return {row[0] for row in cursor.fetchall()}

    def _insert_sqlite(self, rows: list[tuple[Any, ...]], processed_at: datetime) -> set[str]:
        at = _sqlite_instant(processed_at)
        params = [value for row in rows for value in (*row, at)]
        result = self._conn.exec_driver_sql(_sqlite_insert(len(rows)), tuple(params))
        return {row[0] for row in result}


_PG_INSERT = (
    f"INSERT INTO usage_events ({_COLUMNS}) "
    "SELECT t.*, %b FROM unnest(%b::varchar[], %b::varchar[], %b::text[], "
    "%b::timestamptz[], %b::text[], %b::jsonb[], %b::jsonb[]) AS t "
    "ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id"
)


@lru_cache(maxsize=128)
def _sqlite_insert(count: int) -> str:
    values = ",".join(["(?,?,?,?,?,?,?,?)"] * count)
    return (
        f"INSERT INTO usage_events ({_COLUMNS}) VALUES {values} "
        "ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id"
    )


def _sqlite_instant(value: datetime) -> str:
    """The text SQLAlchemy's SQLite ``DateTime`` stores (UTC, microseconds always written)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _event(row: Any) -> UsageEvent:
    return UsageEvent(
        transaction_id=row.transaction_id,
        customer_id=row.customer_ref,
        event_type=row.event_type,
        timestamp=row.timestamp,
        properties=decode_properties(row.properties),
    )
