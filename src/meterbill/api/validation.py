"""Turning validation errors into one readable sentence that names each field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_MAX_LISTED = 3


def field_path(location: Sequence[Any]) -> str:
    """``("body", "items", 0, "name")`` -> ``items[0].name``."""
    path = ""
    for part in location:
        if part in {"body", "query", "path", "header"} and not path:
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and part.startswith(("function-", "constrained-")):
            continue
        else:
            path += ("." if path else "") + str(part)
    return path or "body"


def _describe(error: Mapping[str, Any]) -> str:
    path = field_path(error.get("loc", ()))
    kind = error.get("type", "")
    if kind == "missing":
        return f"{path}: required field is missing"
    if kind == "extra_forbidden":
        return f"{path}: unknown field, or a field meterbill does not support yet"
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    return f"{path}: {message}"


def describe_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """One message listing the first few problems, each prefixed with its field path."""
    parts: list[str] = []
    for error in errors:
        text = _describe(error)
        if text not in parts:
            parts.append(text)
    shown = "; ".join(parts[:_MAX_LISTED])
    if len(parts) > _MAX_LISTED:
        shown += f" (and {len(parts) - _MAX_LISTED} more)"
    return shown or "invalid request"
