"""Money on a page is exact: USD cents shown as dollars with every significant decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from meterbill.core.pricing import USD_CENTS_CREDIT_TYPE_ID as USD
from meterbill.web.money import dollars, money, percent, plain, to_smallest_unit


@pytest.mark.parametrize(
    ("cents", "shown"),
    [
        ("0.5", "$0.005"),
        ("100", "$1.00"),
        ("1E+2", "$1.00"),
        ("150", "$1.50"),
        ("0", "$0.00"),
        ("-250", "-$2.50"),
        ("0.0001", "$0.000001"),
        ("123456789", "$1,234,567.89"),
        ("12345678901234567.123456789012", "$123,456,789,012,345.67123456789012"),
    ],
)
def test_usd_cents_show_as_dollars_with_all_significant_decimals(cents: str, shown: str) -> None:
    assert dollars(Decimal(cents)) == shown
    assert money(Decimal(cents), USD, {}) == shown


def test_other_currencies_show_whole_units_with_their_code() -> None:
    assert money(Decimal("12.50"), "EUR", {"EUR": "EUR"}) == "12.5 EUR"
    assert money(Decimal("3"), "credits-id", {"credits-id": "credits"}) == "3 credits"


def test_percentages_and_plain_numbers_never_show_exponents() -> None:
    assert percent(Decimal("0.125")) == "12.5%"
    assert plain(Decimal("1E+3")) == "1000"
    assert plain(Decimal("-0.000")) == "0"


def test_a_form_amount_in_dollars_is_stored_in_cents_exactly() -> None:
    assert to_smallest_unit(Decimal("0.005"), USD) == Decimal("0.5")
    assert to_smallest_unit(Decimal("12.5"), "EUR") == Decimal("12.5")
