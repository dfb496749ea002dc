"""A package as the SDK reads it (``types/v1/package_retrieve_response.py``).

Template ids replace the request's temporary ids: override specifiers answer with
``commit_template_ids`` / ``recurring_commit_template_ids`` / ``any_commit_or_credit_template_ids``
and linked recurring commits with ``subscription_config.subscription_template_id``. Extensions
(``x_``-prefixed keys) are extra fields the SDK's models keep and ignore.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meterbill.core.contracts.terms import CommitSpecifier, ProrationRoundingConfig
from meterbill.core.packages import (
    PackageCommit,
    PackageOverride,
    PackageRecurringCommit,
    PackageScheduledCharge,
    PackageSubscription,
    RelativeAccessSchedule,
    RelativeInvoiceSchedule,
)
from meterbill.core.periods import Offset
from meterbill.core.pricing import Rate
from meterbill.core.pricing.overrides.model import OverrideSpecifier
from meterbill.services.packages import PackageView

_FIAT_USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _offset(offset: Offset | None) -> dict[str, Any] | None:
    return None if offset is None else {"unit": offset.unit.value, "value": offset.value}


class _Names:
    def __init__(self, view: PackageView) -> None:
        self._view = view

    def product(self, ident: str) -> dict[str, str]:
        return {"id": ident, "name": self._view.product_names.get(ident, ident)}

    def credit_type(self, ident: str | None) -> dict[str, str] | None:
        if ident is None:
            return None
        return {"id": ident, "name": self._view.credit_type_names.get(ident, ident)}


def _specifiers(specifiers: tuple[CommitSpecifier, ...]) -> list[dict[str, Any]] | None:
    if not specifiers:
        return None
    return [
        _clean(
            {
                "product_id": s.product_id,
                "product_tags": list(s.product_tags) or None,
                "pricing_group_values": dict(s.pricing_group_values) or None,
                "presentation_group_values": dict(s.presentation_group_values) or None,
            }
        )
        for s in specifiers
    ]


def _access(schedule: RelativeAccessSchedule, names: _Names) -> dict[str, Any]:
    return {
        "credit_type": names.credit_type(schedule.credit_type_id),
        "access_type": schedule.access_type.value,
        "schedule_items": [
            {
                "id": item.id,
                "amount": item.amount,
                "starting_at_offset": _offset(item.starting_at_offset),
                "duration": _offset(item.duration),
            }
            for item in schedule.items
        ],
    }


def _invoice(
    schedule: RelativeInvoiceSchedule, names: _Names, *, with_flag: bool
) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "credit_type": names.credit_type(schedule.credit_type_id),
        "schedule_items": [
            {
                "id": item.id,
                "date_offset": _offset(item.date_offset),
                "quantity": item.quantity,
                "unit_price": item.unit_price,
            }
            for item in schedule.items
        ],
    }
    if with_flag:
        rendered["do_not_invoice"] = schedule.do_not_invoice
    return rendered


def _commit(commit: PackageCommit, names: _Names) -> dict[str, Any]:
    rendered = {
        "id": commit.id,
        "product": names.product(commit.product_id),
        "access_schedule": _access(commit.access_schedule, names),
        "applicable_product_ids": list(commit.applicable_product_ids) or None,
        "applicable_product_tags": list(commit.applicable_product_tags) or None,
        "custom_fields": dict(commit.custom_fields),
        "description": commit.description,
        "name": commit.name,
        "priority": commit.priority,
        "rate_type": commit.rate_type.value,
        "specifiers": _specifiers(commit.specifiers),
    }
    return _clean(rendered)


def _paid_commit(commit: PackageCommit, names: _Names) -> dict[str, Any]:
    invoice = commit.invoice_schedule
    return _clean(
        {
            **_commit(commit, names),
            "type": commit.kind.value,
            "invoice_schedule": _invoice(invoice, names, with_flag=True) if invoice else None,
            "rollover_fraction": commit.rollover_fraction,
        }
    )


def _rounding(config: ProrationRoundingConfig | None) -> dict[str, Any] | None:
    if config is None:
        return None
    return {
        "decimal_places": config.decimal_places,
        "rounding_method": config.rounding_method.value,
    }


def _recurring(recurring: PackageRecurringCommit, names: _Names, *, paid: bool) -> dict[str, Any]:
    rounding = _clean(
        {
            "access": _rounding(recurring.access_rounding),
            "invoice": _rounding(recurring.invoice_rounding) if paid else None,
        }
    )
    subscription = None
    if recurring.subscription_template_id is not None:
        subscription = {
            "allocation": recurring.allocation,
            "apply_seat_increase_config": {
                "is_prorated": recurring.apply_seat_increase_is_prorated
            },
            "subscription_template_id": recurring.subscription_template_id,
        }
    invoice = None
    if paid and recurring.invoice_unit_price is not None:
        invoice = {
            "credit_type_id": recurring.invoice_credit_type_id or _FIAT_USD,
            "quantity": recurring.invoice_quantity,
            "unit_price": recurring.invoice_unit_price,
        }
    return _clean(
        {
            "id": recurring.id,
            "access_amount": _clean(
                {
                    "credit_type_id": recurring.access_credit_type_id,
                    "unit_price": recurring.access_unit_price,
                    "quantity": recurring.access_quantity,
                    "access_type": recurring.access_type.value,
                }
            ),
            "commit_duration": {"value": recurring.commit_duration, "unit": "PERIODS"},
            "priority": recurring.priority,
            "product": names.product(recurring.product_id),
            "rate_type": recurring.rate_type.value,
            "starting_at_offset": _offset(recurring.starting_at_offset),
            "applicable_product_ids": list(recurring.applicable_product_ids) or None,
            "applicable_product_tags": list(recurring.applicable_product_tags) or None,
            "description": recurring.description,
            "duration": _offset(recurring.duration),
            "invoice_amount": invoice,
            "name": recurring.name,
            "proration": recurring.proration.value,
            "proration_rounding": rounding or None,
            "recurrence_frequency": recurring.recurrence_frequency.value
            if recurring.recurrence_frequency
            else None,
            "rollover_fraction": recurring.rollover_fraction,
            "specifiers": _specifiers(recurring.specifiers),
            "subscription_config": subscription,
        }
    )


def _charge(charge: PackageScheduledCharge, names: _Names) -> dict[str, Any]:
    return _clean(
        {
            "id": charge.id,
            "product": names.product(charge.product_id),
            "schedule": _invoice(charge.schedule, names, with_flag=False),
            "custom_fields": dict(charge.custom_fields),
            "description": charge.description,
            "name": charge.name,
        }
    )


def _subscription(subscription: PackageSubscription, names: _Names) -> dict[str, Any]:
    placement = subscription.invoice_placement
    return _clean(
        {
            "id": subscription.id,
            "collection_schedule": subscription.collection_schedule.value,
            "proration": _clean(
                {
                    "invoice_behavior": subscription.invoice_behavior.value,
                    "is_prorated": subscription.is_prorated,
                    "rounding": _rounding(subscription.proration_rounding),
                }
            ),
            "subscription_rate": {
                "billing_frequency": subscription.billing_frequency.value,
                "product": names.product(subscription.product_id),
            },
            "billing_cycle_config": {"invoice_placement": placement.value} if placement else None,
            "custom_fields": dict(subscription.custom_fields),
            "description": subscription.description,
            "duration": _offset(subscription.duration),
            "fiat_credit_type_id": _FIAT_USD,
            "initial_quantity": subscription.initial_quantity,
            "name": subscription.name,
            "quantity_management_mode": subscription.quantity_management_mode,
            "seat_config": {"seat_group_key": subscription.seat_group_key}
            if subscription.seat_group_key
            else None,
            "starting_at_offset": _offset(subscription.starting_at_offset),
        }
    )


def _override_specifier(specifier: OverrideSpecifier) -> dict[str, Any]:
    return _clean(
        {
            "product_id": specifier.product_id,
            "product_tags": sorted(specifier.product_tags) or None,
            "pricing_group_values": dict(specifier.pricing_group_values) or None,
            "presentation_group_values": dict(specifier.presentation_group_values) or None,
            "billing_frequency": specifier.billing_frequency.value
            if specifier.billing_frequency
            else None,
            "commit_template_ids": sorted(specifier.commit_ids) or None,
            "recurring_commit_template_ids": sorted(specifier.recurring_commit_ids) or None,
            "any_commit_or_credit_template_ids": sorted(specifier.any_commit_or_credit_ids) or None,
        }
    )


def _rate(rate: Rate | None, names: _Names) -> dict[str, Any] | None:
    if rate is None:
        return None
    return _clean(
        {
            "rate_type": rate.rate_type.value,
            "credit_type": names.credit_type(rate.credit_type_id),
            "is_prorated": rate.is_prorated,
            "price": rate.price,
            "quantity": rate.quantity,
            "tiers": [_clean({"price": t.price, "size": t.size}) for t in rate.tiers] or None,
        }
    )


def _override(override: PackageOverride, names: _Names) -> dict[str, Any]:
    window: dict[str, Any]
    if override.absolute is None:
        window = {
            "starting_at_offset": _offset(override.starting_at_offset),
            "duration": _offset(override.duration),
        }
    else:
        window = {
            "starting_at": override.absolute.starting_at,
            "ending_before": override.absolute.ending_before,
        }
    return _clean(
        {
            "id": override.id,
            "override_specifiers": [_override_specifier(s) for s in override.specifiers],
            **window,
            "entitled": override.entitled,
            "is_commit_specific": override.is_commit_specific,
            "multiplier": override.multiplier,
            "override_tiers": [
                _clean({"multiplier": t.multiplier, "size": t.size}) for t in override.tiers
            ]
            or None,
            "overwrite_rate": _rate(override.overwrite_rate, names),
            "priority": override.priority,
            "target": override.target.value if override.is_commit_specific else None,
            "type": override.type.value if override.type else None,
        }
    )


def render_package(view: PackageView) -> dict[str, Any]:
    """The SDK's ``PackageRetrieveResponse.Data`` (and ``PackageListResponse``)."""
    package = view.package
    names = _Names(view)
    schedule = package.usage_statement_schedule
    settings: Mapping[str, Any] = package.settings
    prioritization = package.multiplier_override_prioritization
    return _clean(
        {
            "id": package.id,
            "name": package.name,
            "created_at": package.created_at,
            "created_by": package.created_by,
            "archived_at": package.archived_at,
            "aliases": [
                _clean(
                    {"name": a.name, "starting_at": a.starting_at, "ending_before": a.ending_before}
                )
                for a in package.aliases
            ],
            "billing_provider": package.billing_provider,
            "delivery_method": package.delivery_method,
            "contract_name": package.contract_name,
            "duration": _offset(package.duration),
            "multiplier_override_prioritization": prioritization.value if prioritization else None,
            "net_payment_terms_days": package.net_payment_terms_days,
            "rate_card_id": package.rate_card_id,
            "x_rate_card_alias": package.rate_card_alias,
            "commits": [_paid_commit(c, names) for c in package.paid_commits],
            "credits": [_commit(c, names) for c in package.credits],
            "recurring_commits": [
                _recurring(r, names, paid=True) for r in package.recurring_paid_commits
            ],
            "recurring_credits": [
                _recurring(r, names, paid=False) for r in package.recurring_credits
            ],
            "scheduled_charges": [_charge(c, names) for c in package.scheduled_charges],
            "scheduled_charges_on_usage_invoices": "ALL"
            if package.scheduled_charges_on_usage_invoices
            else None,
            "subscriptions": [_subscription(s, names) for s in package.subscriptions],
            "overrides": [_override(o, names) for o in package.overrides if o.absolute is None],
            "x_absolute_overrides": [
                _override(o, names) for o in package.overrides if o.absolute is not None
            ],
            "usage_statement_schedule": _clean(
                {
                    "frequency": schedule.frequency.value,
                    "day": schedule.day.value,
                    "x_invoice_generation_starting_at_offset": _offset(
                        schedule.invoice_generation_starting_at_offset
                    ),
                }
            ),
            "spend_threshold_configuration": settings.get("spend_threshold_configuration"),
            "prepaid_balance_threshold_configuration": settings.get(
                "prepaid_balance_threshold_configuration"
            ),
            "spend_trackers": settings.get("spend_trackers"),
            "uniqueness_key": package.uniqueness_key,
        }
    )
