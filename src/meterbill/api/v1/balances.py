"""Balances on the wire: ``include_balance`` / ``include_ledgers`` on contract reads, and
the customer-level endpoints named after the SDK's ``client.v1.customers.commits``,
``client.v1.customers.credits`` and ``client.v1.contracts`` balance methods
(``/v1/contracts/customerCommits/*``, ``/v1/contracts/customerCredits/*``,
``/v1/contracts/customerBalances/*``, ``/v1/contracts/addManualBalanceLedgerEntry``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.errors import BadRequest
from meterbill.api.json import WireResponse
from meterbill.api.paging import cursor_page, page_limit
from meterbill.api.v1 import contract_wire as w
from meterbill.api.v1.contract_render import render_commit
from meterbill.api.v1.contract_terms import TermBuilder, refuse
from meterbill.api.wire import Instant, NonEmptyStr, Number, Upper, WireModel
from meterbill.core.contracts.terms import AccessType, Commit, CommitKind, Contract
from meterbill.core.drawdown import LedgerEntry
from meterbill.services import balance_commits as commits_service
from meterbill.services import balances as service
from meterbill.services.contracts import names_for
from meterbill.storage.uow import UnitOfWork

router = APIRouter()


def render_ledger_entry(entry: LedgerEntry) -> dict[str, Any]:
    """One ledger entry as the SDK's ``Ledger*LedgerEntry`` models read it."""
    data: dict[str, Any] = {
        "type": entry.type.value,
        "amount": entry.amount,
        "timestamp": entry.timestamp,
        "segment_id": entry.segment_id,
        "invoice_id": entry.invoice_id,
        "contract_id": entry.contract_id,
        "new_contract_id": entry.new_contract_id,
        "reason": entry.reason,
    }
    return {key: value for key, value in data.items() if value is not None}


def with_balances(
    rendered: dict[str, Any],
    uow: UnitOfWork,
    contract: Contract,
    as_of: datetime,
    *,
    include_balance: bool | None,
    include_ledgers: bool | None,
) -> dict[str, Any]:
    """Add ``balance`` and/or ``ledger`` to the commits and credits of a rendered contract.

    The render hook the contract renderers call; ``rendered`` is changed in place and
    returned. Looks for ``commits``/``credits`` at the top level, under ``initial`` and
    ``current`` (v1) and in each of ``amendments`` (v1).
    """
    if not include_balance and not include_ledgers:
        return rendered
    balances = service.balances_of_contract(uow, contract, as_of)
    holders = [rendered, rendered.get("initial") or {}, rendered.get("current") or {}]
    holders.extend(rendered.get("amendments") or [])
    for holder in holders:
        for name in ("commits", "credits"):
            for item in holder.get(name) or []:
                found = balances.get(item.get("id"))
                if found is None:
                    continue
                if include_balance:
                    item["balance"] = found.balance
                if include_ledgers:
                    item["ledger"] = [render_ledger_entry(e) for e in found.ledger]
    return rendered


# --- wire shapes ---------------------------------------------------------------------------------


class _BalanceCreate(WireModel):
    customer_id: NonEmptyStr
    product_id: NonEmptyStr
    priority: Number
    access_schedule: w.AccessScheduleIn
    applicable_contract_ids: list[str] | None = None
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    custom_fields: dict[str, str] | None = None
    description: str | None = None
    name: str | None = None
    netsuite_sales_order_id: str | None = None
    rate_type: w.BalanceRate | None = None
    salesforce_opportunity_id: str | None = None
    specifiers: list[w.SpecifierIn] | None = None
    uniqueness_key: NonEmptyStr | None = None


class CommitCreate(_BalanceCreate):
    type: Annotated[Literal["PREPAID", "POSTPAID"], Upper]
    invoice_contract_id: str | None = None
    invoice_schedule: w.InvoiceScheduleIn | None = None


class CreditCreate(_BalanceCreate):
    pass


class _BalanceList(WireModel):
    customer_id: NonEmptyStr
    covering_date: Instant | None = None
    effective_before: Instant | None = None
    include_archived: bool | None = None
    include_balance: bool | None = None
    include_ledgers: bool | None = None
    limit: int | None = None
    next_page: str | None = None
    starting_at: Instant | None = None


class CommitList(_BalanceList):
    access_type: w.AccessTypeName | None = None
    commit_id: str | None = None
    include_contract_commits: bool | None = None


class CreditList(_BalanceList):
    credit_id: str | None = None
    include_contract_credits: bool | None = None


class BalanceList(_BalanceList):
    id: str | None = None
    access_type: w.AccessTypeName | None = None
    exclude_zero_balances: bool | None = None
    include_contract_balances: bool | None = None


class CommitEndDate(WireModel):
    commit_id: NonEmptyStr
    customer_id: NonEmptyStr
    access_ending_before: Instant | None = None
    invoices_ending_before: Instant | None = None


class CreditEndDate(WireModel):
    credit_id: NonEmptyStr
    customer_id: NonEmptyStr
    access_ending_before: Instant


class BalanceFilterIn(WireModel):
    balance_types: (
        list[Annotated[Literal["PREPAID_COMMIT", "POSTPAID_COMMIT", "CREDIT"], Upper]] | None
    ) = None
    custom_fields: dict[str, str] | None = None
    ids: list[str] | None = None


class NetBalance(WireModel):
    customer_id: NonEmptyStr
    access_type: w.AccessTypeName | None = None
    credit_type_id: str | None = None
    filters: list[BalanceFilterIn] | None = None
    invoice_inclusion_mode: Annotated[Literal["FINALIZED", "FINALIZED_AND_DRAFT"], Upper] | None = (
        None
    )


class ManualEntryIn(WireModel):
    id: NonEmptyStr
    customer_id: NonEmptyStr
    segment_id: NonEmptyStr
    amount: Number
    reason: str
    contract_id: str | None = None
    per_group_amounts: dict[str, Number] | None = None
    timestamp: Instant | None = None
    uniqueness_key: str | None = None


# --- create ------------------------------------------------------------------------------------


def _commit_in(body: _BalanceCreate, kind: Literal["PREPAID", "POSTPAID"] | None) -> Commit:
    """The body as contract terms, built by the contract area's ``TermBuilder``."""
    fields: dict[str, Any] = {
        "product_id": body.product_id,
        "access_schedule": body.access_schedule,
        "applicable_product_ids": body.applicable_product_ids,
        "applicable_product_tags": body.applicable_product_tags,
        "custom_fields": body.custom_fields,
        "description": body.description,
        "name": body.name,
        "netsuite_sales_order_id": body.netsuite_sales_order_id,
        "priority": body.priority,
        "rate_type": body.rate_type,
        "specifiers": body.specifiers,
    }
    # The service stamps ``created_at`` and the ordinal; the builder gives ids and items.
    builder = TermBuilder(now=_EPOCH, contract_starting_at=_EPOCH, contract_ending_before=None)
    try:
        if kind is None:
            return builder.credit(w.CreditIn.model_construct(**fields), "")
        invoice = body.invoice_schedule if isinstance(body, CommitCreate) else None
        given = w.CommitIn.model_construct(type=kind, invoice_schedule=invoice, **fields)
        return builder.commit(given, "")
    except BadRequest as error:
        raise BadRequest(error.message.lstrip(".")) from None


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def _create(context: Context, body: _BalanceCreate, commit: Commit, invoice: str | None) -> str:
    command = commits_service.CreateCustomerCommit(
        customer_id=body.customer_id,
        commit=commit,
        applicable_contract_ids=tuple(body.applicable_contract_ids or ()),
        invoice_contract_id=invoice,
        uniqueness_key=body.uniqueness_key,
    )
    return commits_service.create_customer_commit(context.uow(), context.clock, command)


@router.post("/v1/contracts/customerCommits/create")
def create_commit(
    context: Context, body: Annotated[CommitCreate, Depends(body_of(CommitCreate))]
) -> WireResponse:
    refuse(body.salesforce_opportunity_id, "salesforce_opportunity_id")
    commit = _commit_in(body, body.type)
    ident = _create(context, body, commit, body.invoice_contract_id)
    return WireResponse({"data": {"id": ident}})


@router.post("/v1/contracts/customerCredits/create")
def create_credit(
    context: Context, body: Annotated[CreditCreate, Depends(body_of(CreditCreate))]
) -> WireResponse:
    refuse(body.salesforce_opportunity_id, "salesforce_opportunity_id")
    ident = _create(context, body, _commit_in(body, None), None)
    return WireResponse({"data": {"id": ident}})


# --- update end date ---------------------------------------------------------------------------


@router.post("/v1/contracts/customerCommits/updateEndDate")
def update_commit_end_date(
    context: Context, body: Annotated[CommitEndDate, Depends(body_of(CommitEndDate))]
) -> WireResponse:
    commits_service.update_end_date(
        context.uow(), body.customer_id, body.commit_id, CommitKind.PREPAID,
        body.access_ending_before, body.invoices_ending_before,
    )  # fmt: skip
    return WireResponse({"data": {"id": body.commit_id}})


@router.post("/v1/contracts/customerCredits/updateEndDate")
def update_credit_end_date(
    context: Context, body: Annotated[CreditEndDate, Depends(body_of(CreditEndDate))]
) -> WireResponse:
    commits_service.update_end_date(
        context.uow(), body.customer_id, body.credit_id, CommitKind.CREDIT,
        body.access_ending_before,
    )  # fmt: skip
    return WireResponse({"data": {"id": body.credit_id}})


# --- lists -------------------------------------------------------------------------------------

_COMMITS = frozenset({CommitKind.PREPAID, CommitKind.POSTPAID})
_EVERY = frozenset(CommitKind)


def _query(
    body: _BalanceList, kinds: frozenset[CommitKind], **extra: Any
) -> commits_service.ListBalances:
    return commits_service.ListBalances(
        customer_id=body.customer_id,
        kinds=kinds,
        limit=page_limit(body.limit, default=25),
        cursor=body.next_page,
        covering_date=body.covering_date,
        starting_at=body.starting_at,
        effective_before=body.effective_before,
        include_archived=bool(body.include_archived),
        **extra,
    )


def _listed(
    context: Context, body: _BalanceList, query: commits_service.ListBalances
) -> WireResponse:
    now = context.clock.now()
    uow = context.uow(read_only=True)
    page = commits_service.list_balances(uow, query, now)
    stand_in = Contract(
        id="", customer_id=body.customer_id, starting_at=now, created_at=now,
        commits=tuple(item.balance.commit for item in page.items),
    )  # fmt: skip
    with context.uow(read_only=True) as names_uow:
        names = names_for(names_uow, [stand_in], now)

    def render(item: commits_service.ListedBalance) -> dict[str, Any]:
        return render_listed(item, names, body.include_balance, body.include_ledgers)

    return WireResponse(cursor_page(page, render))


def render_listed(
    item: commits_service.ListedBalance,
    names: Any,
    include_balance: bool | None,
    include_ledgers: bool | None,
) -> dict[str, Any]:
    """A listed commit or credit as the SDK's ``Commit`` / ``Credit``."""
    found = item.balance
    contract = item.contract or Contract(
        id="", customer_id="", starting_at=_EPOCH, created_at=_EPOCH
    )
    data = render_commit(found.commit, contract, names)
    if item.stored is not None:
        data.pop("contract", None)
        data["applicable_contract_ids"] = list(item.stored.applicable_contract_ids)
        if item.stored.invoice_contract_id is not None:
            data["invoice_contract"] = {"id": item.stored.invoice_contract_id}
        if item.stored.uniqueness_key is not None:
            data["uniqueness_key"] = item.stored.uniqueness_key
    if include_balance:
        data["balance"] = found.balance
    if include_ledgers:
        data["ledger"] = [render_ledger_entry(e) for e in found.ledger]
    return data


@router.post("/v1/contracts/customerCommits/list")
def list_commits(
    context: Context, body: Annotated[CommitList, Depends(body_of(CommitList))]
) -> WireResponse:
    query = _query(
        body, _COMMITS,
        commit_id=body.commit_id,
        access_type=AccessType(body.access_type) if body.access_type else None,
        include_contract=bool(body.include_contract_commits),
    )  # fmt: skip
    return _listed(context, body, query)


@router.post("/v1/contracts/customerCredits/list")
def list_credits(
    context: Context, body: Annotated[CreditList, Depends(body_of(CreditList))]
) -> WireResponse:
    query = _query(
        body, frozenset({CommitKind.CREDIT}),
        commit_id=body.credit_id,
        include_contract=bool(body.include_contract_credits),
    )  # fmt: skip
    return _listed(context, body, query)


@router.post("/v1/contracts/customerBalances/list")
def list_balances(
    context: Context, body: Annotated[BalanceList, Depends(body_of(BalanceList))]
) -> WireResponse:
    query = _query(
        body, _EVERY,
        commit_id=body.id,
        access_type=AccessType(body.access_type) if body.access_type else None,
        include_contract=bool(body.include_contract_balances),
        exclude_zero_balances=bool(body.exclude_zero_balances),
    )  # fmt: skip
    return _listed(context, body, query)


# --- net balance and manual entries ------------------------------------------------------------


@router.post("/v1/contracts/customerBalances/getNetBalance")
def get_net_balance(
    context: Context, body: Annotated[NetBalance, Depends(body_of(NetBalance))]
) -> WireResponse:
    filters = tuple(
        commits_service.BalanceFilter(
            balance_types=frozenset(f.balance_types) if f.balance_types is not None else None,
            ids=frozenset(f.ids) if f.ids is not None else None,
            custom_fields=f.custom_fields,
        )
        for f in body.filters or ()
    )
    query = commits_service.NetBalanceQuery(
        customer_id=body.customer_id,
        access_type=AccessType(body.access_type or "SPEND"),
        credit_type_id=body.credit_type_id,
        filters=filters,
        include_drafts=body.invoice_inclusion_mode != "FINALIZED",
    )
    now = context.clock.now()
    amount, credit_type = commits_service.net_balance(context.uow(read_only=True), query, now)
    return WireResponse({"data": {"balance": amount, "credit_type_id": credit_type}})


@router.post("/v1/contracts/addManualBalanceLedgerEntry")
def add_manual_balance_entry(
    context: Context, body: Annotated[ManualEntryIn, Depends(body_of(ManualEntryIn))]
) -> WireResponse:
    refuse(body.per_group_amounts, "per_group_amounts")
    command = commits_service.ManualEntry(
        customer_id=body.customer_id,
        commit_id=body.id,
        segment_id=body.segment_id,
        amount=body.amount,
        reason=body.reason,
        contract_id=body.contract_id,
        timestamp=body.timestamp,
        uniqueness_key=body.uniqueness_key,
    )
    commits_service.add_manual_entry(context.uow(), context.clock, command)
    return WireResponse({})
