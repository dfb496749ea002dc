"""Balances of commits and credits: drawdown context for invoices, ledgers, finalisation.

* :func:`balance_context` gives the invoice core what a contract's invoice may draw on: every
  segment at what remains of it after the stored ledger (finalised invoices, manual entries,
  rollovers) and after the drafts of the contract's earlier invoices, which draw provisionally
  (``docs/decisions/balances-drafts-and-finalisation.md``).
* :func:`record_finalised` writes the deductions of an invoice being finalised, in the
  finalisation's transaction; :func:`lock_customer` serialises finalisations that may draw
  the same balances (a row lock on the customer on PostgreSQL; SQLite serialises writers).
* :func:`commit_ledgers` gives a contract's or customer's balances and ledgers as of an instant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from meterbill.core.contracts.terms import Commit, Contract
from meterbill.core.drawdown import (
    BalanceLevel,
    LedgerEntry,
    ProductFacts,
    TrueUp,
    balance_of,
    deduction_entries,
    expirations,
    opening_entries,
    segments_of,
)
from meterbill.core.drawdown.balances import balance_segments, contract_commits
from meterbill.core.errors import NotFound
from meterbill.core.invoicing import (
    BalanceContext,
    BillingInputs,
    Invoice,
    InvoiceKey,
    InvoiceType,
    LineItem,
    LineType,
    charge_lines,
    invoice_id,
    invoice_keys,
    usage_for,
)
from meterbill.core.invoicing.balances import (
    apply_commits_and_credits,
    balance_repricer,
    drawdown_for,
    settle_trueups,
)
from meterbill.core.rounding import EXACT_CONTEXT
from meterbill.services.billing_inputs import InputsLoader
from meterbill.storage.repositories.balances import CustomerCommit
from meterbill.storage.uow import UnitOfWork

_TICK = timedelta(microseconds=1)
_ZERO = Decimal(0)


# --- drawdown context ------------------------------------------------------------------------


def lock_customer(uow: UnitOfWork, customer_id: str) -> None:
    """Serialise balance writers of one customer until the transaction ends."""
    uow.customers.get(customer_id, for_update=True)


def customer_commits_for(uow: UnitOfWork, contract: Contract) -> tuple[Commit, ...]:
    """The customer-level commits and credits that apply to ``contract``."""
    return tuple(
        stored.commit
        for stored in uow.balances.customer_commits(contract.customer_id)
        if stored.archived_at is None and stored.applies_to_contract(contract.id)
    )


@dataclass(slots=True)
class _Walk:
    """Drafts drawn in order: what each took, per segment, on top of the stored ledger."""

    drawn: dict[str, Decimal]
    provisional: list[LedgerEntry]


def balance_context(
    uow: UnitOfWork, contract: Contract, key: InvoiceKey, as_of: datetime
) -> BalanceContext:
    """What the invoice for ``key`` may draw on (installed in ``services.invoices``)."""
    loader = InputsLoader(uow)
    inputs = loader.inputs(contract)
    customer = customer_commits_for(uow, contract)
    walk = _walk_drafts(uow, loader, inputs, customer, as_of, before=key)
    return _context(inputs, key, as_of, customer, walk.drawn)


def _context(
    inputs: BillingInputs,
    key: InvoiceKey,
    as_of: datetime,
    customer: tuple[Commit, ...],
    drawn: Mapping[str, Decimal],
) -> BalanceContext:
    contract = inputs.contract
    until = max(key.ending_before, key.starting_at + _TICK)
    facts = [
        ProductFacts(p.id, frozenset(p.state_at(key.starting_at).tags))
        for p in inputs.products.values()
    ]
    segments = balance_segments(
        contract, until, customer_commits=customer, drawn_before=drawn, products=facts
    )
    commits = {c.id: c for c in (*contract_commits(contract, until), *customer)}
    return BalanceContext(
        contract,
        key,
        as_of,
        drawn_before=dict(drawn),
        customer_commits=customer,
        segments=segments,
        commits=commits,
        reprice=balance_repricer(inputs),
    )


def _stored_drawn(uow: UnitOfWork, customer_id: str) -> dict[str, Decimal]:
    """Segment id -> what stored entries took from it (negative: added to it)."""
    return _drawn_by(uow.balances.entries_for_customer(customer_id))


def _drawn_by(entries: Sequence[LedgerEntry]) -> dict[str, Decimal]:
    drawn: dict[str, Decimal] = {}
    _take(drawn, entries)
    return drawn


def _take(drawn: dict[str, Decimal], entries: Sequence[LedgerEntry]) -> None:
    """Add what ``entries`` took to ``drawn`` (segment id -> amount), in place."""
    for entry in entries:
        drawn[entry.segment_id] = EXACT_CONTEXT.subtract(
            drawn.get(entry.segment_id, _ZERO), entry.amount
        )


def _order(key: InvoiceKey) -> tuple[datetime, int, datetime, str]:
    """Invoices draw in time order; at one instant the usage invoice ending there draws before
    the scheduled invoice there (a postpaid true-up counts the usage up to its instant)."""
    rank = 1 if key.type is InvoiceType.SCHEDULED else 0
    return (key.ending_before, rank, key.starting_at, key.credit_type_id)


def _pending(
    uow: UnitOfWork, inputs: BillingInputs, as_of: datetime, before: InvoiceKey | None
) -> list[InvoiceKey]:
    contract = inputs.contract
    stored = uow.invoices.stored_keys([contract.id])[contract.id]
    return _unstored(inputs, as_of, stored, before)


def _unstored(
    inputs: BillingInputs,
    as_of: datetime,
    stored: set[InvoiceKey],
    before: InvoiceKey | None,
    keys_of: Mapping[str, Sequence[InvoiceKey]] | None = None,
) -> list[InvoiceKey]:
    """The contract's draft keys (not stored) before ``before`` (all: None), in draw order."""
    known = None if keys_of is None else keys_of.get(inputs.contract.id)
    every = invoice_keys(inputs, as_of) if known is None else known
    keys = [k for k in every if k not in stored]
    if before is not None:
        keys = [k for k in keys if _order(k) < _order(before)]
    return sorted(keys, key=_order)


def _walk_drafts(
    uow: UnitOfWork,
    loader: InputsLoader,
    inputs: BillingInputs,
    customer: tuple[Commit, ...],
    as_of: datetime,
    before: InvoiceKey | None,
) -> _Walk:
    """Draw the contract's pending drafts (before ``before``) in order, provisionally."""
    walk = _Walk(_stored_drawn(uow, inputs.contract.customer_id), [])
    for key in _pending(uow, inputs, as_of, before):
        [priced] = loader.attach_usage([(inputs, usage_for(key, inputs))])
        _draw_draft(walk, priced, customer, key, as_of)
    return walk


def _draw_draft(
    walk: _Walk,
    priced: BillingInputs,
    customer: tuple[Commit, ...],
    key: InvoiceKey,
    as_of: datetime,
) -> None:
    """Draw the draft of ``key`` (``priced`` carries its usage) on top of ``walk``."""
    context = _context(priced, key, as_of, customer, walk.drawn)
    entries = _deductions(priced, context, invoice_id(key), key)
    _take(walk.drawn, entries)
    walk.provisional.extend(entries)


def _deductions(
    inputs: BillingInputs, context: BalanceContext, invoice_id: str, key: InvoiceKey
) -> list[LedgerEntry]:
    charges = charge_lines(key, inputs)
    result = drawdown_for(charges, context)
    entries = deduction_entries(result.applications, invoice_id, key.ending_before, key.contract_id)
    settled = settle_trueups(charges, apply_commits_and_credits(charges, context), context)
    return [*entries, *trueup_entries(settled, context, invoice_id, key.ending_before)]


def trueup_entries(
    lines: Sequence[LineItem], context: BalanceContext, invoice_id: str, timestamp: datetime
) -> list[LedgerEntry]:
    """``POSTPAID_COMMIT_TRUEUP`` for each settled true-up line (on the commit's segment)."""
    segments = {s.commit_id: s.segment_id for s in context.segments or ()}
    found = []
    for line in lines:
        if line.type is not LineType.POSTPAID_TRUEUP or line.commit_id not in segments:
            continue
        trued = TrueUp(line.commit_id, line.total, timestamp, None)
        entry = trued.ledger_entry(segments[line.commit_id], invoice_id, context.contract.id)
        found.append(entry)
    return found


# --- finalisation ----------------------------------------------------------------------------


def record_finalised(
    uow: UnitOfWork, inputs: BillingInputs, invoice: Invoice, as_of: datetime
) -> None:
    """Write the deductions of ``invoice`` (just stored FINALIZED) to the ledger.

    ``inputs`` carries the invoice's usage. The drawdown is recomputed with the context the
    invoice was computed with (deterministic), so the entries carry what each balance lost
    (at its own rate), not only the lines' amounts.
    """
    contract = inputs.contract
    context = balance_context(uow, contract, invoice.key, as_of)
    _record(uow, contract, invoice, context, as_of)


def _record(
    uow: UnitOfWork, contract: Contract, invoice: Invoice, context: BalanceContext, as_of: datetime
) -> None:
    """Write the deductions of ``invoice`` drawn in ``context`` to the ledger."""
    uow.balances.add_entries(contract.customer_id, _entries(contract, invoice, context), as_of)


def _entries(contract: Contract, invoice: Invoice, context: BalanceContext) -> list[LedgerEntry]:
    """The ledger entries of ``invoice`` drawn in ``context``: what each balance lost."""
    charges = [
        line for line in invoice.line_items if line.type is not LineType.APPLIED_COMMIT_OR_CREDIT
    ]
    result = drawdown_for(charges, context)
    entries = deduction_entries(result.applications, invoice.id, invoice.issued_at, contract.id)
    entries += trueup_entries(invoice.line_items, context, invoice.id, invoice.issued_at)
    return entries


# --- the month close: a batch of contracts at once ---------------------------------------------


@dataclass(frozen=True, slots=True)
class CloseBalances:
    """The balance contexts of one close batch's invoices (:func:`close_balances`).

    A contract without commits or credits (its own, recurring, or its customer's that apply to
    it) draws nothing: its invoices get an empty context and write no ledger entries. The others
    get the context :func:`balance_context` would give, built from one load per batch.
    """

    as_of: datetime
    contexts: Mapping[InvoiceKey, BalanceContext]
    # Customers with exactly one invoice drawing balances in the batch: that invoice's ledger
    # entries are drawn in its own context (nothing else in the batch writes to the customer's
    # ledger, so recomputing the context would give the same one).
    alone: frozenset[str]

    def context(self, contract: Contract, key: InvoiceKey) -> BalanceContext:
        found = self.contexts.get(key)
        if found is None:
            return BalanceContext(contract, key, self.as_of, segments=())
        return found

    def record(self, uow: UnitOfWork, finalised: Sequence[tuple[BillingInputs, Invoice]]) -> None:
        """:func:`record_finalised` for each invoice (just stored FINALIZED), in order; the
        entries of the customers in ``alone`` are written together in one statement."""
        together: list[tuple[str, list[LedgerEntry]]] = []
        for inputs, invoice in finalised:
            context = self.contexts.get(invoice.key)
            if context is None:
                continue  # nothing to draw on: no entries
            contract = inputs.contract
            if contract.customer_id in self.alone:
                together.append((contract.customer_id, _entries(contract, invoice, context)))
            else:
                record_finalised(uow, inputs, invoice, self.as_of)
        uow.balances.add_entries_many(together, self.as_of)


def close_balances(
    uow: UnitOfWork,
    loader: InputsLoader,
    wanted: Sequence[tuple[InvoiceKey, BillingInputs]],
    as_of: datetime,
    keys_of: Mapping[str, Sequence[InvoiceKey]] | None = None,
) -> CloseBalances:
    """Lock the customers whose balances the ``wanted`` invoices draw, load their commits,
    ledgers and stored invoices once, and walk each contract's drafts once.

    Each invoice's context is the one :func:`balance_context` gives it: the customer's stored
    ledger, then the contract's earlier drafts drawn in order. Customers whose invoices draw
    nothing are neither locked nor read further. ``keys_of``: each contract's
    ``invoice_keys(inputs, as_of)`` when the caller has them (contract id -> keys).
    """
    by_contract: dict[str, tuple[BillingInputs, list[InvoiceKey]]] = {}
    for key, inputs in wanted:
        by_contract.setdefault(inputs.contract.id, (inputs, []))[1].append(key)
    loader.prefetch_customer_commits(i.contract.customer_id for i, _ in by_contract.values())
    drawing = {
        inputs.contract.customer_id
        for inputs, _ in by_contract.values()
        if _draws(
            inputs.contract,
            _applicable(loader.customer_commits(inputs.contract.customer_id), inputs),
        )
    }
    if not drawing:
        return CloseBalances(as_of, {}, frozenset())
    uow.customers.lock(drawing)
    # Read again under the lock: a concurrent finaliser may have written meanwhile.
    commits = uow.balances.customer_commits_many(drawing)
    ledgers = uow.balances.entries_for_customers(drawing)
    accounts: list[tuple[BillingInputs, tuple[Commit, ...], list[InvoiceKey]]] = []
    for inputs, keys in by_contract.values():
        customer_id = inputs.contract.customer_id
        if customer_id in drawing:
            customer = _applicable(commits.get(customer_id, ()), inputs)
            if _draws(inputs.contract, customer):
                accounts.append((inputs, customer, sorted(keys, key=_order)))
    stored = uow.invoices.stored_keys([inputs.contract.id for inputs, _, _ in accounts])
    drafts = [
        (inputs, _unstored(inputs, as_of, stored[inputs.contract.id], keys[-1], keys_of))
        for inputs, _, keys in accounts
    ]
    priced = iter(
        loader.attach_usage(
            [(inputs, usage_for(key, inputs)) for inputs, keys in drafts for key in keys]
        )
    )
    contexts: dict[InvoiceKey, BalanceContext] = {}
    invoices_of: dict[str, int] = {}
    for (inputs, customer, keys), (_, pending) in zip(accounts, drafts, strict=True):
        customer_id = inputs.contract.customer_id
        invoices_of[customer_id] = invoices_of.get(customer_id, 0) + len(keys)
        walk = _Walk(_drawn_by(ledgers.get(customer_id, ())), [])
        queue = [(draft, next(priced)) for draft in pending]
        for key in keys:
            while queue and _order(queue[0][0]) < _order(key):
                draft_key, draft_inputs = queue.pop(0)
                _draw_draft(walk, draft_inputs, customer, draft_key, as_of)
            contexts[key] = _context(inputs, key, as_of, customer, walk.drawn)
    alone = frozenset(c for c, count in invoices_of.items() if count == 1)
    return CloseBalances(as_of, contexts, alone)


def _applicable(stored: Sequence[CustomerCommit], inputs: BillingInputs) -> tuple[Commit, ...]:
    """What :func:`customer_commits_for` gives, from the customer's stored commits."""
    contract_id = inputs.contract.id
    return tuple(
        s.commit for s in stored if s.archived_at is None and s.applies_to_contract(contract_id)
    )


def _draws(contract: Contract, customer: tuple[Commit, ...]) -> bool:
    """Whether an invoice of ``contract`` may draw on any balance."""
    return bool(contract.commits or contract.recurring_commits or customer)


def release_invoice(uow: UnitOfWork, customer_id: str, invoice_id: str) -> int:
    """Remove the ledger entries of a voided invoice (its balances get back what it drew);
    returns how many. The ledger lists what live invoices drew
    (docs/decisions/balances-void-regenerate.md)."""
    lock_customer(uow, customer_id)
    return uow.balances.remove_invoice_entries(invoice_id)


# --- ledgers and balances as of an instant ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommitBalance:
    """A commit or credit with its balance and ordered ledger as of an instant."""

    commit: Commit
    level: BalanceLevel
    contract_id: str | None
    balance: Decimal
    ledger: tuple[LedgerEntry, ...]


def contract_balances(
    uow: UnitOfWork, contract: Contract, as_of: datetime, *, include_drafts: bool = True
) -> list[CommitBalance]:
    """The contract's commits and credits (recurring children up to ``as_of``) with their
    balances and ledgers, drafts included unless ``include_drafts`` is False."""
    provisional = _provisional(uow, contract, as_of) if include_drafts else []
    return _contract_level(uow, contract, provisional, as_of)


def contract_and_customer_balances(
    uow: UnitOfWork, contract: Contract, as_of: datetime
) -> list[CommitBalance]:
    """The contract's balances, then its customer's customer-level balances, with the
    contract's drafts walked once for both (other contracts' drafts are not walked)."""
    provisional = _provisional(uow, contract, as_of)
    customer_id = contract.customer_id
    entries = _unique([*uow.balances.entries_for_customer(customer_id), *provisional])
    return [
        *_contract_level(uow, contract, provisional, as_of),
        *(
            _commit_balance(s.commit, BalanceLevel.CUSTOMER, None, entries, as_of)
            for s in uow.balances.customer_commits(customer_id)
        ),
    ]


def _provisional(uow: UnitOfWork, contract: Contract, as_of: datetime) -> list[LedgerEntry]:
    """What the contract's drafts draw provisionally as of ``as_of``."""
    loader = InputsLoader(uow)
    inputs = loader.inputs(contract)
    customer = customer_commits_for(uow, contract)
    return _walk_drafts(uow, loader, inputs, customer, as_of, before=None).provisional


def _contract_level(
    uow: UnitOfWork, contract: Contract, provisional: Sequence[LedgerEntry], as_of: datetime
) -> list[CommitBalance]:
    commits = contract_commits(contract, as_of + _TICK)
    stored = uow.balances.entries_for_commits([c.id for c in commits])
    return [
        _commit_balance(c, BalanceLevel.CONTRACT, contract.id, [*stored, *provisional], as_of)
        for c in commits
    ]


def _commit_balance(
    commit: Commit,
    level: BalanceLevel,
    contract_id: str | None,
    entries: Sequence[LedgerEntry],
    as_of: datetime,
) -> CommitBalance:
    own = [e for e in entries if e.commit_id == commit.id]
    segments = segments_of(commit, level=level, contract_id=contract_id)
    moving = [*opening_entries(commit), *own]
    ledger = [*moving, *expirations(segments, moving, as_of)]
    ledger.sort(key=lambda e: e.timestamp)
    return CommitBalance(
        commit, level, contract_id, balance_of(segments, moving, as_of), tuple(ledger)
    )


def customer_balances(
    uow: UnitOfWork,
    customer_id: str,
    contracts: Sequence[Contract],
    as_of: datetime,
    *,
    include_drafts: bool = True,
) -> list[CommitBalance]:
    """Customer-level balances, with draws from every contract's drafts."""
    if uow.customers.get(customer_id) is None:
        raise NotFound(f"customer_id: no customer with id {customer_id!r}")
    stored = uow.balances.customer_commits(customer_id)
    entries = list(uow.balances.entries_for_customer(customer_id))
    loader = InputsLoader(uow)
    for contract in contracts if include_drafts else ():
        inputs = loader.inputs(contract)
        customer = customer_commits_for(uow, contract)
        entries.extend(_walk_drafts(uow, loader, inputs, customer, as_of, None).provisional)
    return [
        _commit_balance(s.commit, BalanceLevel.CUSTOMER, None, _unique(entries), as_of)
        for s in stored
    ]


def _unique(entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
    seen: dict[LedgerEntry, None] = {}
    for entry in entries:
        seen.setdefault(entry, None)
    return list(seen)


def balances_of_contract(
    uow: UnitOfWork, contract: Contract, as_of: datetime
) -> dict[str, CommitBalance]:
    """Use case behind ``include_balance`` / ``include_ledgers``: by commit id."""
    with uow:
        return {b.commit.id: b for b in contract_balances(uow, contract, as_of)}
