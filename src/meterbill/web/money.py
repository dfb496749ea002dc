"""How amounts look on a page: exact, from ``Decimal``, never through ``float``.

USD pricing-unit amounts are cents and show as dollars with every significant decimal
(0.5 cents -> ``$0.005``, 100 cents -> ``$1.00``); other units show in their own whole units
followed by their code or name (``12.5 EUR``, ``3 credits``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from meterbill.core.pricing import USD_CENTS_CREDIT_TYPE_ID


def plain(value: Decimal) -> str:
    """``value`` without exponent or trailing zeros (``1E+2`` -> ``100``, ``1.50`` -> ``1.5``)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def dollars(cents: Decimal) -> str:
    """Cents as dollars: at least two decimals, more when the amount has them, thousands split."""
    amount = cents.scaleb(-2)
    digits = plain(abs(amount))
    whole, _, fraction = digits.partition(".")
    fraction = fraction.ljust(2, "0")
    sign = "-" if amount < 0 else ""
    return f"{sign}${int(whole):,}.{fraction}"


def money(amount: Decimal, credit_type_id: str | None, names: Mapping[str, str]) -> str:
    """``amount`` (in the smallest unit of ``credit_type_id``) for display."""
    if credit_type_id == USD_CENTS_CREDIT_TYPE_ID:
        return dollars(amount)
    if credit_type_id is None:
        return plain(amount)
    return f"{plain(amount)} {names.get(credit_type_id, credit_type_id)}"


def percent(fraction: Decimal) -> str:
    """A fraction as a percentage (``0.125`` -> ``12.5%``)."""
    return f"{plain(fraction.scaleb(2))}%"


def to_smallest_unit(amount: Decimal, credit_type_id: str | None) -> Decimal:
    """What a form's amount (dollars for USD, whole units otherwise) is stored as."""
    return amount.scaleb(2) if credit_type_id == USD_CENTS_CREDIT_TYPE_ID else amount
