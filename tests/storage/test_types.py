"""Exact decimals and UTC instants survive a round trip on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select

from meterbill.storage.types import ExactDecimal, UTCDateTime

_scratch = MetaData()
_values = Table(
    "scratch_values",
    _scratch,
    Column("id", Integer, primary_key=True),
    Column("amount", ExactDecimal()),
    Column("at", UTCDateTime()),
)


@pytest.fixture
def scratch(engine: Engine) -> Engine:
    _scratch.create_all(engine)
    return engine


def _round_trip(engine: Engine, amount: Decimal | None, at: datetime | None) -> tuple[object, ...]:
    with engine.begin() as connection:
        connection.execute(_values.delete())
        connection.execute(insert(_values).values(id=1, amount=amount, at=at))
        row = connection.execute(select(_values.c.amount, _values.c.at)).one()
    return tuple(row)


def test_a_decimal_that_float_would_break_comes_back_exactly(scratch: Engine) -> None:
    amount = Decimal("12345678901234567.123456789012")
    assert _round_trip(scratch, amount, None)[0] == amount


def test_instants_come_back_utc_aware(scratch: Engine) -> None:
    paris = timezone(timedelta(hours=1))
    at = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=paris)
    back = _round_trip(scratch, None, at)[1]
    assert isinstance(back, datetime)
    assert back == at
    assert back.utcoffset() == timedelta(0)


def test_naive_instants_are_refused(scratch: Engine) -> None:
    with pytest.raises(Exception, match="naive"):
        _round_trip(scratch, None, datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


def test_floats_are_refused(scratch: Engine) -> None:
    with pytest.raises(Exception, match="float"):
        _round_trip(scratch, 0.1, None)  # type: ignore[arg-type]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amount=st.decimals(allow_nan=False, allow_infinity=False, places=12).filter(
        lambda d: abs(d) < Decimal(10) ** 20
    )
)
def test_any_decimal_round_trips(scratch: Engine, amount: Decimal) -> None:
    assert _round_trip(scratch, amount, datetime(2026, 1, 1, tzinfo=UTC))[0] == amount
