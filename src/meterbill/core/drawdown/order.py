"""The drawdown order: which balance segment pays first (``spec/decisions.md`` §6).

The order is total. Keys, compared in turn:

1. group: rollover commits first, then prepaid commits and credits together, then postpaid
   commits (a minimum-spend commitment is met only by what prepaid balances do not cover);
   within the rollover group a postpaid rollover precedes a prepaid one, as Metronome documents;
2. ``priority`` ascending (no priority: after every explicit one);
3. contract-level before customer-level (at equal priority);
4. $0 cost basis (free credits, complimentary commits) before paid;
5. fewest applicable products (all products = most);
6. earliest ``ending_before``;
7. earliest ``starting_at``;
8. creation order (``ordinal``), then the commit id and the segment id so that no two distinct
   segments ever compare equal.

Decision and reasons: docs/decisions/balances-drawdown-order.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from meterbill.core.contracts.terms import CommitKind
from meterbill.core.drawdown.segments import BalanceLevel, BalanceSegment

__all__ = ["DrawdownKey", "drawdown_key", "in_drawdown_order"]

_GROUP_POSTPAID_ROLLOVER = 0
_GROUP_PREPAID_ROLLOVER = 1
_GROUP_PREPAID = 2
_GROUP_POSTPAID = 3

DrawdownKey = tuple[int, bool, Decimal, int, int, bool, int, datetime, datetime, int, str, str]


def drawdown_key(segment: BalanceSegment) -> DrawdownKey:
    """The sort key of ``segment``: smaller draws first."""
    no_priority = segment.priority is None
    count = segment.applicable_product_count
    return (
        _group(segment),
        no_priority,
        segment.priority if segment.priority is not None else Decimal(0),
        0 if segment.level is BalanceLevel.CONTRACT else 1,
        0 if segment.zero_cost_basis else 1,
        count is None,
        count if count is not None else 0,
        segment.ending_before,
        segment.starting_at,
        segment.ordinal,
        segment.commit_id,
        segment.segment_id,
    )


def in_drawdown_order(segments: Iterable[BalanceSegment]) -> list[BalanceSegment]:
    """``segments`` sorted by :func:`drawdown_key`."""
    return sorted(segments, key=drawdown_key)


def _group(segment: BalanceSegment) -> int:
    postpaid = segment.kind is CommitKind.POSTPAID
    if segment.is_rollover:
        return _GROUP_POSTPAID_ROLLOVER if postpaid else _GROUP_PREPAID_ROLLOVER
    return _GROUP_POSTPAID if postpaid else _GROUP_PREPAID
