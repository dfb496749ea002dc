"""Building blocks of wire models: strict shapes, case-insensitive enums, exact numbers.

Wire models are pydantic models used only at the edge: they check the shape of a request and
are converted to core values before any work is done. They forbid unknown fields, so a field we
do not support yet is refused with a 400 that names it instead of being silently dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

E = TypeVar("E", bound=Enum)


class WireModel(BaseModel):
    """Base of every request model: unknown fields refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must carry a time zone (RFC 3339, e.g. 2025-01-01T00:00:00Z)")
    return value.astimezone(UTC)


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    if isinstance(value, float):
        raise ValueError("float refused: numbers are parsed exactly")
    return value


# Enums arrive in any case ("prepaid", "Prepaid", "PREPAID") and are kept upper case.
Upper = BeforeValidator(_upper)
Lower = BeforeValidator(_lower)

# RFC 3339 instants, normalised to UTC; naive ones are refused.
Instant = Annotated[datetime, AfterValidator(_aware)]

# An exact number from the JSON text (never a float).
Number = Annotated[Decimal, BeforeValidator(_not_bool), AfterValidator(_finite)]

NonEmptyStr = Annotated[str, Field(min_length=1)]


def enum_values(kind: type[E]) -> list[str]:
    """The wire spellings of an enum, for messages."""
    return [member.value for member in kind]
