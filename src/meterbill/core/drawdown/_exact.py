"""Exact arithmetic helpers (every operation in ``EXACT_CONTEXT``; nothing rounds silently)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from meterbill.core.rounding import EXACT_CONTEXT, divide, exact_sum

ZERO = Decimal(0)


def add(a: Decimal, b: Decimal) -> Decimal:
    return EXACT_CONTEXT.add(a, b)


def sub(a: Decimal, b: Decimal) -> Decimal:
    return EXACT_CONTEXT.subtract(a, b)


def mul(a: Decimal, b: Decimal) -> Decimal:
    return EXACT_CONTEXT.multiply(a, b)


def total(values: Iterable[Decimal]) -> Decimal:
    return exact_sum(values)


def of_fraction(value: Fraction) -> Decimal:
    """``value`` as a Decimal: exact when it terminates within 20 places, else truncated
    towards zero there (``meterbill.core.rounding.divide``), so a share of a balance is never
    overstated."""
    return divide(Decimal(value.numerator), Decimal(value.denominator))


def times(amount: Decimal, share: Fraction) -> Decimal:
    """``amount * share`` (see ``of_fraction`` for the non-terminating case)."""
    return of_fraction(Fraction(amount) * share)
