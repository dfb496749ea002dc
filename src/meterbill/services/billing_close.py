"""Finalising invoices: every invoice whose time has come is stored once, FINALIZED.

``close(new_uow, as_of, grace)`` finds, for every contract started by ``as_of``, the invoice
keys that are due (usage periods ended at least ``grace`` ago, scheduled instants passed) and
not stored yet, computes them from the current data and inserts them. The unique constraint
on (contract, type, pricing unit, period, revision) makes this exactly-once: when two servers
close at once, one insert of each key wins and the other is skipped. Contracts are handled in
batches, each batch in its own transaction with its usage aggregated in one query per window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from meterbill.core.contracts.terms import Contract
from meterbill.core.invoicing import (
    BalanceContext,
    BillingInputs,
    Invoice,
    InvoiceKey,
    InvoiceStatus,
    invoice_keys,
    is_due,
    usage_for,
)
from meterbill.core.periods import Period
from meterbill.services import balances as balance_service  # --- balances ---
from meterbill.services import contracts as contract_service
from meterbill.services.billing_inputs import InputsLoader
from meterbill.services.invoices import compute_in_context
from meterbill.storage.uow import UnitOfWork

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)

NewUnitOfWork = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class CloseResult:
    contracts: int
    finalized: int


def close(
    new_uow: NewUnitOfWork, as_of: datetime, grace: timedelta, *, batch: int = 500
) -> CloseResult:
    """Finalise every invoice due at ``as_of``; returns how many this call stored."""
    with new_uow() as uow:
        window = Period(_EPOCH, as_of + _TICK)
        # Custom fields are read per batch (with_custom_fields_many), in the batch's transaction.
        contracts = list(uow.contracts.overlapping(window.starting_at, window.ending_before))
    finalized = 0
    for start in range(0, len(contracts), batch):
        finalized += _close_batch(new_uow(), contracts[start : start + batch], as_of, grace)
    return CloseResult(len(contracts), finalized)


def _close_batch(
    uow: UnitOfWork, contracts: Sequence[Contract], as_of: datetime, grace: timedelta
) -> int:
    with uow:
        contracts = contract_service.with_custom_fields_many(uow, contracts)
        loader = InputsLoader(uow)
        loader.prefetch_customer_commits(c.customer_id for c in contracts)
        stored = uow.invoices.stored_keys([c.id for c in contracts])
        wanted: list[tuple[InvoiceKey, BillingInputs]] = []
        keys_of: dict[str, list[InvoiceKey]] = {}
        for contract in contracts:
            inputs = loader.inputs(contract)
            keys_of[contract.id] = invoice_keys(inputs, as_of)
            for key in keys_of[contract.id]:
                if is_due(key, as_of, grace) and key not in stored[contract.id]:
                    wanted.append((key, inputs))
        # --- balances: lock the customers whose balances are drawn, load them once ---
        balances = balance_service.close_balances(uow, loader, wanted, as_of, keys_of)
        priced = loader.attach_usage([(inputs, usage_for(key, inputs)) for key, inputs in wanted])
        finals = [
            (inputs, _computed(key, inputs, balances.context(inputs.contract, key), as_of))
            for (key, _), inputs in zip(wanted, priced, strict=True)
        ]
        inserted = uow.invoices.add_all([final for _, final in finals])
        # --- balances: the invoices' ledger deductions, in the same transaction ---
        balances.record(uow, [(inputs, final) for inputs, final in finals if final.id in inserted])
        count = len(inserted)
        uow.commit()
    return count


def _computed(
    key: InvoiceKey, inputs: BillingInputs, context: BalanceContext, as_of: datetime
) -> Invoice:
    """The FINALIZED invoice for ``key`` (stored by the caller, with every other one of the
    batch, in one statement)."""
    invoice = compute_in_context(inputs, key, as_of, context)
    return replace(invoice, status=InvoiceStatus.FINALIZED, finalized_at=as_of)
