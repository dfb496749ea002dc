"""The one place where meterbill rounds a number.

Money and quantities are exact ``Decimal`` values everywhere else. A value is rounded only where
a configuration names a rounding (a product's ``quantity_rounding``, a recurring commit's
``proration_rounding``, a ``DIVIDED_ROUNDED`` distribution); each such place calls a function
here, so the whole rounding policy of the product can be read in one file.

All functions are pure and exact: they never go through ``float``.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from decimal import Decimal
from enum import Enum


class RoundingMethod(Enum):
    """How to round. Names cover both spellings Metronome uses.

    ``quantity_rounding`` says ROUND_UP / ROUND_DOWN / ROUND_HALF_UP; ``proration_rounding``
    says CEILING / FLOOR / HALF_UP. ROUND_UP and ROUND_DOWN round towards +inf and -inf
    respectively (quantities are non-negative, so this equals away-from / towards zero there).
    """

    ROUND_UP = "ROUND_UP"
    ROUND_DOWN = "ROUND_DOWN"
    ROUND_HALF_UP = "ROUND_HALF_UP"
    CEILING = "CEILING"
    FLOOR = "FLOOR"
    HALF_UP = "HALF_UP"


_DECIMAL_MODE = {
    RoundingMethod.ROUND_UP: decimal.ROUND_CEILING,
    RoundingMethod.CEILING: decimal.ROUND_CEILING,
    RoundingMethod.ROUND_DOWN: decimal.ROUND_FLOOR,
    RoundingMethod.FLOOR: decimal.ROUND_FLOOR,
    RoundingMethod.ROUND_HALF_UP: decimal.ROUND_HALF_UP,
    RoundingMethod.HALF_UP: decimal.ROUND_HALF_UP,
}

# Enough digits that no amount or quantity a billing system sees is ever rounded by the context
# itself: the only rounding is the explicit quantize below.
EXACT_CONTEXT = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[
        decimal.InvalidOperation,
        decimal.DivisionByZero,
        decimal.Overflow,
    ],
)


# A quotient that does not terminate (100 / 3, a prorated fraction) cannot be exact; it is carried
# to 20 decimal places of the pricing unit (1e-20 cent for USD) and truncated there, and every
# distribution puts the remainder on its last piece, so that pieces always sum exactly to the
# whole. With amounts below 1e20 units every sum and product then fits in EXACT_CONTEXT's 60
# digits, so no later arithmetic rounds. NOTE: this is the only implicit precision limit.
QUOTIENT_EXPONENT = Decimal("1E-20")


def divide(numerator: Decimal, denominator: Decimal | int) -> Decimal:
    """``numerator / denominator``: exact when the quotient terminates within 20 decimal places,
    otherwise truncated towards zero at 20 places (see ``QUOTIENT_EXPONENT``)."""
    quotient = EXACT_CONTEXT.divide(numerator, Decimal(denominator))
    if quotient.as_tuple().exponent >= QUOTIENT_EXPONENT.as_tuple().exponent:  # type: ignore[operator]
        return quotient
    return quotient.quantize(QUOTIENT_EXPONENT, rounding=decimal.ROUND_DOWN, context=EXACT_CONTEXT)


def round_to_places(value: Decimal, decimal_places: int, method: RoundingMethod) -> Decimal:
    """Round ``value`` to ``decimal_places`` digits after the point with ``method``.

    Negative ``decimal_places`` round to powers of ten (-2 rounds to the nearest 100), as
    Metronome documents for ``proration_rounding``. HALF_UP rounds halves away from zero.
    """
    exponent = Decimal(1).scaleb(-decimal_places)
    rounded = value.quantize(exponent, rounding=_DECIMAL_MODE[method], context=EXACT_CONTEXT)
    if decimal_places < 0:
        # quantize keeps the coarse exponent (1E+2); give back a plain integer-valued Decimal.
        return rounded.quantize(Decimal(1), context=EXACT_CONTEXT)
    return rounded


def split_in_whole_units(amount: Decimal, parts: int) -> list[Decimal]:
    """Split ``amount`` into ``parts`` whole-unit pieces; the remainder goes on the last piece.

    This is ``DIVIDED_ROUNDED``: every piece but the last is ``amount / parts`` rounded down to
    a whole unit of the pricing unit (a cent for USD), and the last piece takes what is left so
    the pieces sum to ``amount`` exactly. ``parts`` must be at least 1.
    """
    if parts < 1:
        raise ValueError("parts must be at least 1")
    share = (amount / parts).quantize(
        Decimal(1), rounding=decimal.ROUND_DOWN, context=EXACT_CONTEXT
    )
    return [share] * (parts - 1) + [amount - share * (parts - 1)]


def divide_exactly(amount: Decimal, parts: int) -> list[Decimal]:
    """Split ``amount`` into ``parts`` equal pieces that sum to ``amount`` exactly (``DIVIDED``).

    When the division does not terminate (see ``divide``) the last piece absorbs the
    difference, so the sum is always exact.
    """
    if parts < 1:
        raise ValueError("parts must be at least 1")
    share = divide(amount, parts)
    return [share] * (parts - 1) + [_remainder(amount, share, parts)]


def _remainder(amount: Decimal, share: Decimal, parts: int) -> Decimal:
    return EXACT_CONTEXT.subtract(amount, EXACT_CONTEXT.multiply(share, Decimal(parts - 1)))


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """Sum without the default 28-digit context rounding long decimals (``sum()`` would)."""
    total = Decimal(0)
    for value in values:
        total = EXACT_CONTEXT.add(total, value)
    return total
