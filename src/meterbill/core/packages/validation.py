"""Which packages are allowed. Each refusal is a ``DomainValidationError`` (HTTP 400) whose
message starts with the wire field path (``recurring_credits[0].commit_duration.value: ...``).

Checked once, at creation: a package that passes materialises at any start date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from meterbill.core.catalog import AliasWindow, check_alias_windows
from meterbill.core.contracts.terms import CommitKind, Prioritization, StatementDay
from meterbill.core.errors import DomainValidationError
from meterbill.core.packages.model import (
    Package,
    PackageCommit,
    PackageOverride,
    PackageRecurringCommit,
    PackageSubscription,
    RelativeAccessSchedule,
    RelativeInvoiceSchedule,
)
from meterbill.core.periods import Offset, add_offset
from meterbill.core.pricing.overrides.model import Override
from meterbill.core.pricing.overrides.validation import validate_override
from meterbill.core.statement_schedule import STATEMENT_FREQUENCIES
from meterbill.core.subscription_periods import CollectionSchedule, InvoiceBehavior

__all__ = ["link_templates", "override_field", "validate_package"]

# Overrides are checked as if provisioned at this instant: their rules do not depend on it.
_REFERENCE_START = datetime(2000, 1, 31, tzinfo=UTC)


def _fail(field: str, problem: str) -> DomainValidationError:
    return DomainValidationError(f"{field}: {problem}")


def override_field(package: Package, index: int) -> str:
    """The wire path of ``package.overrides[index]``: relative ones are ``overrides[i]``,
    absolute ones (the extension) ``x_absolute_overrides[j]``."""
    override = package.overrides[index]
    absolute = override.absolute is not None
    position = sum(1 for o in package.overrides[:index] if (o.absolute is not None) == absolute)
    return f"x_absolute_overrides[{position}]" if absolute else f"overrides[{position}]"


# --- temporary ids ----------------------------------------------------------------------------


def link_templates(package: Package) -> Package:
    """Replace ``temporary_id`` references with template ids, refusing unknown or duplicate ones.

    On the way in, override specifiers and recurring subscription configs hold the
    ``temporary_id`` the request gave; afterwards they hold the referenced terms' template ids.
    """
    balances = _temporary_ids(
        [(c.temporary_id, c.id, f"commits[{i}]") for i, c in enumerate(package.paid_commits)]
    )
    recurring = _temporary_ids(
        [
            (r.temporary_id, r.id, f"{_recurring_field(package, r)}")
            for r in package.recurring_commits
        ]
    )
    subscriptions = _temporary_ids(
        [(s.temporary_id, s.id, f"subscriptions[{i}]") for i, s in enumerate(package.subscriptions)]
    )
    shared = set(balances) & set(recurring)
    if shared:
        raise _fail("temporary_id", f"{sorted(shared)[0]!r} is used by two terms")
    overrides = tuple(
        _link_override(o, balances, recurring, override_field(package, i))
        for i, o in enumerate(package.overrides)
    )
    linked = tuple(
        _link_subscription(r, subscriptions, _recurring_field(package, r))
        for r in package.recurring_commits
    )
    return replace(package, overrides=overrides, recurring_commits=linked)


def _recurring_field(package: Package, recurring: PackageRecurringCommit) -> str:
    group = (
        package.recurring_credits
        if recurring.kind is CommitKind.CREDIT
        else package.recurring_paid_commits
    )
    name = "recurring_credits" if recurring.kind is CommitKind.CREDIT else "recurring_commits"
    return f"{name}[{group.index(recurring)}]"


def _temporary_ids(entries: Sequence[tuple[str | None, str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for temporary, template, here in entries:
        if temporary is None:
            continue
        if temporary in found:
            raise _fail(f"{here}.temporary_id", f"{temporary!r} is used by two terms")
        found[temporary] = template
    return found


def _link_override(
    override: PackageOverride,
    balances: Mapping[str, str],
    recurring: Mapping[str, str],
    here: str,
) -> PackageOverride:
    both = {**balances, **recurring}

    def linked(ids: frozenset[str], known: Mapping[str, str], field: str) -> frozenset[str]:
        for ident in sorted(ids):
            if ident not in known:
                raise _fail(field, f"{ident!r} is not the temporary_id of a term of this package")
        return frozenset(known[i] for i in ids)

    specifiers = []
    for index, specifier in enumerate(override.specifiers):
        at = f"{here}.override_specifiers[{index}]"
        specifiers.append(
            replace(
                specifier,
                commit_ids=linked(specifier.commit_ids, balances, f"{at}.commit_ids"),
                recurring_commit_ids=linked(
                    specifier.recurring_commit_ids, recurring, f"{at}.recurring_commit_ids"
                ),
                any_commit_or_credit_ids=linked(
                    specifier.any_commit_or_credit_ids, both, f"{at}.any_commit_or_credit_ids"
                ),
            )
        )
    return replace(override, specifiers=tuple(specifiers))


def _link_subscription(
    recurring: PackageRecurringCommit, subscriptions: Mapping[str, str], here: str
) -> PackageRecurringCommit:
    temporary = recurring.subscription_template_id
    if temporary is None:
        return recurring
    if temporary not in subscriptions:
        raise _fail(
            f"{here}.subscription_config.subscription_id",
            f"{temporary!r} is not the temporary_id of a subscription of this package",
        )
    return replace(recurring, subscription_template_id=subscriptions[temporary])


# --- the package ------------------------------------------------------------------------------


def validate_package(package: Package) -> None:
    """Refuse a package that could not be provisioned (references already linked)."""
    if not package.name.strip():
        raise _fail("name", "must not be empty")
    if package.rate_card_id is not None and package.rate_card_alias is not None:
        raise _fail("rate_card_alias", "give rate_card_id or rate_card_alias, not both")
    if package.duration is not None:
        _positive(package.duration, "duration")
    if package.net_payment_terms_days is not None and package.net_payment_terms_days < 0:
        raise _fail("net_payment_terms_days", "must not be negative")
    _statement_schedule(package)
    for index, commit in enumerate(package.paid_commits):
        _commit(commit, f"commits[{index}]")
    for index, credit in enumerate(package.credits):
        _commit(credit, f"credits[{index}]")
    for recurring in package.recurring_commits:
        _recurring(recurring, _recurring_field(package, recurring))
    for index, charge in enumerate(package.scheduled_charges):
        _invoice_schedule(charge.schedule, f"scheduled_charges[{index}].schedule")
    for index, subscription in enumerate(package.subscriptions):
        _subscription(subscription, f"subscriptions[{index}]")
    prioritization = package.multiplier_override_prioritization or Prioritization.LOWEST_MULTIPLIER
    for index, override in enumerate(package.overrides):
        _override(override, prioritization, override_field(package, index))
    windows = [AliasWindow(a.name, a.starting_at, a.ending_before) for a in package.aliases]
    check_alias_windows(windows)


def _non_negative(offset: Offset, field: str) -> None:
    if offset.value < 0:
        raise _fail(f"{field}.value", f"must not be negative, got {offset.value}")


def _positive(offset: Offset, field: str) -> None:
    if offset.value < 1:
        raise _fail(f"{field}.value", f"must be at least 1, got {offset.value}")


def _statement_schedule(package: Package) -> None:
    schedule = package.usage_statement_schedule
    here = "usage_statement_schedule"
    if schedule.frequency not in STATEMENT_FREQUENCIES:
        raise _fail(f"{here}.frequency", f"{schedule.frequency.value} is not allowed")
    if schedule.day is StatementDay.CUSTOM_DATE:
        raise _fail(
            f"{here}.day",
            "CUSTOM_DATE needs a billing_anchor_date, which a package cannot carry; use "
            "FIRST_OF_MONTH or CONTRACT_START",
        )
    if schedule.invoice_generation_starting_at_offset is not None:
        _non_negative(
            schedule.invoice_generation_starting_at_offset,
            f"{here}.invoice_generation_starting_at_offset",
        )


def _commit(commit: PackageCommit, here: str) -> None:
    _access_schedule(commit.access_schedule, f"{here}.access_schedule")
    if commit.invoice_schedule is not None:
        _invoice_schedule(commit.invoice_schedule, f"{here}.invoice_schedule")
    _applicability(
        commit.applicable_product_ids, commit.applicable_product_tags, commit.specifiers, here
    )
    _fraction(commit.rollover_fraction, f"{here}.rollover_fraction")
    if commit.kind is CommitKind.POSTPAID:
        _postpaid(commit, here)


def _postpaid(commit: PackageCommit, here: str) -> None:
    schedule = commit.invoice_schedule
    if schedule is None or len(schedule.items) != 1:
        raise _fail(
            f"{here}.invoice_schedule",
            "a POSTPAID commit needs an invoice_schedule with exactly one item (the true-up)",
        )
    access = commit.access_schedule.items
    if len(access) != 1:
        raise _fail(f"{here}.access_schedule.schedule_items", "a POSTPAID commit takes one item")
    if schedule.items[0].amount != access[0].amount:
        raise _fail(
            f"{here}.invoice_schedule.schedule_items[0]",
            f"quantity * unit_price must equal the access amount {access[0].amount}",
        )


def _access_schedule(schedule: RelativeAccessSchedule, here: str) -> None:
    if not schedule.items:
        raise _fail(f"{here}.schedule_items", "needs at least one item")
    for index, item in enumerate(schedule.items):
        at = f"{here}.schedule_items[{index}]"
        if item.amount < 0:
            raise _fail(f"{at}.amount", f"must not be negative, got {item.amount}")
        _non_negative(item.starting_at_offset, f"{at}.starting_at_offset")
        _positive(item.duration, f"{at}.duration")


def _invoice_schedule(schedule: RelativeInvoiceSchedule, here: str) -> None:
    if not schedule.items:
        raise _fail(f"{here}.schedule_items", "needs at least one item")
    for index, item in enumerate(schedule.items):
        at = f"{here}.schedule_items[{index}]"
        _non_negative(item.date_offset, f"{at}.date_offset")
        if item.quantity < 0:
            raise _fail(f"{at}.quantity", f"must not be negative, got {item.quantity}")


def _applicability(
    product_ids: tuple[str, ...], tags: tuple[str, ...], specifiers: tuple[object, ...], here: str
) -> None:
    if specifiers and (product_ids or tags):
        raise _fail(
            f"{here}.specifiers",
            "cannot be used together with applicable_product_ids or applicable_product_tags",
        )


def _fraction(value: Decimal | None, field: str) -> None:
    if value is not None and not Decimal(0) <= value <= Decimal(1):
        raise _fail(field, f"must be between 0 and 1, got {value}")


def _recurring(recurring: PackageRecurringCommit, here: str) -> None:
    _non_negative(recurring.starting_at_offset, f"{here}.starting_at_offset")
    if recurring.duration is not None:
        _positive(recurring.duration, f"{here}.duration")
    if recurring.commit_duration < 1:
        raise _fail(f"{here}.commit_duration.value", "must be a whole number of periods >= 1")
    if recurring.access_unit_price < 0:
        raise _fail(f"{here}.access_amount.unit_price", "must not be negative")
    if recurring.access_quantity is None and recurring.subscription_template_id is None:
        raise _fail(
            f"{here}.access_amount.quantity",
            "is required unless a subscription is attached with subscription_config",
        )
    if recurring.access_quantity is not None and recurring.access_quantity < 0:
        raise _fail(f"{here}.access_amount.quantity", "must not be negative")
    _applicability(
        recurring.applicable_product_ids,
        recurring.applicable_product_tags,
        recurring.specifiers,
        here,
    )
    _fraction(recurring.rollover_fraction, f"{here}.rollover_fraction")


def _subscription(subscription: PackageSubscription, here: str) -> None:
    if subscription.starting_at_offset is not None:
        _non_negative(subscription.starting_at_offset, f"{here}.starting_at_offset")
    if subscription.duration is not None:
        _positive(subscription.duration, f"{here}.duration")
    if subscription.quantity_management_mode == "SEAT_BASED":
        if subscription.seat_group_key is None:
            raise _fail(
                f"{here}.seat_config", "is required when quantity_management_mode is SEAT_BASED"
            )
    elif subscription.initial_quantity is None:
        raise _fail(
            f"{here}.initial_quantity", "is required when quantity_management_mode is QUANTITY_ONLY"
        )
    if subscription.initial_quantity is not None and subscription.initial_quantity < 0:
        raise _fail(f"{here}.initial_quantity", "must not be negative")
    if (
        subscription.collection_schedule is CollectionSchedule.ARREARS
        and subscription.invoice_behavior is InvoiceBehavior.BILL_IMMEDIATELY
    ):
        raise _fail(
            f"{here}.proration.invoice_behavior",
            "BILL_IMMEDIATELY is only available with collection_schedule ADVANCE",
        )


def _override(override: PackageOverride, prioritization: Prioritization, here: str) -> None:
    if override.absolute is None:
        if override.starting_at_offset is None:
            raise _fail(f"{here}.starting_at_offset", "is required")
        _non_negative(override.starting_at_offset, f"{here}.starting_at_offset")
        if override.duration is not None:
            _positive(override.duration, f"{here}.duration")
        start = add_offset(_REFERENCE_START, override.starting_at_offset)
        end = add_offset(start, override.duration) if override.duration is not None else None
    else:
        start, end = override.absolute.starting_at, override.absolute.ending_before
    if not override.specifiers:
        raise _fail(f"{here}.override_specifiers", "needs at least one specifier")
    validate_override(
        Override(
            id=override.id,
            starting_at=start,
            ending_before=end,
            specifiers=override.specifiers,
            type=override.type,
            multiplier=override.multiplier,
            overwrite_rate=override.overwrite_rate,
            tiers=override.tiers,
            priority=override.priority,
            entitled=override.entitled,
            is_commit_specific=override.is_commit_specific,
            target=override.target,
        ),
        prioritization,
        here,
    )
