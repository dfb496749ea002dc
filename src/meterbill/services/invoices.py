"""Use cases of customer invoices: list, get, breakdowns, void, regenerate.

A contract's invoices are its stored ones (FINALIZED and VOID, never changed again) plus a
DRAFT for every other invoice key that exists at the clock's instant, computed from the
current data on every read (decisions.md §9). A draft's id is a UUIDv5 of its key, so it
can be fetched by id and keeps that id when it is finalised.

The balances area plugs its drawdown in through :data:`BALANCES` and
:func:`balance_context` (``docs/decisions/invoices-balances-seam.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from meterbill.clock import Clock
from meterbill.core.contracts.terms import Contract
from meterbill.core.custom_fields import CustomFieldEntity
from meterbill.core.errors import Conflict, DomainValidationError, NotFound
from meterbill.core.invoicing import (
    ApplyBalances,
    BalanceContext,
    BillingInputs,
    Invoice,
    InvoiceKey,
    InvoiceStatus,
    InvoiceType,
    LineType,
    compute_invoice,
    invoice_id,
    invoice_keys,
    no_balances,
    usage_for,
)
from meterbill.core.invoicing.balances import apply_commits_and_credits  # --- balances ---
from meterbill.core.invoicing.usage import usage_lines, usage_needed
from meterbill.core.periods import Period
from meterbill.services import balances as balance_service  # --- balances ---
from meterbill.services import contracts as contract_service
from meterbill.services import rate_cards as rate_card_service
from meterbill.services.billing_inputs import InputsLoader
from meterbill.services.contracts import ListContracts
from meterbill.storage.pagination import Page, decode_cursor, encode_cursor
from meterbill.storage.uow import UnitOfWork

# The drawdown applied to every invoice; the balances area sets it (and balance_context).
BALANCES: ApplyBalances = no_balances


def _no_context(
    uow: UnitOfWork, contract: Contract, key: InvoiceKey, as_of: datetime
) -> BalanceContext:
    del uow
    return BalanceContext(contract, key, as_of)


# ``balance_context(uow, contract, key, as_of)``: what drawdown needs from storage.
balance_context: Callable[[UnitOfWork, Contract, InvoiceKey, datetime], BalanceContext] = (
    _no_context
)

# --- balances: the drawdown of commits and credits, and its context from storage ---
BALANCES = apply_commits_and_credits
balance_context = balance_service.balance_context
# --- end balances ---


@dataclass(frozen=True, slots=True)
class ListInvoices:
    """``GET /v1/customers/{customer_id}/invoices`` (``starting_on``/``ending_before`` bound
    the billing period: ``starting_on <= start`` and ``end <= ending_before``)."""

    customer_id: str
    contract_id: str | None = None
    credit_type_id: str | None = None
    status: InvoiceStatus | None = None
    type: InvoiceType | None = None
    starting_on: datetime | None = None
    ending_before: datetime | None = None
    descending: bool = False
    limit: int = 25
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Breakdown:
    invoice: Invoice
    starting_at: datetime
    ending_before: datetime


# --- computing --------------------------------------------------------------------------------


def draft(uow: UnitOfWork, loader: InputsLoader, inputs: BillingInputs, key: InvoiceKey,
          as_of: datetime) -> Invoice:  # fmt: skip
    """The DRAFT invoice of ``key`` from the current data."""
    [with_usage] = loader.attach_usage([(inputs, usage_for(key, inputs))])
    return compute_with_balances(uow, with_usage, key, as_of)


def compute_with_balances(
    uow: UnitOfWork, inputs: BillingInputs, key: InvoiceKey, as_of: datetime
) -> Invoice:
    """``compute_invoice`` with the installed drawdown (usage already attached)."""
    context = balance_context(uow, inputs.contract, key, as_of)
    return compute_in_context(inputs, key, as_of, context)


def compute_in_context(
    inputs: BillingInputs, key: InvoiceKey, as_of: datetime, context: BalanceContext
) -> Invoice:
    """``compute_invoice`` with the installed drawdown in a given balance context (the close
    builds the contexts of a batch at once: ``services.balances.close_balances``).

    A context without any segment (``segments == ()``) has nothing to draw: no drawdown runs.
    """
    apply = no_balances if context.segments == () else BALANCES
    return compute_invoice(key, inputs, as_of, apply_balances=apply, balance_context=context)


def _contract_invoices(
    uow: UnitOfWork,
    loader: InputsLoader,
    contract: Contract,
    as_of: datetime,
    wanted: Callable[[InvoiceKey, InvoiceStatus], bool],
) -> Iterator[Invoice]:
    stored = uow.invoices.for_contract(contract.id)
    yield from (i for i in stored if wanted(i.key, i.status))
    taken = {i.key for i in stored}
    inputs = loader.inputs(contract)
    for key in invoice_keys(inputs, as_of):
        if key not in taken and wanted(key, InvoiceStatus.DRAFT):
            yield draft(uow, loader, inputs, key, as_of)


def _customer_contracts(uow: UnitOfWork, customer_id: str) -> list[Contract]:
    if uow.customers.get(customer_id) is None:
        raise NotFound(f"customer_id: no customer with id {customer_id!r}")
    found: list[Contract] = []
    cursor: str | None = None
    while True:
        query = ListContracts(customer_id, limit=100, cursor=cursor, include_archived=True)
        page = contract_service.list_customer_contracts(uow, query)
        found.extend(page.items)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


# --- use cases ----------------------------------------------------------------------------------


def list_page(uow: UnitOfWork, clock: Clock, query: ListInvoices) -> Page[Invoice]:
    """One page of the customer's invoices, by ``issued_at`` then id."""
    as_of = clock.now()
    with uow:
        loader = InputsLoader(uow)

        def wanted(key: InvoiceKey, status: InvoiceStatus) -> bool:
            return _matches(query, key, status)

        found = [
            invoice
            for contract in _customer_contracts(uow, query.customer_id)
            if query.contract_id in (None, contract.id)
            for invoice in _contract_invoices(uow, loader, contract, as_of, wanted)
        ]
        page = _page(found, query)
        return Page([_with_custom_fields(uow, i) for i in page.items], page.next_cursor)


def _matches(query: ListInvoices, key: InvoiceKey, status: InvoiceStatus) -> bool:
    return (
        query.credit_type_id in (None, key.credit_type_id)
        and query.type in (None, key.type)
        and query.status in (None, status)
        and (query.starting_on is None or key.starting_at >= query.starting_on)
        and (query.ending_before is None or key.ending_before <= query.ending_before)
    )


def _page(found: list[Invoice], query: ListInvoices) -> Page[Invoice]:
    def order(invoice: Invoice) -> tuple[str, str]:
        return (invoice.issued_at.isoformat(), invoice.id)

    ordered = sorted(found, key=order, reverse=query.descending)
    if query.cursor is not None:
        after = tuple(str(part) for part in decode_cursor(query.cursor, 2))
        if query.descending:
            ordered = [i for i in ordered if order(i) < after]
        else:
            ordered = [i for i in ordered if order(i) > after]
    items = ordered[: query.limit]
    more = len(ordered) > query.limit
    return Page(items, encode_cursor(list(order(items[-1]))) if more else None)


def get(uow: UnitOfWork, clock: Clock, customer_id: str, invoice_id_: str) -> Invoice:
    """One invoice of the customer, stored or draft; ``NotFound`` otherwise."""
    with uow:
        invoice = _find(uow, clock.now(), customer_id, invoice_id_)
        return _with_custom_fields(uow, invoice)


def _find(uow: UnitOfWork, as_of: datetime, customer_id: str, wanted_id: str) -> Invoice:
    stored = uow.invoices.get(wanted_id)
    if stored is not None and stored.customer_id == customer_id:
        return stored
    found = _find_draft(uow, as_of, wanted_id, customer_id)
    if found is None:
        raise NotFound(f"invoice_id: no invoice with id {wanted_id!r}")
    return found


def _find_draft(
    uow: UnitOfWork, as_of: datetime, wanted_id: str, customer_id: str | None = None
) -> Invoice | None:
    """The draft with id ``wanted_id`` among the customer's contracts (or every contract)."""
    contracts = (
        _customer_contracts(uow, customer_id)
        if customer_id is not None
        else list(contract_service.contracts_overlapping(uow, Period(_EPOCH, as_of + _TICK)))
    )
    loader = InputsLoader(uow)
    for contract in contracts:
        inputs = loader.inputs(contract)
        for key in invoice_keys(inputs, as_of):
            if invoice_id(key) == wanted_id:
                if uow.invoices.latest_revision(key) >= 0:
                    return None
                return draft(uow, loader, inputs, key, as_of)
    return None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


def _with_custom_fields(uow: UnitOfWork, invoice: Invoice) -> Invoice:
    values = uow.custom_fields.values_of(CustomFieldEntity.INVOICE, invoice.id)
    return replace(invoice, custom_fields=values) if values else invoice


def exists(uow: UnitOfWork, clock: Clock, wanted_id: str) -> bool:
    """Whether an invoice (stored or draft) has id ``wanted_id`` (custom fields lookups)."""
    if uow.invoices.get(wanted_id) is not None:
        return True
    return _find_draft(uow, clock.now(), wanted_id) is not None


def void(uow: UnitOfWork, clock: Clock, wanted_id: str) -> str:
    """Void an invoice. A draft is stored as VOID (it is then never finalised); voiding a
    VOID invoice again changes nothing."""
    now = clock.now()
    with uow:
        stored = uow.invoices.get(wanted_id, for_update=True)
        if stored is None:
            found = _find_draft(uow, now, wanted_id)
            if found is None:
                raise NotFound(f"id: no invoice with id {wanted_id!r}")
            voided = replace(found, status=InvoiceStatus.VOID, finalized_at=now, voided_at=now)
            if not uow.invoices.add(voided):
                raise Conflict(f"id: invoice {wanted_id!r} was finalised meanwhile; retry")
        else:
            void_stored(uow, stored, now)
        uow.commit()
    return wanted_id


def regenerate(uow: UnitOfWork, clock: Clock, wanted_id: str) -> str:
    """A new FINALIZED invoice for a voided one's key, from the current data; its id."""
    now = clock.now()
    with uow:
        old = uow.invoices.get(wanted_id, for_update=True)
        if old is None:
            raise NotFound(f"id: no invoice with id {wanted_id!r}")
        if old.status is not InvoiceStatus.VOID:
            raise DomainValidationError("id: only a VOID invoice can be regenerated")
        revision = uow.invoices.latest_revision(old.key) + 1
        if revision != old.revision + 1:
            raise Conflict(f"id: invoice {wanted_id!r} was already regenerated")
        contract = contract_service.load_contract(uow, old.contract_id)
        loader = InputsLoader(uow)
        # --- balances: one finaliser at a time draws the customer's balances ---
        balance_service.lock_customer(uow, contract.customer_id)
        inputs = loader.inputs(contract)
        [priced] = loader.attach_usage([(inputs, usage_for(old.key, inputs))])
        fresh = compute_with_balances(uow, priced, old.key, now)
        new_id = invoice_id(old.key, revision)
        regenerated = replace(
            fresh,
            id=new_id,
            status=InvoiceStatus.FINALIZED,
            finalized_at=now,
            revision=revision,
            regenerated_from_invoice_id=old.id,
        )
        if not uow.invoices.add(regenerated):
            raise Conflict(f"id: invoice {wanted_id!r} was already regenerated")
        # --- balances: the regenerated invoice's ledger entries, in the same transaction ---
        balance_service.record_finalised(uow, priced, regenerated, now)
        uow.commit()
    return new_id


# --- breakdowns -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListBreakdowns:
    customer_id: str
    starting_on: datetime
    ending_before: datetime
    window: timedelta
    credit_type_id: str | None = None
    status: InvoiceStatus | None = None
    descending: bool = False


def breakdowns(uow: UnitOfWork, clock: Clock, query: ListBreakdowns) -> list[Breakdown]:
    """Usage invoices cut into DAY or HOUR windows, priced from the current usage.

    Each window shows the usage lines of its part of the invoice; graduated tiers continue
    from the period start, so the windows of a period sum to its usage lines
    (``docs/decisions/invoices-breakdowns.md``).
    """
    if query.ending_before <= query.starting_on:
        raise DomainValidationError("ending_before: must be after starting_on")
    as_of = clock.now()
    found: list[Breakdown] = []
    with uow:
        loader = InputsLoader(uow)
        for contract in _customer_contracts(uow, query.customer_id):
            found.extend(_contract_breakdowns(uow, loader, contract, query, as_of))
    found.sort(key=lambda b: (b.starting_at, b.invoice.id), reverse=query.descending)
    return found


def _contract_breakdowns(
    uow: UnitOfWork,
    loader: InputsLoader,
    contract: Contract,
    query: ListBreakdowns,
    as_of: datetime,
) -> Iterator[Breakdown]:
    range_ = Period(query.starting_on, query.ending_before)

    def wanted(key: InvoiceKey, status: InvoiceStatus) -> bool:
        period = (
            Period(key.starting_at, key.ending_before) if key.type is InvoiceType.USAGE else None
        )
        return (
            period is not None
            and period.overlaps(range_)
            and query.credit_type_id in (None, key.credit_type_id)
            and query.status in (None, status)
        )

    inputs = loader.inputs(contract)
    for invoice in _contract_invoices(uow, loader, contract, as_of, wanted):
        period = Period(invoice.key.starting_at, invoice.key.ending_before)
        windows = _windows(period, range_, query.window)
        cuts = [w.starting_at for w in windows] + [w.ending_before for w in windows]
        [priced] = loader.attach_usage([(inputs, usage_needed(inputs, period, cuts))])
        lines = [
            line
            for line in usage_lines(priced, period, cuts)
            if line.credit_type_id == invoice.key.credit_type_id
        ]
        for window in windows:
            inside = tuple(
                line
                for line in lines
                if line.starting_at is not None
                and window.starting_at <= line.starting_at < window.ending_before
                and line.type is LineType.USAGE
            )
            yield Breakdown(replace(invoice, line_items=inside), *_bounds(window))


def _bounds(window: Period) -> tuple[datetime, datetime]:
    return window.starting_at, window.ending_before


def _windows(period: Period, range_: Period, size: timedelta) -> list[Period]:
    common = period.intersection(range_)
    if common is None:
        return []
    origin = datetime(1970, 1, 1, tzinfo=common.starting_at.tzinfo)
    start = origin + ((common.starting_at - origin) // size) * size
    windows: list[Period] = []
    while start < common.ending_before:
        part = Period(start, start + size).intersection(common)
        if part is not None:
            windows.append(part)
        start += size
    return windows


def credit_type_names(uow: UnitOfWork, invoices: Sequence[Invoice]) -> dict[str, str]:
    """Names of the pricing units the invoices and their lines are in (id -> name)."""
    ids: set[str | None] = {i.credit_type_id for i in invoices}
    ids |= {line.credit_type_id for i in invoices for line in i.line_items}
    with uow:
        return rate_card_service.credit_type_names(uow, ids)


def void_contract_invoices(uow: UnitOfWork, contract_id: str, voided_at: datetime) -> int:
    """Void every FINALIZED invoice of a contract, inside an open unit of work (contract
    archive with ``void_invoices``); how many were voided. Drafts of an archived contract
    disappear by themselves (``invoice_keys`` lists none)."""
    finalized = [
        i for i in uow.invoices.for_contract(contract_id) if i.status is InvoiceStatus.FINALIZED
    ]
    for invoice in finalized:
        void_stored(uow, invoice, voided_at)
    return len(finalized)


def void_stored(uow: UnitOfWork, invoice: Invoice, voided_at: datetime) -> None:
    """Void a stored invoice inside an open unit of work (nothing when already VOID); its
    balances get back what it drew, in the same transaction."""
    if invoice.status is InvoiceStatus.VOID:
        return
    uow.invoices.void(invoice.id, voided_at)
    balance_service.release_invoice(uow, invoice.customer_id, invoice.id)
