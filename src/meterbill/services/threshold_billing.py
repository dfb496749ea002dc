"""Threshold billing: evaluate a contract's thresholds and add the commits they call for.

Evaluated (``docs/decisions/balances-threshold-billing.md``):

* right after an ingest commits, for the contracts of the batch's customers that have an
  enabled configuration (the watch list, kept by ``services.contracts`` whenever a contract
  is created or edited);
* right after a contract is created or its configuration is edited (Metronome evaluates on
  every configuration change);
* by the billing worker on each tick, for every watched contract (a contract that starts later,
  or an evaluation that failed after an ingest).

One evaluation runs under the customer's lock (:func:`balances.lock_customer`) and recomputes
the balance inside that transaction, so concurrent ingests never recharge twice for one drop.
The commits are added as a contract edit (source ``THRESHOLD_BILLING``); their purchase is a
SCHEDULED invoice at the evaluation instant, finalised like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from meterbill.clock import Clock
from meterbill.core.contracts.edits import ContractEdit, EditSource
from meterbill.core.contracts.terms import USD_CENTS, AccessType, Commit, CommitKind, Contract
from meterbill.core.drawdown.thresholds import (
    RechargeConfig,
    SpendConfig,
    any_enabled,
    is_pending,
    recharge_commit,
    recharge_config,
    spend_commit,
    spend_config,
    tracked_spend,
)
from meterbill.core.errors import Conflict, DomainValidationError, NotFound
from meterbill.core.invoicing import InvoiceType, LineType, invoice_keys
from meterbill.core.invoicing.schedule import statement_schedule
from meterbill.core.periods import Period
from meterbill.core.rounding import exact_sum
from meterbill.core.statement_schedule import statement_period_containing
from meterbill.services import balances
from meterbill.services import contracts as contract_service
from meterbill.services import invoices as invoice_service
from meterbill.services.billing_inputs import InputsLoader
from meterbill.services.ids import new_id
from meterbill.storage.uow import UnitOfWork

__all__ = [
    "ReleaseOutcome",
    "after_ingest",
    "evaluate_contract",
    "evaluate_contracts",
    "evaluate_watched",
    "release",
]

_log = logging.getLogger(__name__)
_ZERO = Decimal(0)


# --- evaluation ----------------------------------------------------------------------------------


def after_ingest(uow: UnitOfWork, clock: Clock, customer_refs: Iterable[str]) -> list[str]:
    """Evaluate the watched contracts of the customers ``customer_refs`` names (ids or ingest
    aliases); returns the ids of the commits created. Never raises for a contract's own
    problem: the events are already stored, and the worker evaluates again."""
    with uow:
        watched = uow.thresholds.watched_for(customer_refs)
    return evaluate_contracts(uow, clock, watched)


def evaluate_watched(uow_factory: Callable[[], UnitOfWork], clock: Clock) -> list[str]:
    """Evaluate every watched contract (the billing worker's pass)."""
    uow = uow_factory()
    with uow:
        watched = uow.thresholds.watched()
    return evaluate_contracts(uow, clock, watched)


def evaluate_contracts(uow: UnitOfWork, clock: Clock, contract_ids: Sequence[str]) -> list[str]:
    """Evaluate each contract in turn; a contract's own problem is logged, never raised (the
    caller's change is already committed)."""
    created: list[str] = []
    for contract_id in contract_ids:
        try:
            created.extend(evaluate_contract(uow, clock, contract_id))
        except (DomainValidationError, NotFound, Conflict) as error:
            _log.warning("threshold billing skipped contract %s: %s", contract_id, error)
    return created


def evaluate_contract(uow: UnitOfWork, clock: Clock, contract_id: str) -> list[str]:
    """Evaluate the thresholds of one contract now; returns the ids of the commits created
    (at most one per configuration)."""
    now = clock.now()
    created: list[str] = []
    with uow:
        found = uow.contracts.get(contract_id)
        if found is None or not any_enabled(found.settings):
            return []  # nothing to evaluate: no lock taken (contract create calls this)
        balances.lock_customer(uow, found.customer_id)
        contract = contract_service.load_contract(uow, contract_id)
        if not _active(contract, now) or any(is_pending(c) for c in contract.commits):
            return []
        spend = spend_config(contract.settings)
        if spend is not None and spend.is_enabled:
            commit = _spend_commit(uow, contract, spend, now)
            if commit is not None:
                contract = _add(uow, contract, commit, now)
                created.append(commit.id)
        recharge = recharge_config(contract.settings)
        if recharge is not None and recharge.is_enabled:
            commit = _recharge_commit(uow, contract, recharge, now)
            if commit is not None:
                _add(uow, contract, commit, now)
                created.append(commit.id)
        uow.commit()
    return created


def _active(contract: Contract, now: datetime) -> bool:
    if contract.archived_at is not None or now < contract.starting_at:
        return False
    return contract.ending_before is None or now < contract.ending_before


def _next_ordinal(contract: Contract) -> int:
    return max((c.ordinal for c in contract.commits), default=0) + 1


def _ids() -> tuple[str, str, str]:
    return new_id(), new_id(), new_id()


def _add(uow: UnitOfWork, contract: Contract, commit: Commit, now: datetime) -> Contract:
    change = ContractEdit(
        id=new_id(),
        contract_id=contract.id,
        customer_id=contract.customer_id,
        created_at=now,
        source=EditSource.THRESHOLD_BILLING,
        add_commits=(commit,),
    )
    return contract_service.apply_system_edit(uow, change)


def _current_period(contract: Contract, now: datetime) -> Period:
    period = statement_period_containing(statement_schedule(contract), now)
    if period is None:  # guarded by _active; a contract always has a period while active
        raise DomainValidationError(f"contract {contract.id!r} has no billing period at {now}")
    return period


def _recharge_commit(
    uow: UnitOfWork, contract: Contract, config: RechargeConfig, now: datetime
) -> Commit | None:
    balance = _threshold_balance(uow, contract, config, now)
    period = _current_period(contract, now)
    tracked = _tracked(contract, config.cap.spend_tracker_alias if config.cap else None, period)
    return recharge_commit(
        config,
        balance,
        ids=_ids(),
        period=period,
        now=now,
        tracked=tracked,
        ordinal=_next_ordinal(contract),
    )


def _tracked(contract: Contract, alias: str | None, period: Period) -> Decimal:
    if alias is None:
        return _ZERO
    return tracked_spend(contract, alias, period)


def _threshold_balance(
    uow: UnitOfWork, contract: Contract, config: RechargeConfig, now: datetime
) -> Decimal:
    """What the threshold looks at: every usable contract- and customer-level prepaid commit
    and credit of the configuration's credit type (drafts drawn), less excluded ones."""
    found = balances.contract_and_customer_balances(uow, contract, now)
    return exact_sum(b.balance for b in found if _counts(b.commit, config))


def _counts(commit: Commit, config: RechargeConfig) -> bool:
    if commit.kind is CommitKind.POSTPAID or commit.archived_at is not None or is_pending(commit):
        return False
    if commit.access_schedule.access_type is not AccessType.SPEND:
        return False
    if commit.credit_type_id != config.credit_type_id:
        return False
    entity = "ContractCredit" if commit.kind is CommitKind.CREDIT else "Commit"
    for filters in config.excluded:
        if all(
            e in (entity, "ContractCreditOrCommit") and commit.custom_fields.get(k) == v
            for e, k, v in filters
        ):
            return False
    return True


def _spend_commit(
    uow: UnitOfWork, contract: Contract, config: SpendConfig, now: datetime
) -> Commit | None:
    outstanding, window = _outstanding(uow, contract, now)
    if window is None:
        return None
    period = _current_period(contract, now)
    tracked = _tracked(contract, config.cap.spend_tracker_alias if config.cap else None, period)
    return spend_commit(
        config,
        outstanding,
        ids=_ids(),
        window=window,
        now=now,
        tracked=tracked,
        ordinal=_next_ordinal(contract),
    )


def _outstanding(
    uow: UnitOfWork, contract: Contract, now: datetime
) -> tuple[Decimal, Period | None]:
    """The usage spend of the contract's open (draft) usage invoices not paid by a prepaid
    balance, and the window those invoices cover."""
    loader = InputsLoader(uow)
    inputs = loader.inputs(contract)
    stored = uow.invoices.stored_keys([contract.id])[contract.id]
    keys = [
        k
        for k in invoice_keys(inputs, now)
        if k.type is InvoiceType.USAGE and k not in stored and k.credit_type_id == USD_CENTS
    ]
    if not keys:
        return _ZERO, None
    owed: list[Decimal] = []
    for key in keys:
        invoice = invoice_service.draft(uow, loader, inputs, key, now)
        for line in invoice.line_items:
            # Usage, less what prepaid balances paid (postpaid applications do not count).
            applied = line.type is LineType.APPLIED_COMMIT_OR_CREDIT and line.counts_in_total
            if line.type is LineType.USAGE or applied:
                owed.append(line.total)
    window = Period(min(k.starting_at for k in keys), max(k.ending_before for k in keys))
    return max(exact_sum(owed), _ZERO), window


# --- EXTERNAL payment gate -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReleaseOutcome:
    workflow_id: str
    paid: bool


def release(uow: UnitOfWork, clock: Clock, outcome: ReleaseOutcome) -> None:
    """Complete an EXTERNAL payment gate: ``workflow_id`` is the pending threshold commit's id.
    Paid: the commit becomes usable. Failed: the commit is archived, its purchase invoice
    voided, and the configuration that created it disabled (as Metronome does)."""
    now = clock.now()
    with uow:
        ref = uow.contracts.term(outcome.workflow_id)
        if ref is None:
            raise NotFound(f"workflow_id: no threshold billing workflow {outcome.workflow_id!r}")
        contract = contract_service.load_contract(uow, ref.contract_id)
        balances.lock_customer(uow, contract.customer_id)
        commit = next((c for c in contract.commits if c.id == outcome.workflow_id), None)
        if commit is None or not is_pending(commit):
            raise Conflict(f"workflow_id: {outcome.workflow_id!r} is not awaiting a payment")
        contract_service.settle_threshold_commit(uow, contract, commit, now, paid=outcome.paid)
        if not outcome.paid:
            _void_purchase(uow, contract, commit, now)
        uow.commit()


def _void_purchase(uow: UnitOfWork, contract: Contract, commit: Commit, now: datetime) -> None:
    """Void the finalised invoice of a failed gated purchase (a draft simply loses the line)."""
    schedule = commit.invoice_schedule
    if schedule is None:
        return
    moments = {item.timestamp for item in schedule.items}
    for invoice in uow.invoices.for_contract(contract.id):
        if invoice.key.type is InvoiceType.SCHEDULED and invoice.key.starting_at in moments:
            invoice_service.void_stored(uow, invoice, now)
