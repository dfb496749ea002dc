"""Builders shared by the pricing tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from meterbill.core.pricing import Rate, RateEntry, RateType, Tier

JAN = datetime(2025, 1, 1, tzinfo=UTC)
FEB = datetime(2025, 2, 1, tzinfo=UTC)
MAR = datetime(2025, 3, 1, tzinfo=UTC)
MID_JAN = datetime(2025, 1, 15, tzinfo=UTC)
MID_FEB = datetime(2025, 2, 15, tzinfo=UTC)


def d(value: str | int) -> Decimal:
    return Decimal(value)


def flat(price: str | int) -> Rate:
    return Rate(RateType.FLAT, price=d(price))


def tiered(*tiers: tuple[str | int, str | int | None]) -> Rate:
    return Rate(
        RateType.TIERED,
        tiers=tuple(Tier(d(price), None if size is None else d(size)) for price, size in tiers),
    )


def entry(product_id: str, rate: Rate, **kwargs: object) -> RateEntry:
    return RateEntry(product_id=product_id, starting_at=JAN, rate=rate, **kwargs)  # type: ignore[arg-type]
