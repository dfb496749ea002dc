"""JSON in and out, exactly: decimals stay ``Decimal`` and leave as JSON numbers.

The standard ``json`` module parses floats as binary floats and cannot write a ``Decimal`` as a
number; pydantic writes ``Decimal`` as a string. Neither will do for money, so requests are
parsed with ``parse_float=Decimal`` and responses are written by the small encoder below.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from starlette.background import BackgroundTask
from starlette.responses import Response

_encode_str = json.encoder.encode_basestring  # C-accelerated where available


class JSONDecodeFailure(ValueError):
    """The body is not JSON, or holds NaN/Infinity, which money cannot be."""


def _refuse_constant(name: str) -> Any:
    raise JSONDecodeFailure(f"{name} is not a valid JSON number here")


def loads(raw: bytes | str) -> Any:
    """Parse JSON with every non-integer number as an exact ``Decimal``."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except JSONDecodeFailure:
        raise
    except (ValueError, UnicodeDecodeError) as error:
        raise JSONDecodeFailure(f"malformed JSON: {error}") from None


def format_decimal(value: Decimal) -> str:
    """A ``Decimal`` as a JSON number: plain notation, no exponent, no trailing zeros."""
    if not value.is_finite():
        raise ValueError("a non-finite decimal cannot leave as JSON")
    # String work rather than normalize()/quantize(): those round to the context's precision.
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_instant(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``: milliseconds always, microseconds when there are any."""
    if value.tzinfo is None:
        raise ValueError("naive datetime cannot leave the API")
    value = value.astimezone(UTC)
    fraction = value.microsecond
    tail = f".{fraction // 1000:03d}" if fraction % 1000 == 0 else f".{fraction:06d}"
    return value.strftime("%Y-%m-%dT%H:%M:%S") + tail + "Z"


def dumps(value: Any) -> str:
    """Encode ``value`` (dicts, lists, str, int, bool, None, Decimal, datetime, Enum)."""
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts)


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_str(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        out.append(format_decimal(value))
    elif isinstance(value, Mapping):
        _encode_object(value, out)
    elif isinstance(value, list | tuple):
        _encode_array(value, out)
    elif isinstance(value, datetime):
        out.append('"' + format_instant(value) + '"')
    elif isinstance(value, date):
        out.append('"' + value.isoformat() + '"')
    elif isinstance(value, Enum):
        _encode(value.value, out)
    elif isinstance(value, float):
        raise TypeError("float refused in a response: money and quantities are Decimal")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _encode_object(value: Mapping[Any, Any], out: list[str]) -> None:
    out.append("{")
    first = True
    for key, item in value.items():
        if not first:
            out.append(",")
        first = False
        out.append(_encode_str(str(key)))
        out.append(":")
        _encode(item, out)
    out.append("}")


def _encode_array(value: list[Any] | tuple[Any, ...], out: list[str]) -> None:
    out.append("[")
    for index, item in enumerate(value):
        if index:
            out.append(",")
        _encode(item, out)
    out.append("]")


class WireResponse(Response):
    """A JSON response written by :func:`dumps`."""

    media_type = "application/json"

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, self.media_type, background)

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")
