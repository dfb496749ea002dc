"""Rollover on a RENEWAL transition (``core.drawdown.roll_over``, spec §5.6).

:func:`rollovers_into` computes, before the renewal contract is stored, the rollover commits it
starts with (the contract's create handler adds them to its terms); :func:`record_rollovers`
writes the ``*_ROLLOVER`` entries on the old commits once it is stored.
Decision: docs/decisions/balances-rollover.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from meterbill.clock import Clock
from meterbill.core.contracts.terms import Contract
from meterbill.core.drawdown import LedgerEntry, Rollover, remaining_by_segment, roll_over
from meterbill.core.periods import add_months
from meterbill.services.balances import contract_balances
from meterbill.services.ids import new_id
from meterbill.storage.uow import UnitOfWork

_OPEN_ENDED_ACCESS_MONTHS = 12


def rollovers_into(
    uow: UnitOfWork, renewal: Contract, from_contract_id: str, as_of: datetime
) -> list[Rollover]:
    """What each commit and credit of ``from_contract_id`` with a ``rollover_fraction`` rolls
    into ``renewal`` at its start (drafts of the old contract drawn provisionally as of
    ``as_of``). An unknown or foreign contract rolls nothing (the contracts service refuses it).
    """
    at = renewal.starting_at
    access_end = renewal.ending_before or add_months(at, _OPEN_ENDED_ACCESS_MONTHS)
    with uow:
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


def record_rollovers(
    uow: UnitOfWork, clock: Clock, customer_id: str, rollovers: Sequence[Rollover]
) -> None:
    """Write the old commits' ``*_ROLLOVER`` entries."""
    entries: list[LedgerEntry] = [e for r in rollovers for e in r.entries]
    if not entries:
        return
    with uow:
        uow.balances.add_entries(customer_id, entries, clock.now())
        uow.commit()
