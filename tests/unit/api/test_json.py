"""Exact JSON: decimals in and out as numbers, never through float."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.api import json as wire_json


def test_numbers_parse_as_exact_decimals() -> None:
    parsed = wire_json.loads(b'{"a": 0.1, "b": 12345678901234567.123456789012, "c": 3}')
    assert parsed == {"a": Decimal("0.1"), "b": Decimal("12345678901234567.123456789012"), "c": 3}
    assert isinstance(parsed["c"], int)


def test_nan_and_infinity_are_refused() -> None:
    with pytest.raises(wire_json.JSONDecodeFailure):
        wire_json.loads(b'{"a": NaN}')
    with pytest.raises(wire_json.JSONDecodeFailure):
        wire_json.loads(b"[Infinity]")


def test_decimals_leave_as_plain_json_numbers() -> None:
    text = wire_json.dumps({"a": Decimal("1E+2"), "b": Decimal("0.50"), "c": Decimal("-0.000001")})
    assert text == '{"a":100,"b":0.5,"c":-0.000001}'


def test_floats_are_refused_on_the_way_out() -> None:
    with pytest.raises(TypeError):
        wire_json.dumps({"a": 0.1})


def test_instants_leave_in_utc_with_a_z() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert wire_json.dumps([at]) == '["2026-01-02T03:04:05.000Z"]'


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_any_decimal_round_trips_through_the_wire(value: Decimal) -> None:
    assert wire_json.loads(wire_json.dumps({"v": value}))["v"] == value


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    )
)
def test_plain_values_encode_like_the_standard_library(value: object) -> None:
    assert json.loads(wire_json.dumps(value)) == value
