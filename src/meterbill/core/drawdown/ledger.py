"""Ledgers: the events that change a commit or credit's balance, with Metronome's entry types.

Entries carry signed amounts (a deduction is negative) and the segment they touch. The balance
of a segment is the sum of its entries; a commit's ``balance`` (what the customer can use now)
counts only segments active at ``as_of`` and never less than 0 per segment (SDK
``types/shared/commit.py``). Expirations are not stored: :func:`expirations` derives them for
segments that ended with something left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

from meterbill.core.contracts.terms import Commit, CommitKind
from meterbill.core.drawdown._exact import ZERO, add, total
from meterbill.core.drawdown.apply import Application
from meterbill.core.drawdown.segments import BalanceSegment, commit_access_total

__all__ = [
    "LedgerEntry",
    "LedgerEntryType",
    "LedgerEvent",
    "balance_of",
    "deduction_entries",
    "entry_type",
    "expirations",
    "opening_entries",
    "remaining_by_segment",
]


class LedgerEntryType(Enum):
    PREPAID_COMMIT_SEGMENT_START = "PREPAID_COMMIT_SEGMENT_START"
    PREPAID_COMMIT_AUTOMATED_INVOICE_DEDUCTION = "PREPAID_COMMIT_AUTOMATED_INVOICE_DEDUCTION"
    PREPAID_COMMIT_ROLLOVER = "PREPAID_COMMIT_ROLLOVER"
    PREPAID_COMMIT_EXPIRATION = "PREPAID_COMMIT_EXPIRATION"
    PREPAID_COMMIT_CANCELED = "PREPAID_COMMIT_CANCELED"
    PREPAID_COMMIT_CREDITED = "PREPAID_COMMIT_CREDITED"
    PREPAID_COMMIT_SEAT_BASED_ADJUSTMENT = "PREPAID_COMMIT_SEAT_BASED_ADJUSTMENT"
    PREPAID_COMMIT_MANUAL = "PREPAID_COMMIT_MANUAL"
    POSTPAID_COMMIT_INITIAL_BALANCE = "POSTPAID_COMMIT_INITIAL_BALANCE"
    POSTPAID_COMMIT_AUTOMATED_INVOICE_DEDUCTION = "POSTPAID_COMMIT_AUTOMATED_INVOICE_DEDUCTION"
    POSTPAID_COMMIT_ROLLOVER = "POSTPAID_COMMIT_ROLLOVER"
    POSTPAID_COMMIT_TRUEUP = "POSTPAID_COMMIT_TRUEUP"
    POSTPAID_COMMIT_MANUAL = "POSTPAID_COMMIT_MANUAL"
    POSTPAID_COMMIT_EXPIRATION = "POSTPAID_COMMIT_EXPIRATION"
    CREDIT_SEGMENT_START = "CREDIT_SEGMENT_START"
    CREDIT_AUTOMATED_INVOICE_DEDUCTION = "CREDIT_AUTOMATED_INVOICE_DEDUCTION"
    CREDIT_EXPIRATION = "CREDIT_EXPIRATION"
    CREDIT_CANCELED = "CREDIT_CANCELED"
    CREDIT_CREDITED = "CREDIT_CREDITED"
    CREDIT_MANUAL = "CREDIT_MANUAL"
    CREDIT_SEAT_BASED_ADJUSTMENT = "CREDIT_SEAT_BASED_ADJUSTMENT"
    CREDIT_ROLLOVER = "CREDIT_ROLLOVER"


class LedgerEvent(Enum):
    START = "START"
    DEDUCTION = "DEDUCTION"
    ROLLOVER = "ROLLOVER"
    EXPIRATION = "EXPIRATION"
    MANUAL = "MANUAL"
    TRUEUP = "TRUEUP"
    CANCELED = "CANCELED"
    CREDITED = "CREDITED"


_PREFIX = {
    CommitKind.PREPAID: "PREPAID_COMMIT_",
    CommitKind.POSTPAID: "POSTPAID_COMMIT_",
    CommitKind.CREDIT: "CREDIT_",
}
_SUFFIX = {
    LedgerEvent.START: "SEGMENT_START",
    LedgerEvent.DEDUCTION: "AUTOMATED_INVOICE_DEDUCTION",
    LedgerEvent.ROLLOVER: "ROLLOVER",
    LedgerEvent.EXPIRATION: "EXPIRATION",
    LedgerEvent.MANUAL: "MANUAL",
    LedgerEvent.TRUEUP: "TRUEUP",
    LedgerEvent.CANCELED: "CANCELED",
    LedgerEvent.CREDITED: "CREDITED",
}


def entry_type(kind: CommitKind, event: LedgerEvent) -> LedgerEntryType:
    """The entry type of ``event`` on a balance of ``kind`` (postpaid starts are
    ``POSTPAID_COMMIT_INITIAL_BALANCE``). Raises ValueError for a pair Metronome lacks."""
    if kind is CommitKind.POSTPAID and event is LedgerEvent.START:
        return LedgerEntryType.POSTPAID_COMMIT_INITIAL_BALANCE
    return LedgerEntryType(_PREFIX[kind] + _SUFFIX[event])


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One ledger event. ``amount`` is signed (deductions, rollovers, expirations negative)."""

    commit_id: str
    segment_id: str
    type: LedgerEntryType
    amount: Decimal
    timestamp: datetime
    invoice_id: str | None = None
    contract_id: str | None = None
    new_contract_id: str | None = None
    reason: str | None = None

    @property
    def is_manual(self) -> bool:
        return self.type.name.endswith("_MANUAL")


def opening_entries(commit: Commit) -> list[LedgerEntry]:
    """The entries a commit starts with: one segment start per access item (a postpaid commit:
    one initial balance of its commitment, on its first segment)."""
    items = commit.access_schedule.items
    if commit.kind is CommitKind.POSTPAID:
        if not items:
            return []
        first = min(items, key=lambda i: i.starting_at)
        amount = commit.amount if commit.amount is not None else commit_access_total(commit)
        kind = entry_type(commit.kind, LedgerEvent.START)
        return [LedgerEntry(commit.id, first.id, kind, amount, first.starting_at)]
    start = entry_type(commit.kind, LedgerEvent.START)
    return [LedgerEntry(commit.id, i.id, start, i.amount, i.starting_at) for i in items]


def deduction_entries(
    applications: Iterable[Application],
    invoice_id: str,
    timestamp: datetime,
    contract_id: str | None = None,
) -> list[LedgerEntry]:
    """One deduction per segment drawn by an invoice (the applications summed), negative."""
    drawn: dict[tuple[str, str, CommitKind], Decimal] = defaultdict(lambda: ZERO)
    for a in applications:
        key = (a.commit_id, a.segment_id, a.kind)
        drawn[key] = add(drawn[key], a.drawn)
    return [
        LedgerEntry(
            commit_id,
            segment_id,
            entry_type(kind, LedgerEvent.DEDUCTION),
            -amount,
            timestamp,
            invoice_id=invoice_id,
            contract_id=contract_id,
        )
        for (commit_id, segment_id, kind), amount in drawn.items()
        if amount != ZERO
    ]


def remaining_by_segment(entries: Iterable[LedgerEntry]) -> dict[str, Decimal]:
    """The sum of the entries of each segment."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        sums[entry.segment_id] = add(sums[entry.segment_id], entry.amount)
    return dict(sums)


def balance_of(
    segments: Sequence[BalanceSegment], entries: Iterable[LedgerEntry], as_of: datetime
) -> Decimal:
    """What can be used at ``as_of``: the entries of each active segment, at least 0 each.

    Expired and future segments count 0; every entry of an active segment counts, future-dated
    manual ones included.
    """
    sums = remaining_by_segment(entries)
    active = (s for s in segments if s.is_active_at(as_of))
    return total(max(ZERO, sums.get(s.segment_id, ZERO)) for s in active)


def expirations(
    segments: Iterable[BalanceSegment],
    entries: Iterable[LedgerEntry],
    as_of: datetime,
) -> list[LedgerEntry]:
    """The expiration of every segment that ended at or before ``as_of`` with a positive sum.

    A postpaid commit does not expire: its shortfall is trued up (``postpaid``).
    """
    sums = remaining_by_segment(entries)
    found = []
    for s in segments:
        left = sums.get(s.segment_id, ZERO)
        if s.ending_before > as_of or left <= ZERO or s.kind is CommitKind.POSTPAID:
            continue
        kind = entry_type(s.kind, LedgerEvent.EXPIRATION)
        found.append(LedgerEntry(s.commit_id, s.segment_id, kind, -left, s.ending_before))
    return found
