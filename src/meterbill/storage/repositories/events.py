"""Usage events: bulk, deduplicated inserts and lookups by transaction id.

Ingest writes whole batches with one statement: no ORM object per event, no per-row round
trip. The primary key on ``transaction_id`` does the deduplication: the insert skips ids
already taken (``ON CONFLICT DO NOTHING``) and reports which were skipped, so a concurrent
duplicate waits for the first writer and is then skipped, never counted twice.

Events are encoded into rows (:func:`encode_events`) before any connection is taken, in one
pass that also refuses what the database cannot hold, so that a group of batches can be
written together (see ``services/ingest.py``).
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
from operator import itemgetter
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


@lru_cache(maxsize=4096)
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
    return _encode(properties, sqlite)


EventRow = tuple[str, str, str, Any, str, str, str | None, Any]
"""An event as stored: ``(transaction_id, customer_ref, event_type, timestamp, properties,
texts, numbers, processed_at)``, instants as the backend's driver takes them."""

MAX_CUSTOMER_REF_LENGTH = 255
"""The ``customer_ref`` column's length: the longest ingest alias (an id is 36)."""

UNSTORABLE = "must not contain NUL characters or unpaired surrogates"


class UnstorableEvent(ValueError):
    """An event holds text the database cannot store.

    ``index`` is the event's position in the batch and ``detail`` starts with the wire field
    path within the event (``"properties.region: must not contain ..."``).
    """

    def __init__(self, index: int, detail: str) -> None:
        super().__init__(f"events[{index}].{detail}")
        self.index = index
        self.detail = detail


def encode_events(
    events: Sequence[UsageEvent], processed_at: datetime, *, sqlite: bool
) -> list[EventRow]:
    """Encode ``events`` into rows in one pass per event, refusing what cannot be stored.

    Raises :class:`UnstorableEvent` for the first event (in order) with a NUL character or
    an unpaired surrogate in a text column, a property name or a string property (PostgreSQL
    text cannot hold NUL, and no UTF-8 encodes a lone surrogate; nested strings are JSON text,
    where NUL is escaped), or a ``customer_id`` longer than any id or alias.
    """
    at: Any = _sqlite_instant(processed_at) if sqlite else processed_at
    rows: list[EventRow] = []
    append = rows.append
    for index, event in enumerate(events):
        transaction_id = event.transaction_id
        customer_id = event.customer_id
        event_type = event.event_type
        if len(customer_id) > MAX_CUSTOMER_REF_LENGTH:
            raise UnstorableEvent(
                index, f"customer_id: at most {MAX_CUSTOMER_REF_LENGTH} characters"
            )
        for name, text in (
            ("transaction_id", transaction_id),
            ("customer_id", customer_id),
            ("event_type", event_type),
        ):
            if "\x00" in text or not (text.isascii() or _encodable(text)):
                raise UnstorableEvent(index, f"{name}: {UNSTORABLE}")
        try:
            properties, texts, numbers = _encode(event.properties, sqlite, check=True)
        except _Unstorable as error:
            raise UnstorableEvent(index, str(error)) from None
        timestamp: Any = _sqlite_instant(event.timestamp) if sqlite else event.timestamp
        append((transaction_id, customer_id, event_type, timestamp, properties, texts, numbers, at))
    return rows


class _Unstorable(ValueError):
    pass


def _encode(
    properties: Mapping[str, JsonValue], sqlite: bool, *, check: bool = False
) -> tuple[str, str, str | None]:
    # One loop builds the three JSON texts by hand: a string property's raw and text entries
    # are the same ``"name":"value"`` piece, and numbers are plain digits needing no escape.
    raw: list[str] = []
    texts: list[str] = []
    numbers: list[str] = []
    for name, value in properties.items():
        if check and ("\x00" in name or not (name.isascii() or _encodable(name))):
            raise _Unstorable(f"properties: property names {UNSTORABLE}")
        quoted = _encode_str(name)
        key = _encode_str(sqlite_key(name)) if sqlite else quoted
        if isinstance(value, str):
            if check and ("\x00" in value or not (value.isascii() or _encodable(value))):
                raise _Unstorable(f"properties.{name}: {UNSTORABLE}")
            piece = _encode_str(value)
            raw.append(f"{quoted}:{piece}")
            texts.append(f"{key}:{piece}")
            if value and value[0] in "-0123456789":
                number = numeric_text(value)
                if number is not None:
                    numbers.append(f'{key}:"{number}"')
            continue
        if value is None:
            raw.append(f"{quoted}:null")
            continue
        text = str(value) if type(value) is int else property_text(value)
        assert text is not None
        if check and not (text.isascii() or _encodable(text)):
            raise _Unstorable(f"properties.{name}: {UNSTORABLE}")
        # The text of a non-string value is its canonical JSON: it is also its raw form.
        raw.append(f"{quoted}:{text}")
        texts.append(f"{key}:{_encode_str(text)}")
        if not isinstance(value, bool) and isinstance(value, int | Decimal):
            numbers.append(f'{key}:"{text}"')
    return (
        "{" + ",".join(raw) + "}",
        "{" + ",".join(texts) + "}",
        "{" + ",".join(numbers) + "}" if numbers else None,
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
        rows = encode_events(events, processed_at, sqlite=self._sqlite)
        inserted = self.insert_new(rows)
        return [event for event in events if event.transaction_id not in inserted]

    def add_duplicates(self, events: Sequence[UsageEvent], processed_at: datetime) -> None:
        """Record events acknowledged as duplicates (shown by event search, never counted)."""
        self.insert_duplicates(encode_events(events, processed_at, sqlite=self._sqlite))

    def insert_new(self, rows: Sequence[EventRow]) -> set[str]:
        """Insert encoded rows (distinct transaction ids); return the ids actually inserted.

        An id missing from the result was taken: committed before, or by a concurrent
        transaction that committed first (the insert waits for it). Rows are written in
        transaction id order, so two transactions inserting overlapping ids lock them in the
        same order and cannot deadlock.
        """
        if not rows:
            return set()
        ordered = sorted(rows, key=itemgetter(0))
        if self._sqlite:
            return self._insert_sqlite(ordered)
        return self._insert_pg(ordered)

    def insert_duplicates(self, rows: Sequence[EventRow]) -> None:
        """Record encoded rows acknowledged as duplicates, in order (event search lists them
        by row id; they are never counted)."""
        if not rows:
            return
        if self._sqlite:
            self._conn.exec_driver_sql(_SQLITE_DUPLICATES, [(*row[:5], row[7]) for row in rows])
            return
        columns = [[row[i] for row in rows] for i in (0, 1, 2, 3, 4, 7)]
        self._execute_binary(_PG_DUPLICATES, columns)

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

    def _insert_pg(self, rows: list[EventRow]) -> set[str]:
        # One statement over arrays, sent in binary: psycopg dumps binary arrays in C, where
        # text arrays and long VALUES lists cost more in Python than the insert itself.
        columns = [list(column) for column in zip(*rows, strict=True)]
        return {row[0] for row in self._execute_binary(_PG_INSERT, columns)}

    def _execute_binary(self, statement: str, params: list[list[Any]]) -> list[Any]:
        raw = self._conn.connection.driver_connection
        assert raw is not None
        with raw.cursor(binary=True) as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description is not None else []

    def _insert_sqlite(self, rows: list[EventRow]) -> set[str]:
        inserted: set[str] = set()
        for start in range(0, len(rows), _SQLITE_CHUNK):
            chunk = rows[start : start + _SQLITE_CHUNK]
            params = tuple(value for row in chunk for value in row)
            result = self._conn.exec_driver_sql(_sqlite_insert(len(chunk)), params)
            inserted.update(row[0] for row in result)
        return inserted


_PG_INSERT = (
    f"INSERT INTO usage_events ({_COLUMNS}) "
    "SELECT * FROM unnest(%b::varchar[], %b::varchar[], %b::text[], %b::timestamptz[], "
    "%b::text[], %b::jsonb[], %b::jsonb[], %b::timestamptz[]) "
    "ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id"
)
_DUPLICATE_COLUMNS = (
    'transaction_id, customer_ref, event_type, "timestamp", properties, processed_at'
)
# ORDER BY the position: row ids (which event search orders duplicates by) follow the batch.
_PG_DUPLICATES = (
    f"INSERT INTO usage_event_duplicates ({_DUPLICATE_COLUMNS}) "
    "SELECT a, b, c, d, e, f FROM unnest(%b::varchar[], %b::varchar[], %b::text[], "
    "%b::timestamptz[], %b::text[], %b::timestamptz[]) WITH ORDINALITY AS t(a, b, c, d, e, f, n) "
    "ORDER BY n"
)
_SQLITE_DUPLICATES = (
    f"INSERT INTO usage_event_duplicates ({_DUPLICATE_COLUMNS}) VALUES (?,?,?,?,?,?)"
)
_SQLITE_CHUNK = 500
"""Rows per SQLite statement: 8 parameters each, well under SQLite's variable limit."""


@lru_cache(maxsize=_SQLITE_CHUNK)
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
