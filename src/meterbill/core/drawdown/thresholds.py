"""Threshold billing, purely: when a balance or spend crosses a configured threshold.

* Prepaid balance threshold (auto-recharge): when the balance drops to ``threshold_amount`` or
  below, a commit tops it back up to ``recharge_to_amount`` (its amount is the difference). The
  customer pays ``payment_fraction`` of it when a discount is configured.
* Spend threshold: when the spend not yet billed reaches ``threshold_amount``, that spend is
  billed at once (a threshold commit paid now, drawn down by the usage it paid for).

Minimums (``spec/metronome-semantics.md`` §7.3): threshold >= 500 (USD cents: $5) and
recharge_to >= threshold + 1000 ($10), in the pricing unit's own denomination.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from meterbill.core.drawdown._exact import ZERO, mul, sub
from meterbill.core.errors import DomainValidationError

__all__ = ["Recharge", "recharge_for", "spend_threshold_charge", "validate_recharge_config"]

MIN_THRESHOLD = Decimal(500)
MIN_RECHARGE_GAP = Decimal(1000)


@dataclass(frozen=True, slots=True)
class Recharge:
    """A recharge commit: ``access_amount`` granted, ``invoice_amount`` paid."""

    access_amount: Decimal
    invoice_amount: Decimal


def validate_recharge_config(
    threshold_amount: Decimal, recharge_to_amount: Decimal, field: str
) -> None:
    """Refuse thresholds below Metronome's minimums (400 naming ``field``)."""
    if threshold_amount < MIN_THRESHOLD:
        raise DomainValidationError(f"{field}.threshold_amount must be at least {MIN_THRESHOLD}")
    if recharge_to_amount < threshold_amount + MIN_RECHARGE_GAP:
        raise DomainValidationError(
            f"{field}.recharge_to_amount must be at least threshold_amount + {MIN_RECHARGE_GAP}"
        )


def recharge_for(
    balance: Decimal,
    threshold_amount: Decimal,
    recharge_to_amount: Decimal,
    payment_fraction: Decimal | None = None,
) -> Recharge | None:
    """The recharge due when ``balance`` is at or below the threshold (None otherwise)."""
    if balance > threshold_amount:
        return None
    access = sub(recharge_to_amount, max(balance, ZERO))
    if access <= ZERO:
        return None
    paid = access if payment_fraction is None else mul(access, payment_fraction)
    return Recharge(access, paid)


def spend_threshold_charge(unbilled_spend: Decimal, threshold_amount: Decimal) -> Decimal | None:
    """The spend to bill now: all of ``unbilled_spend`` once it reaches the threshold."""
    if threshold_amount <= ZERO or unbilled_spend < threshold_amount:
        return None
    return unbilled_spend
