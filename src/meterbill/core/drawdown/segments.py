"""Balance segments: the unit the drawdown works on.

A commit or credit's access schedule has one item per segment; each segment is a balance usable
only by usage inside its half-open window ``[starting_at, ending_before)``. A
:class:`BalanceSegment` is that item plus everything the drawdown order and applicability need,
and ``remaining``: what is left of it before the charges at hand are drawn (the caller subtracts
earlier deductions, see ``meterbill.core.drawdown.ledger``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum

from meterbill.core.contracts.terms import (
    EMPTY,
    AccessType,
    BalanceRateType,
    Commit,
    CommitKind,
    CommitSpecifier,
)
from meterbill.core.drawdown.thresholds import is_unusable
from meterbill.core.rounding import EXACT_CONTEXT, exact_sum

__all__ = [
    "BalanceLevel",
    "BalanceSegment",
    "commit_access_total",
    "commit_invoiced_total",
    "cost_basis",
    "has_zero_cost_basis",
    "segments_of",
    "segments_of_all",
]

ZERO = Decimal(0)


class BalanceLevel(Enum):
    """Where the commit or credit lives: on one contract, or on the customer (all contracts)."""

    CONTRACT = "CONTRACT"
    CUSTOMER = "CUSTOMER"


@dataclass(frozen=True, slots=True)
class BalanceSegment:
    """One access segment of a commit or credit, with what remains of it.

    ``amount`` is the segment's access amount (money for SPEND, units for QUANTITY) and
    ``remaining`` what is still drawable (0 <= remaining is *not* enforced: manual entries may
    drive it below zero, and a negative remaining simply draws nothing).
    ``applicable_product_count`` is the size of the set of products the balance applies to
    (``None`` = every product), used by the "fewest applicable products" tie-break; the caller
    computes it from the catalog with ``applicable_product_count`` in ``applicability``.
    """

    commit_id: str
    segment_id: str
    kind: CommitKind
    starting_at: datetime
    ending_before: datetime
    amount: Decimal
    remaining: Decimal
    level: BalanceLevel = BalanceLevel.CONTRACT
    priority: Decimal | None = None
    zero_cost_basis: bool = False
    applicable_product_ids: tuple[str, ...] = ()
    applicable_product_tags: tuple[str, ...] = ()
    specifiers: tuple[CommitSpecifier, ...] = ()
    applicable_product_count: int | None = None
    access_type: AccessType = AccessType.SPEND
    rate_type: BalanceRateType = BalanceRateType.LIST_RATE
    credit_type_id: str = ""
    ordinal: int = 0
    is_rollover: bool = False
    recurring_commit_id: str | None = None
    contract_id: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: EMPTY)

    @property
    def is_postpaid(self) -> bool:
        return self.kind is CommitKind.POSTPAID

    @property
    def applies_to_everything(self) -> bool:
        """No product ids, tags or specifiers: every usage product may draw on it."""
        return not (self.applicable_product_ids or self.applicable_product_tags or self.specifiers)

    def holds(self, starting_at: datetime, ending_before: datetime) -> bool:
        """Whether ``[starting_at, ending_before)`` lies inside the segment's window.

        An instant (``starting_at == ending_before``) is held when the window contains it.
        """
        inside = self.starting_at <= starting_at < self.ending_before
        return inside and ending_before <= self.ending_before

    def is_active_at(self, instant: datetime) -> bool:
        return self.starting_at <= instant < self.ending_before

    def with_remaining(self, remaining: Decimal) -> BalanceSegment:
        return replace(self, remaining=remaining)


def commit_access_total(commit: Commit) -> Decimal:
    """The sum of the access schedule's amounts."""
    return exact_sum(item.amount for item in commit.access_schedule.items)


def commit_invoiced_total(commit: Commit) -> Decimal:
    """What the customer pays for the commit: the invoice schedule's sum (0 without one)."""
    if commit.kind is CommitKind.CREDIT or commit.invoice_schedule is None:
        return ZERO
    return exact_sum(item.amount for item in commit.invoice_schedule.items)


def has_zero_cost_basis(commit: Commit) -> bool:
    """Free credits and complimentary commits (nothing invoiced) have a $0 cost basis.

    NOTE: a ``do_not_invoice`` commit keeps the cost basis of its invoice schedule: it was paid,
    only not through meterbill (docs/decisions/balances-drawdown-order.md).
    """
    return commit_invoiced_total(commit) == ZERO


def cost_basis(commit: Commit) -> Decimal | None:
    """``cost_basis`` = amount paid / credit granted (None when nothing is granted)."""
    granted = commit_access_total(commit)
    if granted == ZERO:
        return None
    return EXACT_CONTEXT.divide(commit_invoiced_total(commit), granted)


def segments_of(
    commit: Commit,
    *,
    level: BalanceLevel = BalanceLevel.CONTRACT,
    contract_id: str | None = None,
    drawn: Mapping[str, Decimal] | None = None,
    applicable_product_count: int | None = None,
) -> tuple[BalanceSegment, ...]:
    """The segments of ``commit``; ``drawn`` maps segment id -> amount already taken from it.
    A threshold commit whose payment gate is pending or failed has none."""
    if is_unusable(commit):
        return ()
    taken = drawn or {}
    return tuple(
        BalanceSegment(
            commit_id=commit.id,
            segment_id=item.id,
            kind=commit.kind,
            starting_at=item.starting_at,
            ending_before=item.ending_before,
            amount=item.amount,
            remaining=EXACT_CONTEXT.subtract(item.amount, taken.get(item.id, ZERO)),
            level=level,
            priority=commit.priority,
            zero_cost_basis=has_zero_cost_basis(commit),
            applicable_product_ids=commit.applicable_product_ids,
            applicable_product_tags=commit.applicable_product_tags,
            specifiers=commit.specifiers,
            applicable_product_count=applicable_product_count,
            access_type=commit.access_schedule.access_type,
            rate_type=commit.rate_type,
            credit_type_id=commit.credit_type_id,
            ordinal=commit.ordinal,
            is_rollover=commit.rolled_over_from is not None,
            recurring_commit_id=commit.recurring_commit_id,
            contract_id=contract_id,
            custom_fields=commit.custom_fields,
        )
        for item in commit.access_schedule.items
    )


def segments_of_all(
    commits: Iterable[Commit], level: BalanceLevel, contract_id: str | None
) -> tuple[BalanceSegment, ...]:
    """Every segment of ``commits`` at full amount."""
    return tuple(s for c in commits for s in segments_of(c, level=level, contract_id=contract_id))
