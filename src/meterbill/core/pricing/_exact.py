"""Exact decimal arithmetic for the pricing core.

The default ``decimal`` context keeps 28 digits, which would round silently; every product and
sum of money here goes through the 60-digit context of ``meterbill.core.rounding`` instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from meterbill.core.rounding import EXACT_CONTEXT

ZERO = Decimal(0)
OPEN = Decimal("Infinity")
"""Internal stand-in for an open upper bound (a last tier without ``size``)."""


def mul(*factors: Decimal) -> Decimal:
    """The exact product of ``factors`` (at least one)."""
    result = factors[0]
    for factor in factors[1:]:
        result = EXACT_CONTEXT.multiply(result, factor)
    return result


def add(left: Decimal, right: Decimal) -> Decimal:
    """The exact sum of two decimals (``OPEN`` absorbs anything added to it)."""
    return EXACT_CONTEXT.add(left, right)


def sub(left: Decimal, right: Decimal) -> Decimal:
    """The exact difference ``left - right``."""
    return EXACT_CONTEXT.subtract(left, right)


def total(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``values``; zero when empty."""
    result = ZERO
    for value in values:
        result = EXACT_CONTEXT.add(result, value)
    return result


def div(numerator: Decimal, denominator: Decimal) -> Decimal:
    """``numerator / denominator`` to 60 significant digits.

    NOTE: a non-terminating quotient (dividing by 3) is cut at 60 digits; callers that need a
    round number apply a named rounding from ``meterbill.core.rounding`` afterwards.
    """
    return EXACT_CONTEXT.divide(numerator, denominator)
