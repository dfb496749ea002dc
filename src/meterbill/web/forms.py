"""Reading form fields into the values services take; a bad field is a
``DomainValidationError`` naming it, shown on the form like the services' own messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from meterbill.core.errors import DomainValidationError


def text(form: Mapping[str, str], name: str) -> str | None:
    """The trimmed field, or ``None`` when blank or absent."""
    value = form.get(name, "").strip()
    return value or None


def required(form: Mapping[str, str], name: str) -> str:
    value = text(form, name)
    if value is None:
        raise DomainValidationError(f"{name}: is required")
    return value


def words(form: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated field as its non-empty items."""
    return tuple(item.strip() for item in form.get(name, "").split(",") if item.strip())


def decimal(form: Mapping[str, str], name: str) -> Decimal | None:
    """An exact number (never through float); ``None`` when blank."""
    value = text(form, name)
    if value is None:
        return None
    try:
        number = Decimal(value.replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise DomainValidationError(f"{name}: must be a number, not {value!r}") from None
    if not number.is_finite():
        raise DomainValidationError(f"{name}: must be a finite number")
    return number


def day(form: Mapping[str, str], name: str) -> datetime | None:
    """A ``YYYY-MM-DD`` field as 00:00 UTC that day; ``None`` when blank."""
    value = text(form, name)
    return None if value is None else parse_day(value, name)


def required_day(form: Mapping[str, str], name: str) -> datetime:
    return parse_day(required(form, name), name)


def parse_day(value: str, name: str) -> datetime:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise DomainValidationError(f"{name}: must be a date (YYYY-MM-DD), not {value!r}") from None
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
