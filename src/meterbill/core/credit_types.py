"""Pricing units ("credit types" in the API): fiat currencies and custom units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CreditType:
    """A pricing unit. Fiat units are built in and cannot be archived."""

    id: str
    name: str
    is_currency: bool
    archived_at: datetime | None = None
