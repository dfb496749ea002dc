"""Customer-level commits and credits, listings of balances, net balance, manual entries.

Use cases behind ``/v1/contracts/customerCommits/*``, ``/v1/contracts/customerCredits/*``,
``/v1/contracts/customerBalances/*`` and ``/v1/contracts/addManualBalanceLedgerEntry``. Balances
and ledgers come from ``services.balances`` (drafts draw provisionally unless asked otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from meterbill.clock import Clock
from meterbill.core.contracts.terms import (
    USD_CENTS,
    AccessType,
    Commit,
    CommitKind,
    Contract,
)
from meterbill.core.contracts.validation import CatalogFacts, validate_commit
from meterbill.core.drawdown import BalanceLevel, LedgerEntry, LedgerEvent, entry_type
from meterbill.core.drawdown.balances import contract_commits
from meterbill.core.errors import Conflict, DomainValidationError, NotFound
from meterbill.core.rounding import exact_sum
from meterbill.services import products as product_service
from meterbill.services.balances import CommitBalance, contract_balances, customer_balances
from meterbill.storage.pagination import Page, decode_cursor, encode_cursor
from meterbill.storage.repositories.balances import CustomerCommit
from meterbill.storage.uow import UnitOfWork

_TICK = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = Decimal(0)


# --- create ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateCustomerCommit:
    """A customer-level commit or credit to store (``commit.id`` and ``ordinal`` are set here)."""

    customer_id: str
    commit: Commit
    applicable_contract_ids: tuple[str, ...] = ()
    invoice_contract_id: str | None = None
    uniqueness_key: str | None = None


def create_customer_commit(uow: UnitOfWork, clock: Clock, command: CreateCustomerCommit) -> str:
    """Validate and store; ``Conflict`` when the ``uniqueness_key`` was used by a commit or a
    credit already. Returns the new id."""
    with uow:
        _require_customer(uow, command.customer_id)
        contracts = {c.id: c for c in _contracts(uow, command.customer_id, archived=False)}
        _check_contract_refs(command, contracts)
        _validate(uow, command.commit)
        key = command.uniqueness_key
        if key is not None and uow.balances.uniqueness_key_taken(key):
            raise Conflict(f"uniqueness_key: {key!r} was already used to create a commit or credit")
        ordinal = uow.balances.next_ordinal(command.customer_id)
        commit = replace(command.commit, ordinal=ordinal, created_at=clock.now())
        stored = CustomerCommit(
            customer_id=command.customer_id,
            commit=commit,
            applicable_contract_ids=command.applicable_contract_ids,
            invoice_contract_id=command.invoice_contract_id,
            uniqueness_key=key,
            created_at=clock.now(),
        )
        if not uow.balances.add_customer_commit(stored):
            raise Conflict(f"uniqueness_key: {key!r} was already used to create a commit or credit")
        uow.commit()
        return commit.id


def _require_customer(uow: UnitOfWork, customer_id: str) -> None:
    if uow.customers.get(customer_id) is None:
        raise NotFound(f"customer_id: no customer with id {customer_id!r}")


def _check_contract_refs(command: CreateCustomerCommit, contracts: Mapping[str, Contract]) -> None:
    for index, ident in enumerate(command.applicable_contract_ids):
        if ident not in contracts:
            raise DomainValidationError(
                f"applicable_contract_ids[{index}]: no contract {ident!r} for this customer"
            )
    invoice = command.invoice_contract_id
    if invoice is not None and invoice not in contracts:
        raise DomainValidationError(
            f"invoice_contract_id: no contract {invoice!r} for this customer"
        )
    schedule = command.commit.invoice_schedule
    billed = schedule is not None and bool(schedule.items) and not schedule.do_not_invoice
    if invoice is None and (command.commit.kind is CommitKind.POSTPAID or billed):
        raise DomainValidationError(
            "invoice_contract_id: is required for POSTPAID commits and for billed PREPAID commits"
        )


def _validate(uow: UnitOfWork, commit: Commit) -> None:
    """The contract-level rules, on a stand-in contract starting with the commit's access."""
    starts = [item.starting_at for item in commit.access_schedule.items]
    start = min(starts) if starts else _EPOCH
    stand_in = Contract(id="", customer_id="", starting_at=start, created_at=start)
    wanted = {commit.product_id, *commit.applicable_product_ids}
    wanted |= {s.product_id for s in commit.specifiers if s.product_id}
    credit_types = {commit.access_schedule.credit_type_id}
    if commit.invoice_schedule is not None:
        credit_types.add(commit.invoice_schedule.credit_type_id)
    facts = CatalogFacts(
        products=product_service.load_many(uow, sorted(wanted)),
        credit_type_ids=frozenset(c for c in credit_types if uow.credit_types.get(c) is not None),
    )
    try:
        validate_commit(commit, stand_in, facts, "")
    except DomainValidationError as error:
        raise DomainValidationError(error.message.lstrip(".")) from None


# --- update end date ---------------------------------------------------------------------------


def update_end_date(
    uow: UnitOfWork,
    customer_id: str,
    commit_id: str,
    kind: CommitKind,
    access_ending_before: datetime | None,
    invoices_ending_before: datetime | None = None,
) -> None:
    """Move a customer-level PREPAID commit's (or a credit's) ends earlier, never later.

    Access items starting at or after the new end are dropped, the one spanning it is cut;
    invoice items at or after ``invoices_ending_before`` are dropped.
    """
    field = "credit_id" if kind is CommitKind.CREDIT else "commit_id"
    with uow:
        stored = uow.balances.customer_commit(commit_id, for_update=True)
        if stored is None or stored.customer_id != customer_id:
            raise NotFound(f"{field}: no customer-level {_noun(kind)} with id {commit_id!r}")
        commit = stored.commit
        if (commit.kind is CommitKind.CREDIT) != (kind is CommitKind.CREDIT):
            raise NotFound(f"{field}: no customer-level {_noun(kind)} with id {commit_id!r}")
        if commit.kind is CommitKind.POSTPAID:
            raise DomainValidationError(f"{field}: only PREPAID commits can have their end moved")
        if access_ending_before is not None:
            commit = _cut_access(commit, access_ending_before)
        if invoices_ending_before is not None:
            commit = _cut_invoices(commit, invoices_ending_before)
        uow.balances.replace_customer_commit(commit)
        uow.commit()


def _noun(kind: CommitKind) -> str:
    return "credit" if kind is CommitKind.CREDIT else "commit"


def _cut_access(commit: Commit, end: datetime) -> Commit:
    items = commit.access_schedule.items
    current = max(i.ending_before for i in items)
    if end > current:
        raise DomainValidationError(
            f"access_ending_before: can only move the end earlier than {current.isoformat()}"
        )
    kept = tuple(
        replace(i, ending_before=min(i.ending_before, end)) for i in items if i.starting_at < end
    )
    if not kept:
        raise DomainValidationError("access_ending_before: must be after the access starts")
    return replace(commit, access_schedule=replace(commit.access_schedule, items=kept))


def _cut_invoices(commit: Commit, end: datetime) -> Commit:
    schedule = commit.invoice_schedule
    if schedule is None:
        return commit
    current = max((i.timestamp for i in schedule.items), default=None)
    if current is not None and end > current + _TICK:
        raise DomainValidationError(
            "invoices_ending_before: can only move the end earlier than the last invoice"
        )
    kept = tuple(i for i in schedule.items if i.timestamp < end)
    return replace(commit, invoice_schedule=replace(schedule, items=kept))


# --- listings ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListBalances:
    """Filters of ``customerCommits/list``, ``customerCredits/list`` and ``customerBalances/list``.

    ``kinds`` restricts the balance kinds; ``include_contract`` adds contract-level ones.
    """

    customer_id: str
    kinds: frozenset[CommitKind]
    limit: int
    cursor: str | None = None
    commit_id: str | None = None
    access_type: AccessType | None = None
    covering_date: datetime | None = None
    starting_at: datetime | None = None
    effective_before: datetime | None = None
    include_archived: bool = False
    include_contract: bool = False
    exclude_zero_balances: bool = False


@dataclass(frozen=True, slots=True)
class ListedBalance:
    """A balance of a listing with what its rendering needs."""

    balance: CommitBalance
    contract: Contract | None
    stored: CustomerCommit | None


def list_balances(uow: UnitOfWork, query: ListBalances, as_of: datetime) -> Page[ListedBalance]:
    """One page, in (created_at, id) order; balances and ledgers as of ``as_of``."""
    with uow:
        _require_customer(uow, query.customer_id)
        found = [b for b in _all_balances(uow, query, as_of) if _wanted(b, query, as_of)]
        found.sort(key=_sort_key)
        if query.cursor is not None:
            after = [str(part) for part in decode_cursor(query.cursor, 2)]
            found = [b for b in found if list(_sort_key(b)) > after]
        items = found[: query.limit]
        more = len(found) > query.limit
        cursor = encode_cursor(list(_sort_key(items[-1]))) if more and items else None
        return Page(items, cursor)


def _sort_key(listed: ListedBalance) -> tuple[str, str]:
    commit = listed.balance.commit
    created = commit.created_at or (listed.contract.created_at if listed.contract else None)
    return (created.isoformat() if created else "", commit.id)


def _all_balances(uow: UnitOfWork, query: ListBalances, as_of: datetime) -> list[ListedBalance]:
    contracts = _contracts(uow, query.customer_id, archived=query.include_archived)
    stored = {s.commit.id: s for s in uow.balances.customer_commits(query.customer_id)}
    found = [
        ListedBalance(b, None, stored[b.commit.id])
        for b in customer_balances(uow, query.customer_id, contracts, as_of)
        if query.include_archived or stored[b.commit.id].archived_at is None
    ]
    if query.include_contract:
        for contract in contracts:
            found.extend(
                ListedBalance(b, contract, None) for b in contract_balances(uow, contract, as_of)
            )
    return found


def _wanted(listed: ListedBalance, query: ListBalances, as_of: datetime) -> bool:
    commit = listed.balance.commit
    items = commit.access_schedule.items
    checks = (
        commit.kind in query.kinds,
        query.commit_id is None or commit.id == query.commit_id,
        query.access_type is None or commit.access_schedule.access_type is query.access_type,
        query.covering_date is None
        or any(i.starting_at <= query.covering_date < i.ending_before for i in items),
        query.starting_at is None or any(i.ending_before > query.starting_at for i in items),
        query.effective_before is None
        or any(i.starting_at < query.effective_before for i in items),
        not query.exclude_zero_balances or listed.balance.balance != _ZERO,
        query.include_archived or commit.archived_at is None,
    )
    return all(checks)


def _contracts(uow: UnitOfWork, customer_id: str, *, archived: bool) -> list[Contract]:
    found: list[Contract] = []
    cursor: str | None = None
    while True:
        page = uow.contracts.list_page(
            customer_id, limit=200, cursor=cursor, include_archived=archived
        )
        found.extend(page.items)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


# --- net balance -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BalanceFilter:
    """One ``filters[]`` item: conditions AND'ed (``None``: no condition)."""

    balance_types: frozenset[str] | None = None
    ids: frozenset[str] | None = None
    custom_fields: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class NetBalanceQuery:
    customer_id: str
    access_type: AccessType = AccessType.SPEND
    credit_type_id: str | None = None
    filters: tuple[BalanceFilter, ...] = ()
    include_drafts: bool = True


def net_balance(uow: UnitOfWork, query: NetBalanceQuery, as_of: datetime) -> tuple[Decimal, str]:
    """The sum of the balances usable at ``as_of`` (each segment at least 0) matching the
    query; with the credit type summed. Filters are OR'ed."""
    if query.access_type is AccessType.QUANTITY and query.credit_type_id is not None:
        raise DomainValidationError("credit_type_id: not allowed with access_type QUANTITY")
    credit_type = query.credit_type_id or USD_CENTS
    with uow:
        _require_customer(uow, query.customer_id)
        contracts = _contracts(uow, query.customer_id, archived=False)
        found = customer_balances(
            uow, query.customer_id, contracts, as_of, include_drafts=query.include_drafts
        )
        for contract in contracts:
            found.extend(
                contract_balances(uow, contract, as_of, include_drafts=query.include_drafts)
            )
        kept = (b for b in found if _net_wanted(b, query, credit_type))
        return exact_sum(b.balance for b in kept), credit_type


def _net_wanted(balance: CommitBalance, query: NetBalanceQuery, credit_type: str) -> bool:
    commit = balance.commit
    if commit.archived_at is not None:
        return False
    if commit.access_schedule.access_type is not query.access_type:
        return False
    if query.access_type is AccessType.SPEND and commit.credit_type_id != credit_type:
        return False
    return not query.filters or any(_matches(f, commit) for f in query.filters)


_BALANCE_TYPES = {
    CommitKind.PREPAID: "PREPAID_COMMIT",
    CommitKind.POSTPAID: "POSTPAID_COMMIT",
    CommitKind.CREDIT: "CREDIT",
}


def _matches(given: BalanceFilter, commit: Commit) -> bool:
    fields = given.custom_fields or {}
    return (
        (given.balance_types is None or _BALANCE_TYPES[commit.kind] in given.balance_types)
        and (given.ids is None or commit.id in given.ids)
        and all(commit.custom_fields.get(k) == v for k, v in fields.items())
    )


# --- manual ledger entries ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManualEntry:
    customer_id: str
    commit_id: str
    segment_id: str
    amount: Decimal
    reason: str
    contract_id: str | None = None
    timestamp: datetime | None = None
    uniqueness_key: str | None = None


def add_manual_entry(uow: UnitOfWork, clock: Clock, command: ManualEntry) -> None:
    """Append a ``*_MANUAL`` entry to one segment (negative draws down); ``Conflict`` on a
    reused ``uniqueness_key``. The timestamp defaults to the segment's start."""
    now = clock.now()
    with uow:
        _require_customer(uow, command.customer_id)
        commit = _find_commit(uow, command, now)
        item = next((i for i in commit.access_schedule.items if i.id == command.segment_id), None)
        if item is None:
            raise NotFound(
                f"segment_id: no segment {command.segment_id!r} on {command.commit_id!r}"
            )
        entry = LedgerEntry(
            commit.id,
            item.id,
            entry_type(commit.kind, LedgerEvent.MANUAL),
            command.amount,
            command.timestamp or item.starting_at,
            contract_id=command.contract_id,
            reason=command.reason,
        )
        if not uow.balances.add_entries(command.customer_id, [entry], now, command.uniqueness_key):
            raise Conflict(
                f"uniqueness_key: {command.uniqueness_key!r} was already used for a ledger entry"
            )
        uow.commit()


def _find_commit(uow: UnitOfWork, command: ManualEntry, now: datetime) -> Commit:
    missing = NotFound(f"id: no commit or credit with id {command.commit_id!r}")
    if command.contract_id is None:
        stored = uow.balances.customer_commit(command.commit_id)
        if stored is None or stored.customer_id != command.customer_id:
            raise missing
        return stored.commit
    contract = uow.contracts.get(command.contract_id)
    if contract is None or contract.customer_id != command.customer_id:
        raise NotFound(f"contract_id: no contract with id {command.contract_id!r}")
    until = max(now, command.timestamp or now, contract.ending_before or now) + _TICK
    found = _by_id(contract_commits(contract, until), command.commit_id)
    if found is None:
        raise missing
    return found


def _by_id(commits: Iterable[Commit], ident: str) -> Commit | None:
    return next((c for c in commits if c.id == ident), None)


def level_of(listed: ListedBalance) -> BalanceLevel:
    return BalanceLevel.CONTRACT if listed.contract is not None else BalanceLevel.CUSTOMER


__all__: Sequence[str] = [
    "BalanceFilter",
    "CreateCustomerCommit",
    "ListBalances",
    "ListedBalance",
    "ManualEntry",
    "NetBalanceQuery",
    "add_manual_entry",
    "create_customer_commit",
    "level_of",
    "list_balances",
    "net_balance",
    "update_end_date",
]
