"""Column types that keep meterbill's two invariants on both backends.

* Instants are UTC-aware on the way in and on the way out. SQLite has no time zone type and
  gives naive values back; PostgreSQL ``timestamptz`` keeps the instant. Either way callers get
  ``datetime`` objects in UTC.
* Decimals are exact. PostgreSQL ``NUMERIC`` without precision is exact; SQLite's ``NUMERIC``
  goes through ``float`` (``12345678901234567.123456789012`` came back as ``...568.0``), so on
  SQLite the value is stored as its canonical text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp column that only accepts and returns UTC-aware datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: meterbill stores UTC-aware instants only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # Stored without offset in one fixed format so text order is time order.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal: ``NUMERIC`` on PostgreSQL, canonical text on SQLite."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("float refused: money and quantities are Decimal")
        exact = Decimal(value)
        if dialect.name == "sqlite":
            return format(exact, "f")
        return exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return value
        return Decimal(str(value))
