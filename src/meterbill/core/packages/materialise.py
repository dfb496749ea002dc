"""A package made concrete: one contract's terms at absolute dates, with fresh ids.

Every relative date is taken from the contract start ``S`` through ``add_offset`` (never
chained): a term starts at ``S + starting_at_offset`` and ends at its own start plus its
``duration``; an invoice item falls at ``S + date_offset`` (``spec/decisions.md`` §1). So a
3-month credit starting Jan 31 ends Apr 30, and an item one month after Jan 31 is on Feb 28.

Every term and schedule item gets a new id from ``id_factory``, so two contracts provisioned
from one package share no id; references between terms (commit-specific overrides, a
recurring commit's subscription) are re-pointed from template ids to the new ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType

from meterbill.core.contracts.terms import (
    AccessItem,
    AccessSchedule,
    Commit,
    Contract,
    InvoiceItem,
    InvoiceSchedule,
    Override,
    Prioritization,
    QuantityEntry,
    RecurringCommit,
    ScheduledCharge,
    StatementScheduleConfig,
    Subscription,
    SubscriptionConfig,
    Transition,
)
from meterbill.core.packages.model import (
    Package,
    PackageCommit,
    PackageOverride,
    PackageRecurringCommit,
    PackageScheduledCharge,
    PackageSubscription,
    RelativeInvoiceSchedule,
)
from meterbill.core.periods import Offset, add_offset, ensure_utc
from meterbill.core.pricing.overrides.model import OverrideSpecifier, OverrideTarget
from meterbill.core.subscription_periods import InvoicePlacement

__all__ = ["IdFactory", "materialise"]

IdFactory = Callable[[], str]


@dataclass(frozen=True, slots=True)
class _Context:
    """What every term needs: the contract start and end, new ids, template -> new ids."""

    starting_at: datetime
    ending_before: datetime | None
    new_id: IdFactory
    renamed: Mapping[str, str]

    def at(self, offset: Offset | None) -> datetime:
        return self.starting_at if offset is None else add_offset(self.starting_at, offset)


def materialise(
    package: Package,
    *,
    contract_id: str,
    customer_id: str,
    starting_at: datetime,
    rate_card_id: str | None,
    id_factory: IdFactory,
    custom_fields: Mapping[str, str] | None = None,
    transition: Transition | None = None,
    uniqueness_key: str | None = None,
    created_at: datetime,
) -> Contract:
    """The contract ``package`` gives a customer starting at ``starting_at``.

    Pure and deterministic given ``id_factory``. Does not validate the package (done once at
    creation, ``validate_package``) nor resolve aliases (the caller passes ``rate_card_id``).
    ``transition`` is kept as given except that its ``to_contract_id`` becomes ``contract_id``.
    Custom fields of package terms are copied onto the contract's terms.
    """
    start = ensure_utc(starting_at, "starting_at")
    end = add_offset(start, package.duration) if package.duration is not None else None
    renamed = _new_template_ids(package, id_factory)
    context = _Context(start, end, id_factory, MappingProxyType(renamed))
    commits = tuple(
        _commit(context, commit, ordinal) for ordinal, commit in enumerate(_in_order(package))
    )
    return Contract(
        id=contract_id,
        customer_id=customer_id,
        starting_at=start,
        ending_before=end,
        created_at=created_at,
        name=package.contract_name,
        rate_card_id=rate_card_id,
        package_id=package.id,
        net_payment_terms_days=package.net_payment_terms_days,
        multiplier_override_prioritization=package.multiplier_override_prioritization
        or Prioritization.LOWEST_MULTIPLIER,
        scheduled_charges_on_usage_invoices=package.scheduled_charges_on_usage_invoices,
        usage_statement_schedule=_statement_schedule(context, package),
        overrides=_overrides(context, package.overrides),
        commits=commits,
        recurring_commits=tuple(
            _recurring(context, recurring, ordinal)
            for ordinal, recurring in enumerate(_recurring_in_order(package))
        ),
        scheduled_charges=tuple(_charge(context, c) for c in package.scheduled_charges),
        subscriptions=tuple(_subscription(context, s, created_at) for s in package.subscriptions),
        transitions=(replace(transition, to_contract_id=contract_id),) if transition else (),
        custom_fields=MappingProxyType(dict(custom_fields or {})),
        uniqueness_key=uniqueness_key,
        settings=_settings(package),
    )


def _in_order(package: Package) -> tuple[PackageCommit, ...]:
    """Commits first, then credits: the creation order used as the drawdown tie-break."""
    return package.paid_commits + package.credits


def _recurring_in_order(package: Package) -> tuple[PackageRecurringCommit, ...]:
    return package.recurring_paid_commits + package.recurring_credits


def _new_template_ids(package: Package, new_id: IdFactory) -> dict[str, str]:
    """A new id for every term that other terms may name (commits, recurring, subscriptions)."""
    named = [c.id for c in _in_order(package)]
    named += [r.id for r in _recurring_in_order(package)]
    named += [s.id for s in package.subscriptions]
    return {template_id: new_id() for template_id in named}


def _statement_schedule(context: _Context, package: Package) -> StatementScheduleConfig:
    schedule = package.usage_statement_schedule
    offset = schedule.invoice_generation_starting_at_offset
    return StatementScheduleConfig(
        frequency=schedule.frequency,
        day=schedule.day,
        invoice_generation_starting_at=context.at(offset) if offset is not None else None,
    )


def _invoice_schedule(context: _Context, schedule: RelativeInvoiceSchedule) -> InvoiceSchedule:
    items = tuple(
        InvoiceItem(
            id=context.new_id(),
            timestamp=context.at(item.date_offset),
            amount=item.amount,
            quantity=item.quantity,
            unit_price=item.unit_price,
        )
        for item in schedule.items
    )
    return InvoiceSchedule(items, schedule.credit_type_id, schedule.do_not_invoice)


def _commit(context: _Context, commit: PackageCommit, ordinal: int) -> Commit:
    access = commit.access_schedule
    items = []
    for item in access.items:
        # NOTE: the end is the item's own start plus its duration, not S + offset + duration
        # computed in one step: Jan 31 +1 month (Feb 28) +1 month = Mar 28.
        item_start = context.at(item.starting_at_offset)
        item_end = add_offset(item_start, item.duration)
        items.append(AccessItem(context.new_id(), item.amount, item_start, item_end))
    invoice = commit.invoice_schedule
    return Commit(
        id=context.renamed[commit.id],
        kind=commit.kind,
        product_id=commit.product_id,
        access_schedule=AccessSchedule(tuple(items), access.credit_type_id, access.access_type),
        invoice_schedule=_invoice_schedule(context, invoice) if invoice is not None else None,
        name=commit.name,
        description=commit.description,
        priority=commit.priority,
        applicable_product_ids=commit.applicable_product_ids,
        applicable_product_tags=commit.applicable_product_tags,
        specifiers=commit.specifiers,
        rate_type=commit.rate_type,
        rollover_fraction=commit.rollover_fraction,
        custom_fields=MappingProxyType(dict(commit.custom_fields)),
        ordinal=ordinal,
    )


def _recurring(
    context: _Context, recurring: PackageRecurringCommit, ordinal: int
) -> RecurringCommit:
    start = context.at(recurring.starting_at_offset)
    end = add_offset(start, recurring.duration) if recurring.duration is not None else None
    subscription = None
    if recurring.subscription_template_id is not None:
        subscription = SubscriptionConfig(
            subscription_id=context.renamed[recurring.subscription_template_id],
            allocation=recurring.allocation,
            apply_seat_increase_is_prorated=recurring.apply_seat_increase_is_prorated,
        )
    return RecurringCommit(
        id=context.renamed[recurring.id],
        kind=recurring.kind,
        product_id=recurring.product_id,
        starting_at=start,
        ending_before=end,
        access_unit_price=recurring.access_unit_price,
        access_quantity=recurring.access_quantity,
        commit_duration=recurring.commit_duration,
        priority=recurring.priority,
        rate_type=recurring.rate_type,
        access_credit_type_id=recurring.access_credit_type_id,
        access_type=recurring.access_type,
        invoice_unit_price=recurring.invoice_unit_price,
        invoice_quantity=recurring.invoice_quantity,
        invoice_credit_type_id=recurring.invoice_credit_type_id,
        proration=recurring.proration,
        access_rounding=recurring.access_rounding,
        invoice_rounding=recurring.invoice_rounding,
        recurrence_frequency=recurring.recurrence_frequency,
        rollover_fraction=recurring.rollover_fraction,
        applicable_product_ids=recurring.applicable_product_ids,
        applicable_product_tags=recurring.applicable_product_tags,
        specifiers=recurring.specifiers,
        subscription_config=subscription,
        name=recurring.name,
        description=recurring.description,
        ordinal=ordinal,
    )


def _charge(context: _Context, charge: PackageScheduledCharge) -> ScheduledCharge:
    return ScheduledCharge(
        id=context.new_id(),
        product_id=charge.product_id,
        schedule=_invoice_schedule(context, charge.schedule),
        name=charge.name,
        custom_fields=MappingProxyType(dict(charge.custom_fields)),
    )


def _subscription(
    context: _Context, subscription: PackageSubscription, created_at: datetime
) -> Subscription:
    start = context.at(subscription.starting_at_offset)
    end = context.ending_before
    if subscription.duration is not None:
        end = add_offset(start, subscription.duration)
    quantity = subscription.initial_quantity
    if quantity is None:
        quantity = subscription.initial_unassigned_seats
    return Subscription(
        id=context.renamed[subscription.id],
        product_id=subscription.product_id,
        billing_frequency=subscription.billing_frequency,
        collection_schedule=subscription.collection_schedule,
        starting_at=start,
        ending_before=end,
        quantity_schedule=(QuantityEntry(start, quantity),) if quantity is not None else (),
        is_prorated=subscription.is_prorated,
        invoice_behavior=subscription.invoice_behavior,
        proration_rounding=subscription.proration_rounding,
        invoice_placement=subscription.invoice_placement or InvoicePlacement.ON_USAGE_INVOICE,
        quantity_management_mode=subscription.quantity_management_mode,
        seat_group_key=subscription.seat_group_key,
        name=subscription.name,
        description=subscription.description,
        custom_fields=MappingProxyType(dict(subscription.custom_fields)),
        created_at=created_at,
    )


def _overrides(context: _Context, overrides: tuple[PackageOverride, ...]) -> tuple[Override, ...]:
    made = (_override(context, override) for override in overrides)
    return tuple(override for override in made if override is not None)


def _override(context: _Context, override: PackageOverride) -> Override | None:
    """The contract's override, or ``None`` for an absolute one missing the contract."""
    window = _override_window(context, override)
    if window is None:
        return None
    return Override(
        id=context.new_id(),
        starting_at=window[0],
        ending_before=window[1],
        specifiers=tuple(_specifier(context, s) for s in override.specifiers),
        type=override.type,
        multiplier=override.multiplier,
        overwrite_rate=override.overwrite_rate,
        tiers=override.tiers,
        priority=override.priority,
        entitled=override.entitled,
        is_commit_specific=override.is_commit_specific,
        target=override.target if override.is_commit_specific else OverrideTarget.LIST_RATE,
    )


def _override_window(
    context: _Context, override: PackageOverride
) -> tuple[datetime, datetime | None] | None:
    if override.absolute is None:
        start = context.at(override.starting_at_offset)
        end = add_offset(start, override.duration) if override.duration is not None else None
        return start, end
    # Extension: fixed dates, clipped to the contract window (NOTE: half-open on both sides).
    start = max(override.absolute.starting_at, context.starting_at)
    end = _earliest(override.absolute.ending_before, context.ending_before)
    if end is not None and end <= start:
        return None
    return start, end


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _specifier(context: _Context, specifier: OverrideSpecifier) -> OverrideSpecifier:
    def rename(ids: frozenset[str]) -> frozenset[str]:
        return frozenset(context.renamed[i] for i in ids)

    return replace(
        specifier,
        commit_ids=rename(specifier.commit_ids),
        recurring_commit_ids=rename(specifier.recurring_commit_ids),
        any_commit_or_credit_ids=rename(specifier.any_commit_or_credit_ids),
    )


def _settings(package: Package) -> Mapping[str, object]:
    settings = dict(package.settings)
    if package.billing_provider is not None or package.delivery_method is not None:
        settings["billing_provider_configuration"] = MappingProxyType(
            {
                "billing_provider": package.billing_provider,
                "delivery_method": package.delivery_method,
            }
        )
    return MappingProxyType(settings)
