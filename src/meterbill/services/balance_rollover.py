"""Rollover on a RENEWAL transition (``core.drawdown.roll_over``, spec §5.6).

Called by ``services.contracts.persist_new_contract`` inside the unit of work that stores the
renewal contract, so that the contract, its rollover commits and the old commits'
``*_ROLLOVER`` entries commit together or not at all:

* :func:`add_rollovers` (before the contract is validated and stored) locks the customer's
  balances and adds the rollover commits to the renewal's terms;
* :func:`write_rollovers` (once it is stored) writes the old commits' ``*_ROLLOVER`` entries.

Decision: docs/decisions/balances-rollover.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from meterbill.core.contracts.terms import Contract, TransitionType
from meterbill.core.drawdown import LedgerEntry, Rollover, remaining_by_segment, roll_over
from meterbill.core.periods import add_months
from meterbill.services.balances import contract_balances, lock_customer
from meterbill.services.ids import new_id
from meterbill.storage.uow import UnitOfWork

_OPEN_ENDED_ACCESS_MONTHS = 12


def renewed_contract_id(contract: Contract) -> str | None:
    """The contract ``contract`` renews (its RENEWAL transition), or None."""
    return next(
        (
            t.from_contract_id
            for t in contract.transitions
            if t.type is TransitionType.RENEWAL and t.to_contract_id in ("", contract.id)
        ),
        None,
    )


def add_rollovers(uow: UnitOfWork, renewal: Contract) -> tuple[Contract, list[Rollover]]:
    """``renewal`` with the rollover commits it starts with, and the rollovers, inside an open
    unit of work (nothing when it renews no contract). Locks the customer's balances first, so
    no finalisation draws them between this computation and the commit."""
    from_contract_id = renewed_contract_id(renewal)
    if from_contract_id is None:
        return renewal, []
    lock_customer(uow, renewal.customer_id)
    rollovers = rollovers_into(uow, renewal, from_contract_id, renewal.created_at)
    if not rollovers:
        return renewal, []
    rolled = tuple(r.commit for r in rollovers)
    return replace(renewal, commits=(*renewal.commits, *rolled)), rollovers


def rollovers_into(
    uow: UnitOfWork, renewal: Contract, from_contract_id: str, as_of: datetime
) -> list[Rollover]:
    """What each commit and credit of ``from_contract_id`` with a ``rollover_fraction`` rolls
    into ``renewal`` at its start (drafts of the old contract drawn provisionally as of
    ``as_of``), inside an open unit of work. An unknown or foreign contract rolls nothing (the
    contracts service refuses it).
    """
    at = renewal.starting_at
    access_end = renewal.ending_before or add_months(at, _OPEN_ENDED_ACCESS_MONTHS)
    old = uow.contracts.get(from_contract_id)
    if old is None or old.customer_id != renewal.customer_id:
        return []
    found: list[Rollover] = []
    ordinal = max((c.ordinal for c in renewal.commits), default=0)
    for balance in contract_balances(uow, old, as_of):
        if not balance.commit.rollover_fraction:
            continue
        moving = [e for e in balance.ledger if not e.type.name.endswith("_EXPIRATION")]
        ordinal += 1
        rolled = roll_over(
            balance.commit,
            remaining_by_segment(moving),
            at=at,
            new_contract_id=renewal.id,
            new_commit_id=new_id(),
            new_segment_id=new_id(),
            access_ending_before=access_end,
            ordinal=ordinal,
        )
        if rolled is not None:
            # The rollover commit is created at the new contract's start (SDK commit.py).
            found.append(replace(rolled, commit=replace(rolled.commit, created_at=at)))
    return found


def write_rollovers(
    uow: UnitOfWork, customer_id: str, rollovers: Sequence[Rollover], created_at: datetime
) -> None:
    """Write the old commits' ``*_ROLLOVER`` entries inside the open unit of work (the caller
    commits them with the renewal contract)."""
    entries: list[LedgerEntry] = [e for r in rollovers for e in r.entries]
    if entries:
        uow.balances.add_entries(customer_id, entries, created_at)
