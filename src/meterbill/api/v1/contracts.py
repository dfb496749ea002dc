"""``/v1/contracts``: named after the SDK's ``client.v1.contracts`` methods."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.errors import BadRequest
from meterbill.api.json import WireResponse
from meterbill.api.paging import cursor_page, page_limit, query_of
from meterbill.api.v1 import contract_wire as w
from meterbill.api.v1.balances import with_balances  # --- balances ---
from meterbill.api.v1.contract_render import render_v1, render_v2
from meterbill.api.v1.contract_terms import TermBuilder, each, refuse
from meterbill.api.wire import Instant, NonEmptyStr, WireModel
from meterbill.core.catalog import RateSelector as RateSelectorValue
from meterbill.core.contracts.edits import ContractEdit, EditSource
from meterbill.core.contracts.terms import (
    EMPTY,
    CommitKind,
    Contract,
    Prioritization,
    StatementDay,
    StatementScheduleConfig,
    Transition,
    TransitionType,
    UsageFilter,
)
from meterbill.core.periods import Frequency
from meterbill.core.pricing.values import BillingFrequency, Rate, Tier
from meterbill.services import contract_schedules, threshold_billing
from meterbill.services import contracts as service
from meterbill.services import invoices as invoice_service
from meterbill.services.ids import new_id

router = APIRouter()


class ContractRef(WireModel):
    contract_id: NonEmptyStr
    customer_id: NonEmptyStr
    include_balance: bool | None = None
    include_ledgers: bool | None = None


class ContractList(WireModel):
    customer_id: NonEmptyStr
    covering_date: Instant | None = None
    cursor: str | None = None
    include_archived: bool | None = None
    include_balance: bool | None = None
    include_ledgers: bool | None = None
    limit: int | None = None
    starting_at: Instant | None = None


class ContractArchive(WireModel):
    contract_id: NonEmptyStr
    customer_id: NonEmptyStr
    void_invoices: bool


class UpdateEndDate(WireModel):
    contract_id: NonEmptyStr
    customer_id: NonEmptyStr
    allow_ending_before_finalized_invoice: bool | None = None
    ending_before: Instant | None = None


class Amend(WireModel):
    contract_id: NonEmptyStr
    customer_id: NonEmptyStr
    starting_at: Instant
    commits: list[w.CommitIn] | None = None
    credits: list[w.CreditIn] | None = None
    custom_fields: dict[str, str] | None = None
    discounts: Any = None
    netsuite_sales_order_id: str | None = None
    overrides: list[w.OverrideIn] | None = None
    professional_services: Any = None
    reseller_royalties: Any = None
    salesforce_opportunity_id: str | None = None
    scheduled_charges: list[w.ScheduledChargeIn] | None = None
    total_contract_value: Any = None


class SetUsageFilter(WireModel):
    contract_id: NonEmptyStr
    customer_id: NonEmptyStr
    group_key: NonEmptyStr
    group_values: list[str]
    starting_at: Instant


class RateSelector(WireModel):
    billing_frequency: w.BillingFrequencyName | None = None
    partial_pricing_group_values: dict[str, str] | None = None
    pricing_group_values: dict[str, str] | None = None
    product_id: str | None = None
    product_tags: list[str] | None = None


class RateScheduleQuery(WireModel):
    contract_id: NonEmptyStr
    customer_id: NonEmptyStr
    at: Instant | None = None
    selectors: list[RateSelector] | None = None


class QuantityHistory(WireModel):
    contract_id: NonEmptyStr
    customer_id: NonEmptyStr
    subscription_id: NonEmptyStr


class PageQuery(WireModel):
    limit: Annotated[int, Field(ge=1, le=100)] | None = None
    next_page: str | None = None


# --- create -----------------------------------------------------------------------------------


def build_contract(body: w.ContractCreateIn, now: datetime) -> Contract:
    """The contract a create request describes, every term with a fresh id."""
    for name in w.REFUSED_CREATE_FIELDS:
        refuse(getattr(body, name), name)
    if body.rate_card_id is not None and body.rate_card_alias is not None:
        raise BadRequest("rate_card_alias: cannot be combined with rate_card_id")
    contract_id = new_id()
    b = TermBuilder(now, body.starting_at, body.ending_before)
    subscriptions = each(body.subscriptions, "subscriptions", b.subscription)
    commits = each(body.commits, "commits", b.commit)
    credits = each(body.credits, "credits", b.credit)
    recurring = each(
        body.recurring_commits,
        "recurring_commits",
        lambda g, p: b.recurring_commit(g, p, CommitKind.PREPAID),
    )
    recurring += each(
        body.recurring_credits,
        "recurring_credits",
        lambda g, p: b.recurring_commit(g, p, CommitKind.CREDIT),
    )
    settings = {
        name: w.settings_value(getattr(body, name))
        for name in w.SETTINGS_FIELDS
        if getattr(body, name) is not None
    }
    return Contract(
        id=contract_id,
        customer_id=body.customer_id,
        starting_at=body.starting_at,
        created_at=now,
        ending_before=body.ending_before,
        name=body.name,
        rate_card_id=body.rate_card_id,
        net_payment_terms_days=body.net_payment_terms_days,
        multiplier_override_prioritization=Prioritization(
            body.multiplier_override_prioritization or "LOWEST_MULTIPLIER"
        ),
        scheduled_charges_on_usage_invoices=body.scheduled_charges_on_usage_invoices == "ALL",
        usage_statement_schedule=_statement_schedule(body.usage_statement_schedule),
        overrides=tuple(each(body.overrides, "overrides", b.override)),
        commits=tuple(commits + credits),
        recurring_commits=tuple(recurring),
        scheduled_charges=tuple(
            each(body.scheduled_charges, "scheduled_charges", b.scheduled_charge)
        ),
        subscriptions=tuple(subscriptions),
        transitions=(_transition(body.transition, contract_id),) if body.transition else (),
        usage_filter=_usage_filter(body.usage_filter),
        custom_fields=MappingProxyType(dict(body.custom_fields or {})),
        uniqueness_key=body.uniqueness_key,
        settings=MappingProxyType(settings),
    )


def _statement_schedule(given: w.UsageStatementScheduleIn | None) -> StatementScheduleConfig:
    if given is None:
        return StatementScheduleConfig()
    return StatementScheduleConfig(
        frequency=Frequency(given.frequency),
        day=StatementDay(given.day or "FIRST_OF_MONTH"),
        billing_anchor_date=given.billing_anchor_date,
        invoice_generation_starting_at=given.invoice_generation_starting_at,
    )


def transition_request(given: w.TransitionIn) -> service.TransitionRequest:
    behavior = {k: v for k, v in (given.future_invoice_behavior or {}).items() if v is not None}
    return service.TransitionRequest(
        TransitionType(given.type), given.from_contract_id, MappingProxyType(behavior)
    )


def _transition(given: w.TransitionIn, contract_id: str) -> Transition:
    return transition_request(given).for_contract(contract_id)


def _usage_filter(given: w.UsageFilterIn | None) -> UsageFilter | None:
    if given is None:
        return None
    return UsageFilter(given.group_key, tuple(given.group_values), given.starting_at)


def _provision_request(body: w.ContractCreateIn) -> service.ProvisionRequest:
    """Package mode: only the package fields may be given (spec §1.6)."""
    if body.package_id is not None and body.package_alias is not None:
        raise BadRequest("package_alias: cannot be combined with package_id")
    others = sorted(body.model_fields_set - w.PACKAGE_FIELDS)
    if others:
        raise BadRequest(
            f"{others[0]}: cannot be given with a package; only customer_id, starting_at, "
            "package_id or package_alias, uniqueness_key, transition and custom_fields may"
        )
    return service.ProvisionRequest(
        customer_id=body.customer_id,
        starting_at=body.starting_at,
        package_id=body.package_id,
        package_alias=body.package_alias,
        uniqueness_key=body.uniqueness_key,
        transition=transition_request(body.transition) if body.transition else None,
        custom_fields=MappingProxyType(dict(body.custom_fields or {})) or EMPTY,
    )


@router.post("/v1/contracts/create")
def create(
    context: Context, body: Annotated[w.ContractCreateIn, Depends(body_of(w.ContractCreateIn))]
) -> WireResponse:
    now = context.clock.now()
    if body.package_id is not None or body.package_alias is not None:
        request = _provision_request(body)
        stored = service.provision_from_package(context.uow(), context.clock, request)
    else:
        contract = build_contract(body, now)
        # A RENEWAL rolls unused balances over in the same transaction (balances area,
        # services.contracts.create -> services.balance_rollover).
        command = service.CreateContract(contract, body.rate_card_alias)
        stored = service.create(context.uow(), context.clock, command)
    # --- thresholds: an enabled configuration is evaluated as soon as the contract exists ---
    threshold_billing.evaluate_contracts(context.uow(), context.clock, [stored.id])
    view = service.view(context.uow(read_only=True), stored.customer_id, stored.id, now)
    return WireResponse(
        {"data": {"id": stored.id, "contract": render_v2(view.current, view.names, now)}}
    )


# --- reads ------------------------------------------------------------------------------------


def _render(view: service.ContractView, now: datetime) -> dict[str, Any]:
    return render_v1(view.initial, view.current, view.amendments, view.names, now)


@router.post("/v1/contracts/get")
def retrieve(
    context: Context, body: Annotated[ContractRef, Depends(body_of(ContractRef))]
) -> WireResponse:
    now = context.clock.now()
    view = service.view(context.uow(read_only=True), body.customer_id, body.contract_id, now)
    rendered = _render(view, now)
    # --- balances: include_balance / include_ledgers (meterbill.api.v1.balances) ---
    rendered = with_balances(
        rendered,
        context.uow(read_only=True),
        view.current,
        now,
        include_balance=body.include_balance,
        include_ledgers=body.include_ledgers,
    )
    return WireResponse({"data": rendered})


def list_query(body: ContractList) -> service.ListContracts:
    return service.ListContracts(
        customer_id=body.customer_id,
        limit=page_limit(body.limit, default=20, maximum=20),
        cursor=body.cursor,
        include_archived=bool(body.include_archived),
        covering_date=body.covering_date,
        starting_at=body.starting_at,
    )


@router.post("/v1/contracts/list")
def list_contracts(
    context: Context, body: Annotated[ContractList, Depends(body_of(ContractList))]
) -> WireResponse:
    now = context.clock.now()
    page = service.list_views(context.uow(read_only=True), list_query(body), now)
    return WireResponse({"data": [_render(v, now) for v in page.items], "cursor": page.next_cursor})


# --- changes ----------------------------------------------------------------------------------


@router.post("/v1/contracts/archive")
def archive(
    context: Context, body: Annotated[ContractArchive, Depends(body_of(ContractArchive))]
) -> WireResponse:
    void = invoice_service.void_contract_invoices if body.void_invoices else None
    service.archive(
        context.uow(), context.clock, body.customer_id, body.contract_id, void_invoices=void
    )
    return WireResponse({"data": {"id": body.contract_id}})


@router.post("/v1/contracts/updateEndDate")
def update_end_date(
    context: Context, body: Annotated[UpdateEndDate, Depends(body_of(UpdateEndDate))]
) -> WireResponse:
    service.update_end_date(
        context.uow(), context.clock, body.customer_id, body.contract_id, body.ending_before
    )
    return WireResponse({"data": {"id": body.contract_id}})


@router.post("/v1/contracts/amend")
def amend(context: Context, body: Annotated[Amend, Depends(body_of(Amend))]) -> WireResponse:
    """Deprecated by Metronome: stored as an edit that adds terms (``amendments[]``)."""
    for name in (
        "discounts",
        "professional_services",
        "reseller_royalties",
        "total_contract_value",
    ):
        refuse(getattr(body, name), name)
    for name in ("custom_fields", "netsuite_sales_order_id", "salesforce_opportunity_id"):
        refuse(getattr(body, name), name)
    now = context.clock.now()
    current = service.get(context.uow(read_only=True), body.customer_id, body.contract_id)
    b = TermBuilder(now, current.starting_at, current.ending_before)
    commits = each(body.commits, "commits", b.commit) + each(body.credits, "credits", b.credit)
    change = ContractEdit(
        id=new_id(),
        contract_id=body.contract_id,
        customer_id=body.customer_id,
        created_at=now,
        source=EditSource.AMENDMENT,
        add_commits=tuple(commits),
        add_overrides=tuple(each(body.overrides, "overrides", b.override)),
        add_scheduled_charges=tuple(
            each(body.scheduled_charges, "scheduled_charges", b.scheduled_charge)
        ),
        amendment_starting_at=body.starting_at,
    )
    service.edit(context.uow(), service.ContractEditRequest(change))
    return WireResponse({"data": {"id": change.id}})


@router.post("/v1/contracts/setUsageFilter")
def set_usage_filter(
    context: Context, body: Annotated[SetUsageFilter, Depends(body_of(SetUsageFilter))]
) -> WireResponse:
    """Replace the contract's usage filter from ``starting_at`` (recorded as an edit)."""
    change = ContractEdit(
        id=new_id(),
        contract_id=body.contract_id,
        customer_id=body.customer_id,
        created_at=context.clock.now(),
        source=EditSource.USAGE_FILTER,
        given=frozenset({"usage_filter"}),
        usage_filter=UsageFilter(body.group_key, tuple(body.group_values), body.starting_at),
    )
    service.edit(context.uow(), service.ContractEditRequest(change))
    return WireResponse({})


# --- schedules --------------------------------------------------------------------------------


@router.post("/v1/contracts/getSubscriptionQuantityHistory")
def retrieve_subscription_quantity_history(
    context: Context, body: Annotated[QuantityHistory, Depends(body_of(QuantityHistory))]
) -> WireResponse:
    history = contract_schedules.quantity_history(
        context.uow(read_only=True),
        context.clock,
        body.customer_id,
        body.contract_id,
        body.subscription_id,
    )
    return WireResponse(
        {
            "data": {
                "subscription_id": history.subscription_id,
                "fiat_credit_type_id": history.fiat_credit_type_id,
                "custom_credit_type_id": history.custom_credit_type_id,
                "history": [
                    {
                        "starting_at": entry.starting_at,
                        "data": [
                            {
                                "quantity": entry.quantity,
                                "unit_price": entry.unit_price,
                                "total": entry.quantity * entry.unit_price,
                            }
                        ],
                    }
                    for entry in history.entries
                ],
            }
        }
    )


@router.post("/v1/contracts/getContractRateSchedule")
def retrieve_rate_schedule(
    context: Context,
    body: Annotated[RateScheduleQuery, Depends(body_of(RateScheduleQuery))],
    query: Annotated[PageQuery, Depends(query_of(PageQuery))],
) -> WireResponse:
    """Rates of the contract's rate card in force at ``at`` with the contract's overrides."""
    selectors = [
        RateSelectorValue(
            product_id=s.product_id,
            product_tags=tuple(s.product_tags) if s.product_tags is not None else None,
            pricing_group_values=s.pricing_group_values,
            partial_pricing_group_values=s.partial_pricing_group_values,
            billing_frequency=BillingFrequency(s.billing_frequency)
            if s.billing_frequency
            else None,
        )
        for s in body.selectors or ()
    ]
    now = context.clock.now()
    page = contract_schedules.rate_schedule(
        context.uow(read_only=True),
        body.customer_id,
        body.contract_id,
        body.at or now,
        selectors,
        page_limit(query.limit, default=100),
        query.next_page,
    )
    return WireResponse(cursor_page(page, _rate_row))


def _rate_row(row: contract_schedules.RateRow) -> dict[str, Any]:
    entry = row.rate.entry
    return {
        "entitled": row.entitled,
        "list_rate": _rate(entry.rate, row.credit_type_names),
        "override_rate": (
            _rate(row.override_rate, row.credit_type_names) if row.override_rate else None
        ),
        "commit_rate": (
            {
                "rate_type": entry.commit_rate.rate_type.value,
                "price": entry.commit_rate.price,
                "tiers": _tiers(entry.commit_rate.tiers),
            }
            if entry.commit_rate
            else None
        ),
        "product_custom_fields": dict(row.product_custom_fields),
        "product_id": entry.product_id,
        "product_name": row.product_name,
        "product_tags": list(row.product_tags),
        "rate_card_id": row.rate_card_id,
        "starting_at": row.rate.starting_at,
        "ending_before": row.rate.ending_before,
        "billing_frequency": entry.billing_frequency.value if entry.billing_frequency else None,
        "pricing_group_values": dict(entry.pricing_group_values) or None,
    }


def _tiers(tiers: tuple[Tier, ...]) -> list[dict[str, Any]] | None:
    return [{"price": t.price, "size": t.size} for t in tiers] or None


def _rate(rate: Rate, names: Mapping[str, str]) -> dict[str, Any]:
    unit = rate.credit_type_id
    return {
        "rate_type": rate.rate_type.value,
        "price": rate.price,
        "tiers": _tiers(rate.tiers),
        "is_prorated": rate.is_prorated,
        "quantity": rate.quantity,
        "credit_type": {"id": unit, "name": names.get(unit, "")} if unit else None,
    }
