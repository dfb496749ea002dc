"""Usage events and the immutable JSON values they carry.

JSON arrives parsed with ``parse_float=Decimal``: numbers are ``int`` or ``Decimal``, never
``float``. :func:`freeze_json` turns such a value into an immutable one (objects become read-only
mappings, arrays become tuples) and refuses anything JSON cannot carry exactly: floats,
non-finite decimals, non-string keys, and numbers outside the range meterbill aggregates exactly
(see :mod:`meterbill.core.metering.properties`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeGuard

from meterbill.core.errors import DomainValidationError
from meterbill.core.metering.properties import JsonValue, number_in_range

_EMPTY: Mapping[str, JsonValue] = MappingProxyType({})
_SMALL_INT = 10**18
"""Integers strictly inside ``(-10**18, 10**18)`` are within the exact range, unchecked."""


def freeze_json(value: object, path: str = "properties") -> JsonValue:
    """Return an immutable copy of the JSON value ``value``.

    Raises :class:`DomainValidationError` naming ``path`` (extended with ``.key`` and ``[i]``)
    when the value is not exact JSON: a ``float``, a NaN or infinite ``Decimal``, a number outside
    the exact range, a non-string object key, or a non-JSON type.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | Decimal):
        if not number_in_range(value):
            raise DomainValidationError(f"{path}: number out of the supported exact range")
        return value
    if isinstance(value, Mapping):
        return MappingProxyType(_freeze_object(value, path))
    if isinstance(value, list | tuple):
        return tuple(freeze_json(item, f"{path}[{i}]") for i, item in enumerate(value))
    if isinstance(value, float):
        raise DomainValidationError(f"{path}: must be an exact number, not a float")
    raise DomainValidationError(f"{path}: not a JSON value")


def _freeze_object(value: Mapping[Any, object], path: str) -> dict[str, JsonValue]:
    frozen: dict[str, JsonValue] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise DomainValidationError(f"{path}: object keys must be strings")
        # Fast path for the usual scalars (the element path is built only for an error).
        frozen[key] = item if _plain(item) else freeze_json(item, f"{path}.{key}")
    return frozen


def _plain(item: object) -> TypeGuard[JsonValue]:
    """Whether ``item`` is a JSON scalar that is immutable and in range as it is."""
    kind = type(item)
    if kind is str or kind is bool or item is None:
        return True
    return kind is int and -_SMALL_INT < item < _SMALL_INT  # type: ignore[operator]


def freeze_properties(
    value: Mapping[str, object], path: str = "properties"
) -> Mapping[str, JsonValue]:
    """Freeze an event's ``properties`` object (see :func:`freeze_json`)."""
    return MappingProxyType(_freeze_object(value, path))


def thaw_json(value: JsonValue) -> object:
    """Return a plain ``dict``/``list`` copy of a frozen value, ready for a JSON encoder.

    Numbers stay ``int``/``Decimal``; the encoder must write ``Decimal`` as a JSON number.
    """
    if isinstance(value, Mapping):
        return {key: thaw_json(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw_json(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """One usage event as accepted by ingest.

    ``customer_id`` is the id or ingest alias exactly as sent; attributing it to a customer is not
    this value's business. ``timestamp`` must be timezone-aware and is stored converted to UTC.
    ``properties`` is frozen on construction (a plain ``dict`` may be passed). Events compare by
    value but are not hashable (their properties are a read-only mapping).
    """

    transaction_id: str
    customer_id: str
    event_type: str
    timestamp: datetime
    properties: Mapping[str, JsonValue] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        if self.timestamp.utcoffset() is None:
            raise ValueError("UsageEvent.timestamp must be timezone-aware")
        object.__setattr__(self, "timestamp", self.timestamp.astimezone(UTC))
        object.__setattr__(self, "properties", freeze_properties(self.properties))


def event_from_frozen(
    transaction_id: str,
    customer_id: str,
    event_type: str,
    timestamp: datetime,
    properties: Mapping[str, JsonValue],
) -> UsageEvent:
    """A :class:`UsageEvent` from parts already checked, without copying ``properties``.

    For the core's own parsers, which have just frozen the properties while validating them:
    ``timestamp`` must be in UTC and ``properties`` a mapping :func:`freeze_properties` returned
    (or :data:`EMPTY_PROPERTIES`). Its underlying dict is reachable from nowhere else, so the
    event is as immutable as one built normally (whose ``__post_init__`` would copy the
    properties a second time).
    """
    if timestamp.tzinfo is not UTC:
        raise ValueError("event_from_frozen: timestamp must be in UTC")
    event = object.__new__(UsageEvent)
    set_field = object.__setattr__
    set_field(event, "transaction_id", transaction_id)
    set_field(event, "customer_id", customer_id)
    set_field(event, "event_type", event_type)
    set_field(event, "timestamp", timestamp)
    set_field(event, "properties", properties)
    return event


EMPTY_PROPERTIES = _EMPTY
"""The frozen empty ``properties`` (for :func:`event_from_frozen`)."""
