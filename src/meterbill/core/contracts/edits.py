"""Edits of a contract (``/v2/contracts/edit``) as frozen values, and applying them.

``apply_edit(contract, edit)`` is pure: the contract after the edit, or a
``DomainValidationError`` naming the field of the edit that cannot apply (an unknown id, a
quantity that would go negative...). It does not check catalog facts (products, rates): the
service validates the terms an edit adds with ``meterbill.core.contracts.validation``.

Fields that an edit may set to null (``update_contract_end_date: null`` = open-ended) are
listed in ``given`` so that "not given" and "given as null" differ.
Decisions: ``docs/decisions/contracts-edits.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Any

from meterbill.core.contracts.terms import (
    AccessItem,
    BalanceRateType,
    Commit,
    CommitKind,
    Contract,
    InvoiceItem,
    InvoiceSchedule,
    Override,
    ProrationRoundingConfig,
    QuantityEntry,
    RecurringCommit,
    ScheduledCharge,
    Subscription,
    UsageFilter,
)
from meterbill.core.errors import DomainValidationError

__all__ = [
    "AccessItemUpdate",
    "CommitUpdate",
    "ContractEdit",
    "EditSource",
    "InvoiceItemUpdate",
    "QuantityUpdate",
    "RecurringCommitUpdate",
    "ScheduleChanges",
    "ScheduledChargeUpdate",
    "SubscriptionUpdate",
    "apply_edit",
    "change_end_date",
    "quantity_on",
]


class EditSource(Enum):
    """What made the edit: the v2 edit API, a v1 amendment, updateEndDate, a transition."""

    EDIT = "EDIT"
    AMENDMENT = "AMENDMENT"
    UPDATE_END_DATE = "UPDATE_END_DATE"
    TRANSITION = "TRANSITION"
    USAGE_FILTER = "USAGE_FILTER"
    # --- thresholds: a commit added by threshold billing, or its payment settled ---
    THRESHOLD_BILLING = "THRESHOLD_BILLING"


@dataclass(frozen=True, slots=True)
class AccessItemUpdate:
    id: str
    amount: Decimal | None = None
    starting_at: datetime | None = None
    ending_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class InvoiceItemUpdate:
    id: str
    timestamp: datetime | None = None
    amount: Decimal | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ScheduleChanges:
    """Item-level changes to an access schedule and an invoice schedule."""

    add_access: tuple[AccessItem, ...] = ()
    remove_access: tuple[str, ...] = ()
    update_access: tuple[AccessItemUpdate, ...] = ()
    add_invoice: tuple[InvoiceItem, ...] = ()
    remove_invoice: tuple[str, ...] = ()
    update_invoice: tuple[InvoiceItemUpdate, ...] = ()


@dataclass(frozen=True, slots=True)
class CommitUpdate:
    """``update_commits[]`` / ``update_credits[]``: the ``given`` fields take the new values."""

    commit_id: str
    given: frozenset[str] = frozenset()
    name: str | None = None
    description: str | None = None
    priority: Decimal | None = None
    rate_type: BalanceRateType | None = None
    rollover_fraction: Decimal | None = None
    applicable_product_ids: tuple[str, ...] | None = None
    applicable_product_tags: tuple[str, ...] | None = None
    netsuite_sales_order_id: str | None = None
    product_id: str | None = None
    schedules: ScheduleChanges = field(default_factory=ScheduleChanges)


@dataclass(frozen=True, slots=True)
class QuantityUpdate:
    """From ``starting_at``: the quantity becomes ``quantity``, or changes by ``quantity_delta``."""

    starting_at: datetime
    quantity: Decimal | None = None
    quantity_delta: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionUpdate:
    subscription_id: str
    given: frozenset[str] = frozenset()
    ending_before: datetime | None = None
    name: str | None = None
    proration_rounding: ProrationRoundingConfig | None = None
    quantity_updates: tuple[QuantityUpdate, ...] = ()


@dataclass(frozen=True, slots=True)
class RecurringCommitUpdate:
    recurring_commit_id: str
    given: frozenset[str] = frozenset()
    access_unit_price: Decimal | None = None
    access_quantity: Decimal | None = None
    invoice_unit_price: Decimal | None = None
    invoice_quantity: Decimal | None = None
    ending_before: datetime | None = None
    rate_type: BalanceRateType | None = None
    access_rounding: ProrationRoundingConfig | None = None
    invoice_rounding: ProrationRoundingConfig | None = None


@dataclass(frozen=True, slots=True)
class ScheduledChargeUpdate:
    scheduled_charge_id: str
    given: frozenset[str] = frozenset()
    netsuite_sales_order_id: str | None = None
    schedules: ScheduleChanges = field(default_factory=ScheduleChanges)


@dataclass(frozen=True, slots=True)
class ContractEdit:
    """One edit of one contract, as stored in its edit history.

    ``add_commits`` holds commits and credits (``Commit.kind``); ``add_recurring_commits``
    recurring commits and credits. ``given`` names the contract fields set
    (``ending_before``, ``name``, ``net_payment_terms_days``). ``amendment_starting_at`` is set
    for v1 amendments.
    """

    id: str
    contract_id: str
    customer_id: str
    created_at: datetime
    source: EditSource = EditSource.EDIT
    uniqueness_key: str | None = None
    add_commits: tuple[Commit, ...] = ()
    add_overrides: tuple[Override, ...] = ()
    add_recurring_commits: tuple[RecurringCommit, ...] = ()
    add_scheduled_charges: tuple[ScheduledCharge, ...] = ()
    add_subscriptions: tuple[Subscription, ...] = ()
    archive_commits: tuple[str, ...] = ()
    archive_credits: tuple[str, ...] = ()
    archive_scheduled_charges: tuple[str, ...] = ()
    remove_overrides: tuple[str, ...] = ()
    update_commits: tuple[CommitUpdate, ...] = ()
    update_credits: tuple[CommitUpdate, ...] = ()
    update_recurring_commits: tuple[RecurringCommitUpdate, ...] = ()
    update_recurring_credits: tuple[RecurringCommitUpdate, ...] = ()
    update_scheduled_charges: tuple[ScheduledChargeUpdate, ...] = ()
    update_subscriptions: tuple[SubscriptionUpdate, ...] = ()
    given: frozenset[str] = frozenset()
    ending_before: datetime | None = None
    name: str | None = None
    net_payment_terms_days: Decimal | None = None
    amendment_starting_at: datetime | None = None
    usage_filter: UsageFilter | None = None
    # --- thresholds: settings replaced by the edit (threshold configurations, spend trackers);
    # a None value removes the setting.
    settings_changes: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


def _fail(path: str, message: str) -> DomainValidationError:
    return DomainValidationError(f"{path}: {message}")


def apply_edit(contract: Contract, edit: ContractEdit) -> Contract:
    """``contract`` after ``edit``: archives and removals, updates, additions, then the
    contract fields. Every id an edit names must exist on the contract."""
    contract = _archive(contract, edit)
    contract = _updates(contract, edit)
    contract = replace(
        contract,
        commits=contract.commits + edit.add_commits,
        overrides=contract.overrides + edit.add_overrides,
        override_created_at=MappingProxyType(
            {**contract.override_created_at, **{o.id: edit.created_at for o in edit.add_overrides}}
        ),
        recurring_commits=contract.recurring_commits + edit.add_recurring_commits,
        scheduled_charges=contract.scheduled_charges + edit.add_scheduled_charges,
        subscriptions=contract.subscriptions + edit.add_subscriptions,
    )
    if edit.settings_changes:
        merged = dict(contract.settings)
        for key, value in edit.settings_changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        contract = replace(contract, settings=MappingProxyType(merged))
    if "name" in edit.given:
        contract = replace(contract, name=edit.name)
    if "net_payment_terms_days" in edit.given:
        contract = replace(contract, net_payment_terms_days=edit.net_payment_terms_days)
    if "usage_filter" in edit.given:
        contract = replace(contract, usage_filter=edit.usage_filter)
    if "ending_before" in edit.given:
        contract = change_end_date(contract, edit.ending_before)
    return contract


def change_end_date(contract: Contract, ending_before: datetime | None) -> Contract:
    """Move the contract's end. Moving it earlier truncates subscriptions that run past it and
    drops scheduled-charge items at or after it; moving it later extends nothing but the
    contract (as Metronome documents for ``updateEndDate``)."""
    if ending_before is not None and ending_before <= contract.starting_at:
        raise _fail("ending_before", "must be after the contract's starting_at")
    earlier = ending_before is not None and (
        contract.ending_before is None or ending_before < contract.ending_before
    )
    if not earlier or ending_before is None:
        return replace(contract, ending_before=ending_before)
    return replace(
        contract,
        ending_before=ending_before,
        subscriptions=tuple(_clip_subscription(s, ending_before) for s in contract.subscriptions),
        scheduled_charges=tuple(_clip_charge(c, ending_before) for c in contract.scheduled_charges),
    )


def _clip_subscription(subscription: Subscription, end: datetime) -> Subscription:
    if subscription.starting_at >= end:
        return subscription
    if subscription.ending_before is None or subscription.ending_before > end:
        return replace(subscription, ending_before=end)
    return subscription


def _clip_charge(charge: ScheduledCharge, end: datetime) -> ScheduledCharge:
    items = tuple(item for item in charge.schedule.items if item.timestamp < end)
    return replace(charge, schedule=replace(charge.schedule, items=items))


# --- archives and removals --------------------------------------------------------------------


def _archive(contract: Contract, edit: ContractEdit) -> Contract:
    commits = list(contract.commits)
    for field_name, ids, credit in (
        ("archive_commits", edit.archive_commits, False),
        ("archive_credits", edit.archive_credits, True),
    ):
        for index, ident in enumerate(ids):
            position = _index_of(commits, ident, credit)
            if position is None:
                raise _fail(
                    f"{field_name}[{index}].id", f"no such term on this contract: {ident!r}"
                )
            commits[position] = replace(commits[position], archived_at=edit.created_at)
    charges = list(contract.scheduled_charges)
    for index, ident in enumerate(edit.archive_scheduled_charges):
        position = _index_of(charges, ident)
        if position is None:
            raise _fail(f"archive_scheduled_charges[{index}].id", f"no such charge: {ident!r}")
        charges[position] = replace(charges[position], archived_at=edit.created_at)
    known = {override.id for override in contract.overrides}
    for index, ident in enumerate(edit.remove_overrides):
        if ident not in known:
            raise _fail(f"remove_overrides[{index}].id", f"no such override: {ident!r}")
    removed = set(edit.remove_overrides)
    return replace(
        contract,
        commits=tuple(commits),
        scheduled_charges=tuple(charges),
        overrides=tuple(o for o in contract.overrides if o.id not in removed),
    )


def _index_of(items: Sequence[Any], ident: str, credit: bool | None = None) -> int | None:
    """Where the term ``ident`` is in ``items`` (a credit or not, when ``credit`` says)."""
    for index, item in enumerate(items):
        if item.id != ident:
            continue
        if credit is None or _is_credit(item) is credit:
            return index
    return None


def _is_credit(item: Any) -> bool:
    kind = getattr(item, "kind", None)
    return kind is CommitKind.CREDIT


# --- updates ----------------------------------------------------------------------------------


def _updates(contract: Contract, edit: ContractEdit) -> Contract:
    commits = list(contract.commits)
    for field_name, updates, credit in (
        ("update_commits", edit.update_commits, False),
        ("update_credits", edit.update_credits, True),
    ):
        id_name = "credit_id" if credit else "commit_id"
        for index, update in enumerate(updates):
            here = f"{field_name}[{index}]"
            position = _index_of(commits, update.commit_id, credit)
            if position is None:
                raise _fail(
                    f"{here}.{id_name}", f"no such term on this contract: {update.commit_id!r}"
                )
            commits[position] = _update_commit(commits[position], update, here)
    recurring = list(contract.recurring_commits)
    for field_name, recurring_updates, credit in (
        ("update_recurring_commits", edit.update_recurring_commits, False),
        ("update_recurring_credits", edit.update_recurring_credits, True),
    ):
        for index, r_update in enumerate(recurring_updates):
            here = f"{field_name}[{index}]"
            position = _index_of(recurring, r_update.recurring_commit_id, credit)
            if position is None:
                raise _fail(f"{here}.id", f"no such term: {r_update.recurring_commit_id!r}")
            recurring[position] = _update_recurring(recurring[position], r_update)
    charges = list(contract.scheduled_charges)
    for index, c_update in enumerate(edit.update_scheduled_charges):
        here = f"update_scheduled_charges[{index}]"
        position = _index_of(charges, c_update.scheduled_charge_id)
        if position is None:
            raise _fail(
                f"{here}.scheduled_charge_id", f"no such charge: {c_update.scheduled_charge_id!r}"
            )
        charges[position] = _update_charge(charges[position], c_update, here)
    subscriptions = list(contract.subscriptions)
    for index, s_update in enumerate(edit.update_subscriptions):
        here = f"update_subscriptions[{index}]"
        position = _index_of(subscriptions, s_update.subscription_id)
        if position is None:
            raise _fail(
                f"{here}.subscription_id", f"no such subscription: {s_update.subscription_id!r}"
            )
        subscriptions[position] = _update_subscription(subscriptions[position], s_update, here)
    return replace(
        contract,
        commits=tuple(commits),
        recurring_commits=tuple(recurring),
        scheduled_charges=tuple(charges),
        subscriptions=tuple(subscriptions),
    )


_COMMIT_FIELDS = (
    "name", "description", "priority", "rate_type", "rollover_fraction",
    "applicable_product_ids", "applicable_product_tags", "netsuite_sales_order_id", "product_id",
)  # fmt: skip
_TUPLE_FIELDS = frozenset({"applicable_product_ids", "applicable_product_tags"})


def _given_values(update: Any, names: Sequence[str]) -> dict[str, Any]:
    values = {name: getattr(update, name) for name in names if name in update.given}
    return {
        name: (() if value is None and name in _TUPLE_FIELDS else value)
        for name, value in values.items()
    }


def _update_commit(commit: Commit, update: CommitUpdate, here: str) -> Commit:
    values = _given_values(update, _COMMIT_FIELDS)
    if values.get("rate_type", commit.rate_type) is None:
        values["rate_type"] = commit.rate_type
    if "product_id" in values and values["product_id"] is None:
        del values["product_id"]
    changed = replace(commit, **values)
    changes = update.schedules
    access = _apply_items(
        changed.access_schedule.items, changes.add_access, changes.remove_access,
        changes.update_access, f"{here}.access_schedule",
    )  # fmt: skip
    changed = replace(changed, access_schedule=replace(changed.access_schedule, items=access))
    if changed.invoice_schedule is None:
        if changes.add_invoice or changes.remove_invoice or changes.update_invoice:
            changed = replace(changed, invoice_schedule=InvoiceSchedule(items=()))
        else:
            return changed
    assert changed.invoice_schedule is not None
    invoice = _apply_items(
        changed.invoice_schedule.items, changes.add_invoice, changes.remove_invoice,
        changes.update_invoice, f"{here}.invoice_schedule",
    )  # fmt: skip
    return replace(changed, invoice_schedule=replace(changed.invoice_schedule, items=invoice))


def _apply_items(
    items: tuple[Any, ...],
    added: tuple[Any, ...],
    removed: tuple[str, ...],
    updated: tuple[Any, ...],
    here: str,
) -> tuple[Any, ...]:
    known = {item.id for item in items}
    for index, ident in enumerate(removed):
        if ident not in known:
            raise _fail(f"{here}.remove_schedule_items[{index}].id", f"no such item: {ident!r}")
    current = [item for item in items if item.id not in set(removed)]
    for index, change in enumerate(updated):
        position = _index_of(current, change.id)
        if position is None:
            raise _fail(f"{here}.update_schedule_items[{index}].id", f"no such item: {change.id!r}")
        current[position] = _update_item(current[position], change)
    return tuple(current) + tuple(added)


def _update_item(item: Any, change: Any) -> Any:
    values = {
        name: getattr(change, name)
        for name in (
            "amount",
            "starting_at",
            "ending_before",
            "timestamp",
            "quantity",
            "unit_price",
        )
        if hasattr(change, name) and getattr(change, name) is not None
    }
    updated = replace(item, **values)
    if isinstance(updated, InvoiceItem) and ("quantity" in values or "unit_price" in values):
        updated = replace(updated, amount=updated.price * updated.quantity)
    return updated


_RECURRING_FIELDS = (
    "access_unit_price", "access_quantity", "invoice_unit_price", "invoice_quantity",
    "ending_before", "rate_type", "access_rounding", "invoice_rounding",
)  # fmt: skip


def _update_recurring(item: RecurringCommit, update: RecurringCommitUpdate) -> RecurringCommit:
    values = _given_values(update, _RECURRING_FIELDS)
    for name in ("access_unit_price", "rate_type"):
        if name in values and values[name] is None:
            del values[name]
    return replace(item, **values)


def _update_charge(
    charge: ScheduledCharge, update: ScheduledChargeUpdate, here: str
) -> ScheduledCharge:
    values = _given_values(update, ("netsuite_sales_order_id",))
    changes = update.schedules
    items = _apply_items(
        charge.schedule.items, changes.add_invoice, changes.remove_invoice,
        changes.update_invoice, f"{here}.invoice_schedule",
    )  # fmt: skip
    return replace(charge, schedule=replace(charge.schedule, items=items), **values)


def _update_subscription(
    subscription: Subscription, update: SubscriptionUpdate, here: str
) -> Subscription:
    values = _given_values(update, ("ending_before", "name", "proration_rounding"))
    if "name" in values and values["name"] is None:
        del values["name"]
    changed = replace(subscription, **values)
    end = changed.ending_before
    if end is not None and end <= changed.starting_at:
        raise _fail(f"{here}.ending_before", "must be after the subscription's starting_at")
    schedule = list(changed.quantity_schedule)
    for index, quantity_update in enumerate(update.quantity_updates):
        path = f"{here}.quantity_updates[{index}]"
        schedule = _apply_quantity(changed, schedule, quantity_update, path)
    return replace(changed, quantity_schedule=tuple(schedule))


def quantity_on(schedule: Sequence[QuantityEntry], instant: datetime) -> Decimal:
    """The quantity in force at ``instant`` (0 before the first entry)."""
    held = [entry for entry in schedule if entry.starting_at <= instant]
    return held[-1].quantity if held else Decimal(0)


def _apply_quantity(
    subscription: Subscription,
    schedule: list[QuantityEntry],
    update: QuantityUpdate,
    here: str,
) -> list[QuantityEntry]:
    """Insert the new quantity at ``starting_at``; later scheduled entries still apply."""
    if (update.quantity is None) == (update.quantity_delta is None):
        raise _fail(here, "give exactly one of quantity and quantity_delta")
    start = update.starting_at
    if start < subscription.starting_at or (
        subscription.ending_before is not None and start >= subscription.ending_before
    ):
        raise _fail(f"{here}.starting_at", "must fall within the subscription's window")
    if update.quantity is not None:
        if update.quantity < 0:
            raise _fail(f"{here}.quantity", "must not be negative")
        quantity = update.quantity
    else:
        assert update.quantity_delta is not None
        if update.quantity_delta == 0:
            raise _fail(f"{here}.quantity_delta", "must not be zero")
        quantity = quantity_on(schedule, start) + update.quantity_delta
        if quantity < 0:
            raise _fail(f"{here}.quantity_delta", "would make the quantity negative")
    kept = [entry for entry in schedule if entry.starting_at != start]
    return sorted([*kept, QuantityEntry(start, quantity)], key=lambda e: e.starting_at)
