"""``/v2/contracts``: named after the SDK's ``client.v2.contracts`` methods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field, ValidationError

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.errors import BadRequest
from meterbill.api.json import WireResponse
from meterbill.api.v1 import contract_wire as w
from meterbill.api.v1.balances import with_balances  # --- balances ---
from meterbill.api.v1.contract_render import (
    render_commit,
    render_override,
    render_recurring,
    render_scheduled_charge,
    render_subscription,
    render_v2,
)
from meterbill.api.v1.contract_terms import TermBuilder, each, refuse, whole
from meterbill.api.v1.contracts import ContractList, list_query
from meterbill.api.validation import describe_errors
from meterbill.api.wire import Instant, NonEmptyStr, Number, WireModel
from meterbill.core.contracts.edits import (
    AccessItemUpdate,
    CommitUpdate,
    ContractEdit,
    EditSource,
    InvoiceItemUpdate,
    QuantityUpdate,
    RecurringCommitUpdate,
    ScheduleChanges,
    ScheduledChargeUpdate,
    SubscriptionUpdate,
)
from meterbill.core.contracts.terms import (
    AccessItem,
    BalanceRateType,
    CommitKind,
    Contract,
    ProrationRoundingConfig,
    RoundingMethod,
)
from meterbill.services import contracts as service
from meterbill.services import threshold_billing
from meterbill.services.ids import new_id

router = APIRouter()


class ContractGet(WireModel):
    contract_id: NonEmptyStr
    customer_id: NonEmptyStr
    as_of_date: Instant | None = None
    include_balance: bool | None = None
    include_ledgers: bool | None = None


class HistoryQuery(WireModel):
    contract_id: NonEmptyStr
    customer_id: NonEmptyStr


class IdIn(WireModel):
    id: NonEmptyStr


class AccessItemUpdateIn(WireModel):
    id: NonEmptyStr
    amount: Number | None = None
    ending_before: Instant | None = None
    starting_at: Instant | None = None


class InvoiceItemUpdateIn(WireModel):
    id: NonEmptyStr
    amount: Number | None = None
    quantity: Number | None = None
    timestamp: Instant | None = None
    unit_price: Number | None = None


class AccessChangesIn(WireModel):
    add_schedule_items: list[w.AccessItemIn] | None = None
    remove_schedule_items: list[IdIn] | None = None
    update_schedule_items: list[AccessItemUpdateIn] | None = None


class InvoiceChangesIn(WireModel):
    add_schedule_items: list[w.InvoiceItemIn] | None = None
    remove_schedule_items: list[IdIn] | None = None
    update_schedule_items: list[InvoiceItemUpdateIn] | None = None


class CommitUpdateIn(WireModel):
    commit_id: NonEmptyStr | None = None
    credit_id: NonEmptyStr | None = None
    access_schedule: AccessChangesIn | None = None
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    description: str | None = None
    hierarchy_configuration: Any = None
    invoice_schedule: InvoiceChangesIn | None = None
    name: str | None = None
    netsuite_sales_order_id: str | None = None
    priority: Number | None = None
    product_id: str | None = None
    rate_type: w.BalanceRate | None = None
    rollover_fraction: Number | None = None


class AmountUpdateIn(WireModel):
    quantity: Number | None = None
    unit_price: Number | None = None


class NullableRoundingIn(WireModel):
    access: w.RoundingIn | None = None
    invoice: w.RoundingIn | None = None


class RecurringUpdateIn(WireModel):
    recurring_commit_id: NonEmptyStr | None = None
    recurring_credit_id: NonEmptyStr | None = None
    access_amount: AmountUpdateIn | None = None
    ending_before: Instant | None = None
    invoice_amount: AmountUpdateIn | None = None
    proration_rounding: NullableRoundingIn | None = None
    rate_type: w.BalanceRate | None = None


class ScheduledChargeUpdateIn(WireModel):
    scheduled_charge_id: NonEmptyStr
    invoice_schedule: InvoiceChangesIn | None = None
    netsuite_sales_order_id: str | None = None


class QuantityUpdateIn(WireModel):
    starting_at: Instant
    quantity: Number | None = None
    quantity_delta: Number | None = None


class SubscriptionUpdateIn(WireModel):
    subscription_id: NonEmptyStr
    ending_before: Instant | None = None
    name: str | None = None
    proration_rounding: w.RoundingIn | None = None
    quantity_management_mode_update: Any = None
    quantity_updates: list[QuantityUpdateIn] | None = None
    seat_updates: Any = None


class ContractEditIn(WireModel):
    """``/v2/contracts/edit`` (``types/v2/contract_edit_params.py``)."""

    contract_id: NonEmptyStr
    customer_id: NonEmptyStr
    add_billing_provider_configuration_update: Any = None
    add_commits: list[w.CommitIn] | None = None
    add_credits: list[w.CreditIn] | None = None
    add_discounts: Any = None
    add_overrides: list[w.OverrideIn] | None = None
    add_prepaid_balance_threshold_configuration: w.PrepaidThresholdIn | None = None
    add_professional_services: Any = None
    add_recurring_commits: list[w.RecurringCommitIn] | None = None
    add_recurring_credits: list[w.RecurringCommitIn] | None = None
    add_reseller_royalties: Any = None
    add_revenue_system_configuration_update: Any = None
    add_scheduled_charges: list[w.ScheduledChargeIn] | None = None
    add_spend_threshold_configuration: w.SpendThresholdIn | None = None
    add_spend_trackers: list[w.SpendTrackerIn] | None = None
    add_subscriptions: list[w.SubscriptionIn] | None = None
    allow_contract_ending_before_finalized_invoice: bool | None = None
    archive_commits: list[IdIn] | None = None
    archive_credits: list[IdIn] | None = None
    archive_scheduled_charges: list[IdIn] | None = None
    archive_spend_trackers: list[str] | None = None
    remove_overrides: list[IdIn] | None = None
    uniqueness_key: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    update_commits: list[CommitUpdateIn] | None = None
    update_contract_end_date: Instant | None = None
    update_contract_name: str | None = None
    update_credits: list[CommitUpdateIn] | None = None
    update_net_payment_terms_days: Number | None = None
    update_prepaid_balance_threshold_configuration: dict[str, Any] | None = None
    update_recurring_commits: list[RecurringUpdateIn] | None = None
    update_recurring_credits: list[RecurringUpdateIn] | None = None
    update_scheduled_charges: list[ScheduledChargeUpdateIn] | None = None
    update_spend_threshold_configuration: dict[str, Any] | None = None
    update_subscriptions: list[SubscriptionUpdateIn] | None = None


_REFUSED_EDIT_FIELDS = (
    "add_billing_provider_configuration_update", "add_discounts", "add_professional_services",
    "add_reseller_royalties", "add_revenue_system_configuration_update",
)  # fmt: skip


# --- reads ------------------------------------------------------------------------------------


@router.post("/v2/contracts/get")
def retrieve(
    context: Context, body: Annotated[ContractGet, Depends(body_of(ContractGet))]
) -> WireResponse:
    if body.as_of_date is not None and body.include_ledgers:
        raise BadRequest("as_of_date: cannot be combined with include_ledgers")
    now = context.clock.now()
    view = service.view(context.uow(read_only=True), body.customer_id, body.contract_id, now)
    contract = view.current
    if body.as_of_date is not None:
        contract = service.get_as_of(
            context.uow(read_only=True), body.customer_id, body.contract_id, body.as_of_date
        )
    rendered = render_v2(contract, view.names, now)
    # --- balances: include_balance / include_ledgers (meterbill.api.v1.balances) ---
    rendered = with_balances(
        rendered,
        context.uow(read_only=True),
        contract,
        now,
        include_balance=body.include_balance,
        include_ledgers=body.include_ledgers,
    )
    return WireResponse({"data": rendered})


@router.post("/v2/contracts/list")
def list_contracts(
    context: Context, body: Annotated[ContractList, Depends(body_of(ContractList))]
) -> WireResponse:
    now = context.clock.now()
    page = service.list_views(context.uow(read_only=True), list_query(body), now)
    return WireResponse(
        {
            "data": [render_v2(v.current, v.names, now) for v in page.items],
            "cursor": page.next_cursor,
        }
    )


# --- edit -------------------------------------------------------------------------------------


@router.post("/v2/contracts/edit")
def edit(
    context: Context, body: Annotated[ContractEditIn, Depends(body_of(ContractEditIn))]
) -> WireResponse:
    for name in _REFUSED_EDIT_FIELDS:
        refuse(getattr(body, name), name)
    now = context.clock.now()
    current = service.get(context.uow(read_only=True), body.customer_id, body.contract_id)
    change = build_edit(body, current, now)
    after = service.edit(context.uow(), service.ContractEditRequest(change))
    if change.settings_changes:
        # --- thresholds: a configuration change is evaluated at once, as Metronome does ---
        threshold_billing.evaluate_contracts(context.uow(), context.clock, [after.id])
    view = service.view(context.uow(read_only=True), after.customer_id, after.id, now)
    return WireResponse(
        {"data": {"id": change.id, "edit": render_edit(change, after, view.names, now)}}
    )


def build_edit(body: ContractEditIn, current: Contract, now: datetime) -> ContractEdit:
    """The edit a request describes; added terms get fresh ids."""
    b = TermBuilder(now, current.starting_at, current.ending_before)
    subscriptions = each(body.add_subscriptions, "add_subscriptions", b.subscription)
    commits = each(body.add_commits, "add_commits", b.commit)
    commits += each(body.add_credits, "add_credits", b.credit)
    recurring = each(
        body.add_recurring_commits,
        "add_recurring_commits",
        lambda g, p: b.recurring_commit(g, p, CommitKind.PREPAID),
    )
    recurring += each(
        body.add_recurring_credits,
        "add_recurring_credits",
        lambda g, p: b.recurring_commit(g, p, CommitKind.CREDIT),
    )
    given = {
        name
        for name, wire in (
            ("ending_before", "update_contract_end_date"),
            ("name", "update_contract_name"),
            ("net_payment_terms_days", "update_net_payment_terms_days"),
        )
        if wire in body.model_fields_set
    }
    return ContractEdit(
        id=new_id(),
        contract_id=body.contract_id,
        customer_id=body.customer_id,
        created_at=now,
        source=EditSource.EDIT,
        uniqueness_key=body.uniqueness_key,
        settings_changes=MappingProxyType(settings_changes(body, current)),
        add_commits=tuple(commits),
        add_overrides=tuple(each(body.add_overrides, "add_overrides", b.override)),
        add_recurring_commits=tuple(recurring),
        add_scheduled_charges=tuple(
            each(body.add_scheduled_charges, "add_scheduled_charges", b.scheduled_charge)
        ),
        add_subscriptions=tuple(subscriptions),
        archive_commits=_ids(body.archive_commits),
        archive_credits=_ids(body.archive_credits),
        archive_scheduled_charges=_ids(body.archive_scheduled_charges),
        remove_overrides=_ids(body.remove_overrides),
        update_commits=tuple(
            each(body.update_commits, "update_commits", lambda g, p: _commit_update(b, g, p, False))
        ),
        update_credits=tuple(
            each(body.update_credits, "update_credits", lambda g, p: _commit_update(b, g, p, True))
        ),
        update_recurring_commits=tuple(
            each(body.update_recurring_commits, "update_recurring_commits", _recurring_update)
        ),
        update_recurring_credits=tuple(
            each(body.update_recurring_credits, "update_recurring_credits", _recurring_update)
        ),
        update_scheduled_charges=tuple(
            each(
                body.update_scheduled_charges,
                "update_scheduled_charges",
                lambda g, p: _charge_update(b, g, p),
            )
        ),
        update_subscriptions=tuple(
            each(body.update_subscriptions, "update_subscriptions", _subscription_update)
        ),
        given=frozenset(given),
        ending_before=body.update_contract_end_date,
        name=body.update_contract_name,
        net_payment_terms_days=body.update_net_payment_terms_days,
    )


def _ids(given: list[IdIn] | None) -> tuple[str, ...]:
    return tuple(item.id for item in given or ())


def _schedule_changes(
    b: TermBuilder, access: AccessChangesIn | None, invoice: InvoiceChangesIn | None, path: str
) -> ScheduleChanges:
    return ScheduleChanges(
        add_access=tuple(
            AccessItem(new_id(), i.amount, i.starting_at, i.ending_before)
            for i in (access.add_schedule_items or ()) if access
        ) if access else (),
        remove_access=_ids(access.remove_schedule_items) if access else (),
        update_access=tuple(
            AccessItemUpdate(u.id, u.amount, u.starting_at, u.ending_before)
            for u in (access.update_schedule_items or ())
        ) if access else (),
        add_invoice=tuple(
            b.invoice_item(i, f"{path}.invoice_schedule.add_schedule_items[{n}]")
            for n, i in enumerate(invoice.add_schedule_items or ())
        ) if invoice else (),
        remove_invoice=_ids(invoice.remove_schedule_items) if invoice else (),
        update_invoice=tuple(
            InvoiceItemUpdate(u.id, u.timestamp, u.amount, u.quantity, u.unit_price)
            for u in (invoice.update_schedule_items or ())
        ) if invoice else (),
    )  # fmt: skip


_COMMIT_UPDATE_FIELDS = (
    "name", "description", "priority", "rate_type", "rollover_fraction",
    "applicable_product_ids", "applicable_product_tags", "netsuite_sales_order_id", "product_id",
)  # fmt: skip


def _commit_update(b: TermBuilder, given: CommitUpdateIn, path: str, credit: bool) -> CommitUpdate:
    refuse(given.hierarchy_configuration, f"{path}.hierarchy_configuration")
    id_name = "credit_id" if credit else "commit_id"
    ident = given.credit_id if credit else given.commit_id
    if ident is None:
        raise BadRequest(f"{path}.{id_name}: is required")
    if credit and given.invoice_schedule is not None:
        raise BadRequest(f"{path}.invoice_schedule: credits have no invoice schedule")
    return CommitUpdate(
        commit_id=ident,
        given=frozenset(n for n in _COMMIT_UPDATE_FIELDS if n in given.model_fields_set),
        name=given.name,
        description=given.description,
        priority=given.priority,
        rate_type=BalanceRateType(given.rate_type) if given.rate_type else None,
        rollover_fraction=given.rollover_fraction,
        applicable_product_ids=(
            tuple(given.applicable_product_ids)
            if given.applicable_product_ids is not None
            else None
        ),
        applicable_product_tags=(
            tuple(given.applicable_product_tags)
            if given.applicable_product_tags is not None
            else None
        ),
        netsuite_sales_order_id=given.netsuite_sales_order_id,
        product_id=given.product_id,
        schedules=_schedule_changes(b, given.access_schedule, given.invoice_schedule, path),
    )


def _rounding(given: w.RoundingIn | None, path: str) -> ProrationRoundingConfig | None:
    if given is None:
        return None
    places = whole(given.decimal_places, f"{path}.decimal_places")
    return ProrationRoundingConfig(places, RoundingMethod[given.rounding_method])


def _recurring_update(given: RecurringUpdateIn, path: str) -> RecurringCommitUpdate:
    ident = given.recurring_commit_id or given.recurring_credit_id
    if ident is None:
        raise BadRequest(f"{path}.recurring_commit_id: is required")
    names: set[str] = set()
    access, invoice = given.access_amount, given.invoice_amount
    if access is not None:
        names |= {"access_unit_price"} if access.unit_price is not None else set()
        names |= {"access_quantity"} if access.quantity is not None else set()
    if invoice is not None:
        names |= {"invoice_unit_price"} if invoice.unit_price is not None else set()
        names |= {"invoice_quantity"} if invoice.quantity is not None else set()
    if "ending_before" in given.model_fields_set:
        names.add("ending_before")
    if given.rate_type is not None:
        names.add("rate_type")
    rounding = given.proration_rounding
    if "proration_rounding" in given.model_fields_set:
        names |= {"access_rounding", "invoice_rounding"}
    return RecurringCommitUpdate(
        recurring_commit_id=ident,
        given=frozenset(names),
        access_unit_price=access.unit_price if access else None,
        access_quantity=access.quantity if access else None,
        invoice_unit_price=invoice.unit_price if invoice else None,
        invoice_quantity=invoice.quantity if invoice else None,
        ending_before=given.ending_before,
        rate_type=BalanceRateType(given.rate_type) if given.rate_type else None,
        access_rounding=_rounding(
            rounding.access if rounding else None, f"{path}.proration_rounding.access"
        ),
        invoice_rounding=_rounding(
            rounding.invoice if rounding else None, f"{path}.proration_rounding.invoice"
        ),
    )


def _charge_update(
    b: TermBuilder, given: ScheduledChargeUpdateIn, path: str
) -> ScheduledChargeUpdate:
    names = {"netsuite_sales_order_id"} & given.model_fields_set
    return ScheduledChargeUpdate(
        scheduled_charge_id=given.scheduled_charge_id,
        given=frozenset(names),
        netsuite_sales_order_id=given.netsuite_sales_order_id,
        schedules=_schedule_changes(b, None, given.invoice_schedule, path),
    )


def _subscription_update(given: SubscriptionUpdateIn, path: str) -> SubscriptionUpdate:
    refuse(given.seat_updates, f"{path}.seat_updates")
    refuse(given.quantity_management_mode_update, f"{path}.quantity_management_mode_update")
    names = {"ending_before", "name", "proration_rounding"} & given.model_fields_set
    return SubscriptionUpdate(
        subscription_id=given.subscription_id,
        given=frozenset(names),
        ending_before=given.ending_before,
        name=given.name,
        proration_rounding=_rounding(given.proration_rounding, f"{path}.proration_rounding"),
        quantity_updates=tuple(
            QuantityUpdate(q.starting_at, q.quantity, q.quantity_delta)
            for q in given.quantity_updates or ()
        ),
    )


# --- history ----------------------------------------------------------------------------------


@router.post("/v2/contracts/getEditHistory")
def get_edit_history(
    context: Context, body: Annotated[HistoryQuery, Depends(body_of(HistoryQuery))]
) -> WireResponse:
    now = context.clock.now()
    view = service.view(context.uow(read_only=True), body.customer_id, body.contract_id, now)
    return WireResponse(
        {"data": [render_edit(e, view.current, view.names, now) for e in view.edits]}
    )


def _given(update: Any, names: Sequence[str]) -> dict[str, Any]:
    values = {}
    for name in names:
        if name in update.given:
            value = getattr(update, name)
            values[name] = value.value if hasattr(value, "value") else value
    return values


def render_edit(
    change: ContractEdit, contract: Contract, names: service.Names, as_of: datetime
) -> dict[str, Any]:
    """One edit as the SDK's edit-history entry (``ContractGetEditHistoryResponse.data[]``)."""
    paid = [c for c in change.add_commits if not c.is_credit]
    credits = [c for c in change.add_commits if c.is_credit]
    recurring = [r for r in change.add_recurring_commits if r.kind is not CommitKind.CREDIT]
    recurring_credits = [r for r in change.add_recurring_commits if r.kind is CommitKind.CREDIT]
    stamped = contract
    data: dict[str, Any] = {
        "id": change.id,
        "timestamp": change.created_at,
        "uniqueness_key": change.uniqueness_key,
        "add_commits": [render_commit(c, stamped, names) for c in paid] or None,
        "add_credits": [render_commit(c, stamped, names) for c in credits] or None,
        "add_overrides": [render_override(o, stamped, names) for o in change.add_overrides] or None,
        "add_recurring_commits": [render_recurring(r, stamped, names) for r in recurring] or None,
        "add_recurring_credits": [render_recurring(r, stamped, names) for r in recurring_credits]
        or None,
        "add_scheduled_charges": [
            render_scheduled_charge(c, names) for c in change.add_scheduled_charges
        ]
        or None,
        "add_subscriptions": [
            render_subscription(s, stamped, names, as_of) for s in change.add_subscriptions
        ]
        or None,
        "archive_commits": [{"id": i} for i in change.archive_commits] or None,
        "archive_credits": [{"id": i} for i in change.archive_credits] or None,
        "archive_scheduled_charges": [{"id": i} for i in change.archive_scheduled_charges] or None,
        "remove_overrides": [{"id": i} for i in change.remove_overrides] or None,
        "update_commits": [
            {"id": u.commit_id, **_given(u, _COMMIT_UPDATE_FIELDS)} for u in change.update_commits
        ]
        or None,
        "update_credits": [
            {"id": u.commit_id, **_given(u, _COMMIT_UPDATE_FIELDS)} for u in change.update_credits
        ]
        or None,
        "update_subscriptions": [_subscription_echo(u) for u in change.update_subscriptions]
        or None,
        "update_scheduled_charges": [
            {"id": u.scheduled_charge_id, **_given(u, ("netsuite_sales_order_id",))}
            for u in change.update_scheduled_charges
        ]
        or None,
        "update_recurring_commits": [
            {"id": u.recurring_commit_id} for u in change.update_recurring_commits
        ]
        or None,
        "update_recurring_credits": [
            {"id": u.recurring_commit_id} for u in change.update_recurring_credits
        ]
        or None,
    }
    if "ending_before" in change.given:
        data["update_contract_end_date"] = change.ending_before
    if "name" in change.given:
        data["update_contract_name"] = change.name
    return {key: value for key, value in data.items() if value is not None}


def _subscription_echo(update: SubscriptionUpdate) -> dict[str, Any]:
    echo: dict[str, Any] = {"id": update.subscription_id}
    if "ending_before" in update.given:
        echo["ending_before"] = update.ending_before
    if "name" in update.given:
        echo["name"] = update.name
    if update.quantity_updates:
        echo["quantity_updates"] = [
            {
                key: value
                for key, value in {
                    "starting_at": q.starting_at,
                    "quantity": q.quantity,
                    "quantity_delta": q.quantity_delta,
                }.items()
                if value is not None
            }
            for q in update.quantity_updates
        ]
    return echo


# --- thresholds: threshold configurations and spend trackers --------------------------------------

_THRESHOLD_EDITS = (
    (
        "prepaid_balance_threshold_configuration",
        "add_prepaid_balance_threshold_configuration",
        "update_prepaid_balance_threshold_configuration",
        w.PrepaidThresholdIn,
    ),
    (
        "spend_threshold_configuration",
        "add_spend_threshold_configuration",
        "update_spend_threshold_configuration",
        w.SpendThresholdIn,
    ),
)


def settings_changes(body: ContractEditIn, current: Contract) -> dict[str, object]:
    """The settings an edit replaces: threshold configurations added or updated (an update
    merges into the current configuration; ``null`` clears an optional field) and spend
    trackers added or archived. Every result is validated whole (400 naming the field)."""
    changes: dict[str, object] = {}
    for setting, add, update, model in _THRESHOLD_EDITS:
        added, updated = getattr(body, add), getattr(body, update)
        existing = current.settings.get(setting)
        if added is not None and updated is not None:
            raise BadRequest(f"{add}: cannot be combined with {update}")
        if added is not None:
            if existing is not None:
                raise BadRequest(f"{add}: the contract already has one; use {update}")
            changes[setting] = w.settings_value(added)
        if updated is not None:
            if not isinstance(existing, Mapping):
                raise BadRequest(f"{update}: the contract has none; use {add}")
            merged = _merge(existing, updated)
            changes[setting] = w.settings_value(_validated(model, merged, update))
    trackers = _trackers(body, current)
    if trackers is not None:
        changes["spend_trackers"] = trackers
    return changes


def _merge(current: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in given.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _validated(model: type[WireModel], value: Mapping[str, Any], field: str) -> WireModel:
    try:
        return model.model_validate(value)
    except ValidationError as error:
        raise BadRequest(f"{field}: {describe_errors(error.errors())}") from error


def _trackers(body: ContractEditIn, current: Contract) -> list[object] | None:
    if body.add_spend_trackers is None and body.archive_spend_trackers is None:
        return None
    given = current.settings.get("spend_trackers")
    trackers = [dict(t) for t in given if isinstance(t, Mapping)] if isinstance(given, list) else []
    aliases = [str(t.get("alias")) for t in trackers]
    for index, alias in enumerate(body.archive_spend_trackers or ()):
        if alias not in aliases:
            raise BadRequest(f"archive_spend_trackers[{index}]: no spend tracker {alias!r}")
    archived = set(body.archive_spend_trackers or ())
    kept: list[object] = [t for t in trackers if t.get("alias") not in archived]
    taken = set(aliases) - archived
    for index, tracker in enumerate(body.add_spend_trackers or ()):
        if tracker.alias in taken:
            raise BadRequest(f"add_spend_trackers[{index}].alias: {tracker.alias!r} is taken")
        taken.add(tracker.alias)
        kept.append(w.settings_value(tracker))
    return kept
