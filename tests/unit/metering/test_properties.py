"""Property values read as text (filters, groups, UNIQUE) and as exact numbers (SUM, MAX)."""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

import pytest
from hypothesis import given

from meterbill.core.metering import JsonValue, decimal_text, numeric_value, property_text

from .strategies import json_values, numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("EU", "EU"),
        ("1.50", "1.50"),
        ("", ""),
        (True, "true"),
        (False, "false"),
        (7, "7"),
        (Decimal("1.50"), "1.5"),
        (Decimal("1E+2"), "100"),
        (Decimal("-0.0"), "0"),
        (Decimal("0.000"), "0"),
        (Decimal("-12.340"), "-12.34"),
        ((1, "a", None), '[1,"a",null]'),
        (MappingProxyType({"b": Decimal("2.0"), "a": True}), '{"a":true,"b":2}'),
    ],
)
def test_property_text_is_strings_verbatim_and_numbers_in_plain_form(
    value: JsonValue, text: str | None
) -> None:
    assert property_text(value) == text


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (3, Decimal(3)),
        (Decimal("2.50"), Decimal("2.5")),
        ("2.50", Decimal("2.5")),
        ("-0", Decimal(0)),
        ("1e3", Decimal(1000)),
        ("1E-2", Decimal("0.01")),
        ("12345678901234567.123456789012", Decimal("12345678901234567.123456789012")),
    ],
)
def test_numbers_and_numeric_strings_read_as_exact_decimals(
    value: JsonValue, number: Decimal
) -> None:
    assert numeric_value(value) == number


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        None,
        "",
        "abc",
        " 12",
        "12 ",
        "+1",
        "1_000",
        "NaN",
        "Infinity",
        ".5",
        "5.",
        "0x10",
        "01",
        "1e",
        (1,),
        MappingProxyType({}),
        "1e999999999999999999999",
    ],
)
def test_booleans_and_non_json_number_strings_are_not_numbers(value: JsonValue) -> None:
    assert numeric_value(value) is None


def test_numbers_outside_the_exact_range_are_not_numbers() -> None:
    assert numeric_value("1e1000") is not None
    assert numeric_value("1e1001") is None
    assert numeric_value("1e-1000") is not None
    assert numeric_value("1e-1001") is None
    assert numeric_value("1.000e-998") is not None  # trailing zeros do not count
    assert numeric_value(10**1001) is None
    assert numeric_value("0e99999") == 0


def test_numeric_value_strips_trailing_zeros_but_keeps_integers_plain() -> None:
    assert str(numeric_value("100")) == "100"
    assert str(numeric_value("1.000")) == "1"


@given(numbers())
def test_a_number_and_its_text_read_as_the_same_number(number: int | Decimal) -> None:
    assert numeric_value(number) == number
    assert numeric_value(property_text(number)) == number
    assert Decimal(decimal_text(number)) == number


@given(json_values())
def test_property_text_is_total_and_none_only_for_null(value: JsonValue) -> None:
    assert (property_text(value) is None) == (value is None)
