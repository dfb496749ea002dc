"""Keyset pagination: a page of rows and an opaque cursor pointing after its last row."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table, and_, or_

from meterbill.core.errors import DomainValidationError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Items of one page and the cursor of the next (``None`` on the last page)."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(key: Sequence[str | int]) -> str:
    """An opaque, URL-safe cursor for a sort key."""
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int, *, field: str = "next_page") -> list[str | int]:
    """The sort key inside ``cursor``; a tampered or foreign cursor is a 400 naming ``field``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise DomainValidationError(f"{field}: not a cursor this server issued") from None
    if not isinstance(key, list) or len(key) != arity:
        raise DomainValidationError(f"{field}: not a cursor this server issued")
    if not all(isinstance(part, str | int) and not isinstance(part, bool) for part in key):
        raise DomainValidationError(f"{field}: not a cursor this server issued")
    return key


def in_creation_order(query: Select[Any], table: Table, cursor: str | None) -> Select[Any]:
    """``query`` ordered by ``(created_at, id)`` and, with a cursor, started after it.

    The keyset every "list in creation order" endpoint pages by; the matching cursor is
    ``encode_cursor([created_at.isoformat(), id])`` (``page_of`` with ``creation_key``).
    """
    if cursor is not None:
        created, ident = decode_cursor(cursor, 2)
        try:
            after = datetime.fromisoformat(str(created))
        except ValueError:
            raise DomainValidationError("next_page: not a cursor this server issued") from None
        query = query.where(
            or_(
                table.c.created_at > after,
                and_(table.c.created_at == after, table.c.id > str(ident)),
            )
        )
    return query.order_by(table.c.created_at, table.c.id)


def page_of(rows: list[T], limit: int, key_of: object) -> Page[T]:
    """Cut ``rows`` (fetched with ``limit + 1``) to a page, with the cursor of the next one."""
    if len(rows) <= limit:
        return Page(rows, None)
    items = rows[:limit]
    assert callable(key_of)
    return Page(items, encode_cursor(key_of(items[-1])))
