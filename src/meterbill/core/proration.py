"""Proration: the share of a period a partial window covers, and the amount it is worth.

Contracts (``spec/decisions.md`` §3):

- The fraction is the covered duration over the period's duration, measured exactly (integer
  microseconds, so whole-second windows give exactly the ratio in seconds). It is an exact
  ``Fraction`` in [0, 1]: fractions of a partition of a period sum to exactly 1.
- The prorated amount is ``amount * fraction``, exact (one division, in the 60-digit context of
  ``meterbill.core.rounding``). It is rounded only when a ``ProrationRounding`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Period
from meterbill.core.rounding import EXACT_CONTEXT, RoundingMethod, divide, round_to_places

__all__ = [
    "ProrationRounding",
    "apply_fraction",
    "fraction_of_period",
    "prorate",
    "prorated_amount",
]

_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class ProrationRounding:
    """A ``proration_rounding`` / ``rounding`` config: ``decimal_places`` may be negative."""

    decimal_places: int
    method: RoundingMethod


def fraction_of_period(period: Period, window: Period) -> Fraction:
    """The share of ``period`` that ``window`` covers, in [0, 1].

    Only the part of ``window`` inside ``period`` counts; a window that misses the period gives 0.
    NOTE: 15 of 30 days is exactly 1/2; a day of a 29-day February is 1/29, not 1/30.
    """
    covered = period.intersection(window)
    if covered is None:
        return Fraction(0)
    return Fraction(covered.duration // _MICROSECOND, period.duration // _MICROSECOND)


def apply_fraction(amount: Decimal, fraction: Fraction) -> Decimal:
    """``amount * fraction`` as an exact ``Decimal`` (60 significant digits if it repeats)."""
    if fraction.denominator == 1:
        return amount * fraction.numerator
    return divide(EXACT_CONTEXT.multiply(amount, Decimal(fraction.numerator)), fraction.denominator)


def prorate(
    amount: Decimal, fraction: Fraction, rounding: ProrationRounding | None = None
) -> Decimal:
    """``amount * fraction``, rounded only when ``rounding`` is given.

    ``fraction`` must lie in [0, 1]. A full-period fraction (1) returns ``amount`` unrounded:
    rounding configs apply to prorated amounts only.
    """
    if not 0 <= fraction <= 1:
        raise DomainValidationError(f"a proration fraction must be in [0, 1], got {fraction}")
    if fraction == 1:
        return amount
    exact = apply_fraction(amount, fraction)
    if rounding is None:
        return exact
    return round_to_places(exact, rounding.decimal_places, rounding.method)


def prorated_amount(
    amount: Decimal, period: Period, window: Period, rounding: ProrationRounding | None = None
) -> Decimal:
    """The full-period ``amount`` prorated to the part of ``period`` that ``window`` covers."""
    return prorate(amount, fraction_of_period(period, window), rounding)
