"""Helpers the templates call: money, percentages, instants and half-open windows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from meterbill.core.pricing import Rate, RateType
from meterbill.web.money import money, percent, plain


def instant(value: datetime | None, unbounded: str = "—") -> str:
    """An instant in UTC (``2026-01-01 00:00Z``; a whole day shows as its date)."""
    if value is None:
        return unbounded
    if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M:%SZ")


def window(starting_at: datetime | None, ending_before: datetime | None) -> str:
    """A half-open window: ``[from, to)``, open sides named."""
    start = instant(starting_at, "the beginning")
    end = instant(ending_before, "open-ended")
    return f"{start} → {end}" if ending_before is None else f"{start} → before {end}"


def number(value: Decimal | int | None) -> str:
    return "—" if value is None else plain(Decimal(value))


def price_of(rate: Rate, names: Mapping[str, str]) -> str:
    """A rate's price in words: flat amount, percentage, or its tiers."""
    unit = rate.credit_type_id
    if rate.rate_type is RateType.PERCENTAGE and rate.price is not None:
        return percent(rate.price)
    if rate.tiers:
        return "; ".join(_tier(tier.price, tier.size, rate, names) for tier in rate.tiers)
    if rate.price is None:
        return "—"
    return money(rate.price, unit, names)


def _tier(price: Decimal, size: Decimal | None, rate: Rate, names: Mapping[str, str]) -> str:
    if rate.rate_type is RateType.TIERED_PERCENTAGE:
        shown = percent(price)
    else:
        shown = money(price, rate.credit_type_id, names)
    return f"{shown} for the next {plain(size)}" if size is not None else f"{shown} thereafter"


def words(values: Any) -> str:
    """A tuple or list as comma-separated text (``—`` when empty)."""
    items = [str(value) for value in values or ()]
    return ", ".join(items) if items else "—"


def value(item: Any) -> str:
    """Any field value for display: sequences joined, ``None`` as a dash."""
    if item is None:
        return "—"
    if isinstance(item, tuple | list):
        return words(item)
    if isinstance(item, Decimal):
        return plain(item)
    if isinstance(item, bool):
        return "yes" if item else "no"
    return str(item)


TEMPLATE_HELPERS: dict[str, Any] = {
    "money": money,
    "percent": percent,
    "instant": instant,
    "window": window,
    "number": number,
    "price_of": price_of,
    "words": words,
    "value": value,
}
