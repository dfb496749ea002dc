"""Rollover: on a RENEWAL transition, a fraction of a commit's unused balance moves to the new
contract as a new commit (``spec/metronome-semantics.md`` §5.6).

Only segments not yet expired at the transition (``ending_before`` at or after it) roll over;
each rolls ``remaining * rollover_fraction`` (exact) and the rest expires at the segment's end.
The new commit keeps the old one's terms (product, applicability, priority, rate type, rollover
fraction), has no invoice schedule (it was paid for on the old contract) and one access segment
``[transition, access_ending_before)``. Decision: docs/decisions/balances-rollover.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from meterbill.core.contracts.terms import AccessItem, AccessSchedule, Commit
from meterbill.core.drawdown._exact import ZERO, mul, total
from meterbill.core.drawdown.ledger import LedgerEntry, LedgerEvent, entry_type

__all__ = ["Rollover", "roll_over"]


@dataclass(frozen=True, slots=True)
class Rollover:
    """The new commit and the ``*_ROLLOVER`` entries written on the old one."""

    commit: Commit
    entries: tuple[LedgerEntry, ...]


def roll_over(
    commit: Commit,
    remaining: Mapping[str, Decimal],
    *,
    at: datetime,
    new_contract_id: str,
    new_commit_id: str,
    new_segment_id: str,
    access_ending_before: datetime,
    ordinal: int = 0,
) -> Rollover | None:
    """Roll ``commit`` over into ``new_contract_id`` at ``at`` (None: nothing to roll).

    ``remaining`` maps segment id -> what is left of it (the sum of its ledger entries).
    """
    fraction = commit.rollover_fraction
    if fraction is None or fraction <= ZERO:
        return None
    rolled = {
        item.id: mul(max(ZERO, remaining.get(item.id, ZERO)), fraction)
        for item in commit.access_schedule.items
        if item.ending_before >= at and item.starting_at < at
    }
    amount = total(rolled.values())
    if amount <= ZERO:
        return None
    kind = entry_type(commit.kind, LedgerEvent.ROLLOVER)
    entries = tuple(
        LedgerEntry(commit.id, seg, kind, -value, at, new_contract_id=new_contract_id)
        for seg, value in rolled.items()
        if value > ZERO
    )
    item = AccessItem(new_segment_id, amount, at, access_ending_before)
    schedule = AccessSchedule((item,), commit.credit_type_id, commit.access_schedule.access_type)
    new = replace(
        commit,
        id=new_commit_id,
        access_schedule=schedule,
        invoice_schedule=None,
        ordinal=ordinal,
        recurring_commit_id=None,
        rolled_over_from=commit.id,
        amount=amount if commit.amount is not None else None,
    )
    return Rollover(new, entries)
