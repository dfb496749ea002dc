"""Which contract terms are allowed: every check names the wire field it refuses.

Pure: the catalog facts a check needs (products, the rate card's rates, known pricing units)
are passed in as :class:`CatalogFacts`. Each function raises ``DomainValidationError`` with a
message starting with the field path (``commits[0].access_schedule.schedule_items[1]...``) and
returns ``None`` when the term is fine. Decisions: ``docs/decisions/contracts-validation.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from meterbill.core.catalog import Product, ProductType, RateCardSchedule
from meterbill.core.contracts.terms import (
    AccessSchedule,
    Commit,
    CommitKind,
    Contract,
    InvoiceSchedule,
    Override,
    RecurringCommit,
    ScheduledCharge,
    Subscription,
)
from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Frequency
from meterbill.core.pricing import validate_override
from meterbill.core.pricing.values import RateType
from meterbill.core.statement_schedule import UsageStatementSchedule
from meterbill.core.subscription_periods import CollectionSchedule, InvoiceBehavior

__all__ = [
    "CatalogFacts",
    "TermPaths",
    "require_hour_aligned",
    "validate_commit",
    "validate_contract",
    "validate_contract_window",
    "validate_override_term",
    "validate_recurring_commit",
    "validate_scheduled_charge",
    "validate_subscription",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class CatalogFacts:
    """What validation needs from the catalog: products by id, the contract's rate card (with
    its rates) if any, and the ids of the pricing units that exist."""

    products: Mapping[str, Product]
    rate_card: RateCardSchedule | None = None
    credit_type_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class TermPaths:
    """Where each kind of term sits in the request (``commits`` on create, ``add_commits`` on
    an edit)."""

    commits: str = "commits"
    credits: str = "credits"
    recurring_commits: str = "recurring_commits"
    recurring_credits: str = "recurring_credits"
    scheduled_charges: str = "scheduled_charges"
    subscriptions: str = "subscriptions"
    overrides: str = "overrides"


def _fail(path: str, message: str) -> DomainValidationError:
    return DomainValidationError(f"{path}: {message}")


def require_hour_aligned(instant: datetime | None, path: str) -> None:
    """Metronome takes contract and access windows on hour boundaries (01:00, not 01:30)."""
    if instant is not None and (instant.minute or instant.second or instant.microsecond):
        raise _fail(path, "must be on an hour boundary (e.g. 2026-01-01T01:00:00Z)")


def _require_window(start: datetime, end: datetime | None, path: str) -> None:
    if end is not None and end <= start:
        raise _fail(f"{path}ending_before", "must be after starting_at (the window is empty)")


def validate_contract_window(contract: Contract) -> None:
    """Start and end on hour boundaries, end after start, a valid statement schedule."""
    require_hour_aligned(contract.starting_at, "starting_at")
    require_hour_aligned(contract.ending_before, "ending_before")
    _require_window(contract.starting_at, contract.ending_before, "")
    config = contract.usage_statement_schedule
    UsageStatementSchedule(
        frequency=config.frequency,
        contract_starting_at=contract.starting_at,
        contract_ending_before=contract.ending_before,
        day=config.day,
        billing_anchor_date=config.billing_anchor_date,
        invoice_generation_starting_at=config.invoice_generation_starting_at,
    )
    if contract.net_payment_terms_days is not None and contract.net_payment_terms_days < 0:
        raise _fail("net_payment_terms_days", "must not be negative")
    if contract.usage_filter is not None:
        if not contract.usage_filter.group_key:
            raise _fail("usage_filter.group_key", "must not be empty")
        if not contract.usage_filter.group_values:
            raise _fail("usage_filter.group_values", "needs at least one value")


def validate_contract(
    contract: Contract, facts: CatalogFacts, paths: TermPaths = TermPaths()
) -> None:
    """Every check, in request order: the contract window, then each kind of term."""
    validate_contract_window(contract)
    commits = [c for c in contract.commits if not c.is_credit]
    credits = [c for c in contract.commits if c.is_credit]
    for index, commit in enumerate(commits):
        validate_commit(commit, contract, facts, f"{paths.commits}[{index}]")
    for index, credit in enumerate(credits):
        validate_commit(credit, contract, facts, f"{paths.credits}[{index}]")
    recurring = [r for r in contract.recurring_commits if r.kind is not CommitKind.CREDIT]
    recurring_credits = [r for r in contract.recurring_commits if r.kind is CommitKind.CREDIT]
    for index, item in enumerate(recurring):
        validate_recurring_commit(item, contract, facts, f"{paths.recurring_commits}[{index}]")
    for index, item in enumerate(recurring_credits):
        validate_recurring_commit(item, contract, facts, f"{paths.recurring_credits}[{index}]")
    for index, charge in enumerate(contract.scheduled_charges):
        validate_scheduled_charge(charge, facts, f"{paths.scheduled_charges}[{index}]")
    for index, subscription in enumerate(contract.subscriptions):
        validate_subscription(subscription, contract, facts, f"{paths.subscriptions}[{index}]")
    for index, override in enumerate(contract.overrides):
        validate_override_term(override, contract, facts, f"{paths.overrides}[{index}]")


# --- products ---------------------------------------------------------------------------------


def _product(
    facts: CatalogFacts, product_id: str, path: str, kinds: Sequence[ProductType] = ()
) -> Product:
    product = facts.products.get(product_id)
    if product is None:
        raise _fail(path, f"no product with id {product_id!r}")
    if product.is_archived:
        raise _fail(path, f"product {product_id!r} is archived")
    if kinds and product.type not in kinds:
        names = " or ".join(kind.value for kind in kinds)
        raise _fail(path, f"must be a {names} product, {product_id!r} is {product.type.value}")
    return product


def _credit_type(facts: CatalogFacts, credit_type_id: str, path: str) -> None:
    if facts.credit_type_ids and credit_type_id not in facts.credit_type_ids:
        raise _fail(path, f"no pricing unit with id {credit_type_id!r}")


def _applicability(
    ids: Sequence[str], has_tags: bool, has_specifiers: bool, facts: CatalogFacts, here: str
) -> None:
    for index, product_id in enumerate(ids):
        _product(facts, product_id, f"{here}.applicable_product_ids[{index}]")
    if has_specifiers and (ids or has_tags):
        raise _fail(
            f"{here}.specifiers",
            "cannot be combined with applicable_product_ids or applicable_product_tags",
        )


# --- commits and credits ----------------------------------------------------------------------

_BALANCE_PRODUCTS = (ProductType.FIXED,)


def validate_commit(commit: Commit, contract: Contract, facts: CatalogFacts, here: str) -> None:
    """A prepaid/postpaid commit or a credit: product, access and invoice schedules, numbers."""
    _product(facts, commit.product_id, f"{here}.product_id", _BALANCE_PRODUCTS)
    _access_schedule(commit.access_schedule, contract, facts, f"{here}.access_schedule")
    if commit.invoice_schedule is not None:
        _invoice_schedule(commit.invoice_schedule, facts, f"{here}.invoice_schedule")
    if commit.kind is CommitKind.POSTPAID:
        _postpaid(commit, here)
    if commit.priority is not None and not commit.priority.is_finite():
        raise _fail(f"{here}.priority", "must be a finite number")
    if commit.rollover_fraction is not None and not _ZERO <= commit.rollover_fraction <= _ONE:
        raise _fail(f"{here}.rollover_fraction", "must be between 0 and 1")
    _applicability(
        commit.applicable_product_ids,
        bool(commit.applicable_product_tags),
        bool(commit.specifiers),
        facts,
        here,
    )
    for index, specifier in enumerate(commit.specifiers):
        if specifier.product_id is not None:
            _product(facts, specifier.product_id, f"{here}.specifiers[{index}].product_id")


def _access_schedule(
    schedule: AccessSchedule, contract: Contract, facts: CatalogFacts, here: str
) -> None:
    _credit_type(facts, schedule.credit_type_id, f"{here}.credit_type_id")
    if not schedule.items:
        raise _fail(f"{here}.schedule_items", "needs at least one item")
    for index, item in enumerate(schedule.items):
        path = f"{here}.schedule_items[{index}]"
        if item.amount < 0:
            raise _fail(f"{path}.amount", "must not be negative")
        require_hour_aligned(item.starting_at, f"{path}.starting_at")
        require_hour_aligned(item.ending_before, f"{path}.ending_before")
        _require_window(item.starting_at, item.ending_before, f"{path}.")
        if item.starting_at < contract.starting_at:
            raise _fail(f"{path}.starting_at", "must not be before the contract's starting_at")


def _invoice_schedule(schedule: InvoiceSchedule, facts: CatalogFacts, here: str) -> None:
    _credit_type(facts, schedule.credit_type_id, f"{here}.credit_type_id")
    if not schedule.items and not schedule.do_not_invoice:
        raise _fail(f"{here}.schedule_items", "needs at least one item (or a recurring_schedule)")
    for index, item in enumerate(schedule.items):
        if item.quantity < 0:
            raise _fail(f"{here}.schedule_items[{index}].quantity", "must not be negative")


def _postpaid(commit: Commit, here: str) -> None:
    """POSTPAID: one access item, one invoice item, and the two amounts agree."""
    if commit.invoice_schedule is None:
        raise _fail(f"{here}.invoice_schedule", "is required for POSTPAID commits")
    if len(commit.access_schedule.items) != 1:
        raise _fail(
            f"{here}.access_schedule.schedule_items", "POSTPAID commits take exactly one item"
        )
    if len(commit.invoice_schedule.items) != 1:
        raise _fail(
            f"{here}.invoice_schedule.schedule_items", "POSTPAID commits take exactly one item"
        )
    access = commit.access_schedule.items[0].amount
    invoiced = commit.invoice_schedule.items[0].amount
    if access != invoiced:
        raise _fail(
            f"{here}.invoice_schedule.schedule_items[0].amount",
            f"must equal the access amount {access} for a POSTPAID commit",
        )


# --- recurring commits and credits ------------------------------------------------------------


def validate_recurring_commit(
    item: RecurringCommit, contract: Contract, facts: CatalogFacts, here: str
) -> None:
    """Product, window inside the contract, duration, amounts, and the subscription link."""
    _product(facts, item.product_id, f"{here}.product_id", _BALANCE_PRODUCTS)
    require_hour_aligned(item.starting_at, f"{here}.starting_at")
    require_hour_aligned(item.ending_before, f"{here}.ending_before")
    _require_window(item.starting_at, item.ending_before, f"{here}.")
    if item.starting_at < contract.starting_at:
        raise _fail(f"{here}.starting_at", "must not be before the contract's starting_at")
    if item.commit_duration < 1:
        raise _fail(f"{here}.commit_duration.value", "must be a whole number of periods >= 1")
    if item.access_unit_price < 0:
        raise _fail(f"{here}.access_amount.unit_price", "must not be negative")
    _credit_type(facts, item.access_credit_type_id, f"{here}.access_amount.credit_type_id")
    if item.subscription_config is None:
        if item.access_quantity is None:
            raise _fail(f"{here}.access_amount.quantity", "is required without subscription_config")
    elif not any(s.id == item.subscription_config.subscription_id for s in contract.subscriptions):
        raise _fail(
            f"{here}.subscription_config.subscription_id",
            f"no subscription {item.subscription_config.subscription_id!r} on this contract",
        )
    if item.access_quantity is not None and item.access_quantity < 0:
        raise _fail(f"{here}.access_amount.quantity", "must not be negative")
    if item.rollover_fraction is not None and not _ZERO <= item.rollover_fraction <= _ONE:
        raise _fail(f"{here}.rollover_fraction", "must be between 0 and 1")
    if item.recurrence_frequency is Frequency.SEMI_ANNUAL:
        raise _fail(f"{here}.recurrence_frequency", "SEMI_ANNUAL is not a recurrence frequency")
    _applicability(
        item.applicable_product_ids,
        bool(item.applicable_product_tags),
        bool(item.specifiers),
        facts,
        here,
    )


# --- scheduled charges ------------------------------------------------------------------------


def validate_scheduled_charge(charge: ScheduledCharge, facts: CatalogFacts, here: str) -> None:
    """A FIXED product and at least one schedule item."""
    _product(facts, charge.product_id, f"{here}.product_id", _BALANCE_PRODUCTS)
    _invoice_schedule(charge.schedule, facts, f"{here}.schedule")


# --- subscriptions ----------------------------------------------------------------------------


def validate_subscription(
    subscription: Subscription, contract: Contract, facts: CatalogFacts, here: str
) -> None:
    """A SUBSCRIPTION product with a subscription rate of that frequency on the rate card,
    a window inside the contract, quantities >= 0, ADVANCE for BILL_IMMEDIATELY."""
    rate_path = f"{here}.subscription_rate"
    _product(facts, subscription.product_id, f"{rate_path}.product_id", (ProductType.SUBSCRIPTION,))
    _subscription_rate(subscription, facts, rate_path)
    require_hour_aligned(subscription.starting_at, f"{here}.starting_at")
    require_hour_aligned(subscription.ending_before, f"{here}.ending_before")
    _require_window(subscription.starting_at, subscription.ending_before, f"{here}.")
    if subscription.starting_at < contract.starting_at:
        raise _fail(f"{here}.starting_at", "must not be before the contract's starting_at")
    end = contract.ending_before
    if end is not None and subscription.starting_at >= end:
        raise _fail(f"{here}.starting_at", "must be before the contract's ending_before")
    if (
        subscription.invoice_behavior is InvoiceBehavior.BILL_IMMEDIATELY
        and subscription.collection_schedule is CollectionSchedule.ARREARS
    ):
        raise _fail(f"{here}.proration.invoice_behavior", "BILL_IMMEDIATELY needs ADVANCE")
    for entry in subscription.quantity_schedule:
        if entry.quantity < 0:
            raise _fail(f"{here}.initial_quantity", "must not be negative")
    if subscription.quantity_management_mode == "SEAT_BASED" and not subscription.seat_group_key:
        raise _fail(f"{here}.seat_config", "is required for SEAT_BASED subscriptions")


def _subscription_rate(subscription: Subscription, facts: CatalogFacts, here: str) -> None:
    card = facts.rate_card
    if card is None:
        raise _fail(f"{here}.product_id", "subscriptions need a rate_card_id or rate_card_alias")
    frequency = subscription.billing_frequency
    found = any(
        entry.product_id == subscription.product_id
        and entry.billing_frequency is frequency
        and entry.rate.rate_type in (RateType.FLAT, RateType.SUBSCRIPTION)
        for entry in card.entries
    )
    if not found:
        raise _fail(
            f"{here}.billing_frequency",
            f"rate card {card.card.id!r} has no {frequency.value} subscription rate for product "
            f"{subscription.product_id!r}",
        )


# --- overrides --------------------------------------------------------------------------------


def validate_override_term(
    override: Override, contract: Contract, facts: CatalogFacts, here: str
) -> None:
    """The pricing core's rules, then: named products exist and have a rate on the card."""
    validate_override(override, contract.multiplier_override_prioritization, here)
    priced = {entry.product_id for entry in facts.rate_card.entries} if facts.rate_card else None
    for index, specifier in enumerate(override.specifiers):
        product_id = specifier.product_id
        if product_id is None:
            continue
        path = f"{here}.override_specifiers[{index}].product_id"
        _product(facts, product_id, path)
        if priced is not None and product_id not in priced:
            raise _fail(path, f"no such product in rate card: {product_id!r}")
