"""Keyset pagination: a page of rows and an opaque cursor pointing after its last row."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

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


def page_of(rows: list[T], limit: int, key_of: object) -> Page[T]:
    """Cut ``rows`` (fetched with ``limit + 1``) to a page, with the cursor of the next one."""
    if len(rows) <= limit:
        return Page(rows, None)
    items = rows[:limit]
    assert callable(key_of)
    return Page(items, encode_cursor(key_of(items[-1])))
