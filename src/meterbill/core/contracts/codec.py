"""Frozen contract values to JSON-ready documents and back, exactly.

Storage keeps a contract's terms (and each edit) as one JSON document. This codec walks the
frozen dataclasses by their type hints, so a field added to ``terms.py`` is stored without
touching the codec. Contracts:

* ``to_document(value)`` returns only ``dict``/``list``/``str``/``int``/``bool``/``None``:
  the standard ``json`` module can write it. Decimals are tagged ``{"$decimal": "1.50"}`` and
  instants ``{"$instant": "2026-01-01T00:00:00+00:00"}``, so nothing goes through ``float``
  and untyped values (``settings``) come back with their types.
* ``from_document(kind, document)`` rebuilds ``kind`` from such a document; it is the exact
  inverse (``from_document(type(v), to_document(v)) == v``).
* Enums are stored by value; tuples and frozensets as lists; mappings as objects.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Any, Union, get_args, get_origin, get_type_hints

__all__ = ["from_document", "to_document"]

_DECIMAL = "$decimal"
_INSTANT = "$instant"


def to_document(value: Any) -> Any:
    """``value`` (a dataclass, or anything inside one) as a JSON-ready document."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return {_DECIMAL: str(value)}
    if isinstance(value, datetime):
        return {_INSTANT: value.isoformat()}
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_document(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): to_document(item) for key, item in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [to_document(item) for item in items]
    raise TypeError(f"cannot store a {type(value).__name__} in a contract document")


def from_document(kind: Any, document: Any) -> Any:
    """Rebuild a value of type ``kind`` from ``to_document``'s output."""
    if kind is Any or kind is object:
        return _untyped(document)
    origin = get_origin(kind)
    if origin is Union or origin is types.UnionType:
        return _union(kind, document)
    if document is None:
        return None
    if kind in (str, int, bool):
        return document
    if kind is Decimal:
        return Decimal(document[_DECIMAL])
    if kind is datetime:
        return datetime.fromisoformat(document[_INSTANT])
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(document)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass(kind, document)
    return _container(kind, origin, document)


def _union(kind: Any, document: Any) -> Any:
    options = [arg for arg in get_args(kind) if arg is not type(None)]
    if document is None:
        return None
    if len(options) == 1:
        return from_document(options[0], document)
    # Only ``str | None``-like unions of scalars reach here (e.g. presentation group values).
    return _untyped(document)


def _container(kind: Any, origin: Any, document: Any) -> Any:
    args = get_args(kind)
    if origin is tuple:
        item = args[0] if args else Any
        return tuple(from_document(item, value) for value in document)
    if origin in (frozenset, set):
        return frozenset(from_document(args[0], value) for value in document)
    if origin is list:
        return [from_document(args[0], value) for value in document]
    if origin in (dict, Mapping) or kind in (dict, Mapping):
        value_kind = args[1] if len(args) == 2 else Any
        return MappingProxyType(
            {key: from_document(value_kind, value) for key, value in document.items()}
        )
    raise TypeError(f"cannot rebuild a {kind!r} from a contract document")


def _dataclass(kind: type[Any], document: Mapping[str, Any]) -> Any:
    hints = _hints(kind)
    known = {f.name for f in dataclasses.fields(kind) if f.init}
    values = {
        name: from_document(hints[name], value) for name, value in document.items() if name in known
    }
    return kind(**values)


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(kind: type[Any]) -> dict[str, Any]:
    if kind not in _HINTS:
        _HINTS[kind] = get_type_hints(kind)
    return _HINTS[kind]


def _untyped(document: Any) -> Any:
    if isinstance(document, dict):
        if set(document) == {_DECIMAL}:
            return Decimal(document[_DECIMAL])
        if set(document) == {_INSTANT}:
            return datetime.fromisoformat(document[_INSTANT])
        return {key: _untyped(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_untyped(value) for value in document]
    return document
