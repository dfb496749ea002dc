"""The drawdown core: which commit or credit pays for which charge, and their ledgers.

Pure (stdlib + ``meterbill.core``). Public surface:

* ``BalanceSegment`` (one access segment and what remains of it), ``segments_of(commit)``;
* ``DrawableCharge``, ``applies``, ``applicable_product_count``;
* ``drawdown_key`` / ``in_drawdown_order``: the total order of ``spec/decisions.md`` §6;
* ``draw_down(charges, segments) -> Drawdown`` (applications, coverage, remaining);
* ledgers: ``LedgerEntry``, ``LedgerEntryType``, ``opening_entries``, ``deduction_entries``,
  ``expirations``, ``balance_of``, ``remaining_by_segment``;
* ``true_up`` (postpaid), ``roll_over`` (RENEWAL), ``expand_recurring`` (recurring commits),
  ``recharge_for`` / ``spend_threshold_charge`` (threshold billing).
"""

from meterbill.core.drawdown.applicability import (
    DrawableCharge,
    ProductFacts,
    applicable_product_count,
    applies,
)
from meterbill.core.drawdown.apply import (
    Application,
    ChargeCoverage,
    Drawdown,
    Repricer,
    cost_at_balance_rate,
    draw_down,
)
from meterbill.core.drawdown.ledger import (
    LedgerEntry,
    LedgerEntryType,
    LedgerEvent,
    balance_of,
    deduction_entries,
    entry_type,
    expirations,
    opening_entries,
    remaining_by_segment,
)
from meterbill.core.drawdown.order import DrawdownKey, drawdown_key, in_drawdown_order
from meterbill.core.drawdown.postpaid import TrueUp, commitment_of, true_up
from meterbill.core.drawdown.recurring import child_id, expand_recurring, quantity_at
from meterbill.core.drawdown.rollover import Rollover, roll_over
from meterbill.core.drawdown.segments import (
    BalanceLevel,
    BalanceSegment,
    commit_access_total,
    commit_invoiced_total,
    cost_basis,
    has_zero_cost_basis,
    segments_of,
    segments_of_all,
)
from meterbill.core.drawdown.thresholds import (
    Recharge,
    recharge_for,
    spend_threshold_charge,
    validate_recharge_config,
)

__all__ = [
    "Application",
    "BalanceLevel",
    "BalanceSegment",
    "ChargeCoverage",
    "DrawableCharge",
    "Drawdown",
    "DrawdownKey",
    "LedgerEntry",
    "LedgerEntryType",
    "LedgerEvent",
    "ProductFacts",
    "Recharge",
    "Repricer",
    "Rollover",
    "TrueUp",
    "applicable_product_count",
    "applies",
    "balance_of",
    "child_id",
    "commit_access_total",
    "commit_invoiced_total",
    "commitment_of",
    "cost_at_balance_rate",
    "cost_basis",
    "deduction_entries",
    "draw_down",
    "drawdown_key",
    "entry_type",
    "expand_recurring",
    "expirations",
    "has_zero_cost_basis",
    "in_drawdown_order",
    "opening_entries",
    "quantity_at",
    "recharge_for",
    "remaining_by_segment",
    "roll_over",
    "segments_of",
    "segments_of_all",
    "spend_threshold_charge",
    "true_up",
    "validate_recharge_config",
]
