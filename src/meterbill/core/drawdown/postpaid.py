"""Postpaid commits: a minimum spend paid in arrears, trued up at the end of its access.

Usage drawn from a postpaid commit appears on usage invoices as applications that do not reduce
the total (the usage is still paid). When the commit's access ends, whatever part of the
commitment usage did not reach is invoiced as a true-up at the invoice schedule item's timestamp
(``spec/metronome-semantics.md`` §5.2: $120K committed, $100K used => $20K).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from meterbill.core.contracts.terms import Commit, CommitKind
from meterbill.core.drawdown._exact import ZERO, sub
from meterbill.core.drawdown.ledger import LedgerEntry, LedgerEvent, entry_type
from meterbill.core.drawdown.segments import commit_access_total
from meterbill.core.errors import DomainValidationError

__all__ = ["TrueUp", "commitment_of", "true_up"]


@dataclass(frozen=True, slots=True)
class TrueUp:
    """The shortfall invoiced for a postpaid commit at ``timestamp`` (``amount`` > 0)."""

    commit_id: str
    amount: Decimal
    timestamp: datetime
    invoice_item_id: str | None

    def ledger_entry(
        self, segment_id: str, invoice_id: str, contract_id: str | None
    ) -> LedgerEntry:
        """``POSTPAID_COMMIT_TRUEUP``: brings the commit's balance to 0."""
        kind = entry_type(CommitKind.POSTPAID, LedgerEvent.TRUEUP)
        return LedgerEntry(
            self.commit_id,
            segment_id,
            kind,
            -self.amount,
            self.timestamp,
            invoice_id=invoice_id,
            contract_id=contract_id,
        )


def commitment_of(commit: Commit) -> Decimal:
    """The committed total: ``amount`` when given, else the access schedule's sum."""
    return commit.amount if commit.amount is not None else commit_access_total(commit)


def true_up(commit: Commit, drawn: Decimal) -> TrueUp | None:
    """The true-up of ``commit`` once usage has drawn ``drawn`` from it (None: nothing short).

    The timestamp is the invoice schedule's single item (required for postpaid commits); a
    commit without one is trued up at the end of its access.
    """
    if commit.kind is not CommitKind.POSTPAID:
        raise DomainValidationError(f"commit {commit.id} is not POSTPAID")
    shortfall = sub(commitment_of(commit), drawn)
    if shortfall <= ZERO:
        return None
    items = commit.invoice_schedule.items if commit.invoice_schedule is not None else ()
    if items:
        return TrueUp(commit.id, shortfall, items[0].timestamp, items[0].id)
    end = max(i.ending_before for i in commit.access_schedule.items)
    return TrueUp(commit.id, shortfall, end, None)
