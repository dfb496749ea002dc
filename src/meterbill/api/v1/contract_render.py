"""Contract terms to the wire: the SDK's ``Contract`` (v1), ``ContractV2`` and their parts.

Renderers take a :class:`~meterbill.core.contracts.terms.Contract`, a :class:`Names` lookup
(product and pricing-unit names) and ``as_of`` (for subscription billing periods). Decimals
stay ``Decimal`` and leave as JSON numbers (``meterbill.api.json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from meterbill.core.contracts.edits import ContractEdit
from meterbill.core.contracts.terms import (
    AccessSchedule,
    Commit,
    CommitKind,
    CommitSpecifier,
    Contract,
    InvoiceSchedule,
    Override,
    ProrationRoundingConfig,
    RecurringCommit,
    ScheduledCharge,
    Subscription,
    TransitionType,
)
from meterbill.core.contracts.views import billing_anchor_of, subscription_terms_of
from meterbill.core.drawdown import cost_basis
from meterbill.core.periods import Period
from meterbill.core.pricing import OverrideSpecifier
from meterbill.core.pricing.values import Rate
from meterbill.core.subscription_periods import billing_periods_around
from meterbill.services.contracts import Names


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


# --- schedules --------------------------------------------------------------------------------


def _access(schedule: AccessSchedule, names: Names) -> dict[str, Any]:
    return {
        "access_type": schedule.access_type.value,
        "credit_type": names.credit_type(schedule.credit_type_id),
        "schedule_items": [
            {
                "id": item.id,
                "amount": item.amount,
                "starting_at": item.starting_at,
                "ending_before": item.ending_before,
            }
            for item in schedule.items
        ],
    }


def _invoice(schedule: InvoiceSchedule, names: Names) -> dict[str, Any]:
    return {
        "credit_type": names.credit_type(schedule.credit_type_id),
        "do_not_invoice": schedule.do_not_invoice,
        "schedule_items": [
            {
                "id": item.id,
                "timestamp": item.timestamp,
                "amount": item.amount,
                "quantity": item.quantity,
                "unit_price": item.price,
            }
            for item in schedule.items
        ],
    }


def _specifier(specifier: CommitSpecifier) -> dict[str, Any]:
    return _drop_none(
        {
            "product_id": specifier.product_id,
            "product_tags": list(specifier.product_tags) or None,
            "pricing_group_values": dict(specifier.pricing_group_values) or None,
            "presentation_group_values": dict(specifier.presentation_group_values) or None,
        }
    )


# --- terms ------------------------------------------------------------------------------------


def render_commit(commit: Commit, contract: Contract, names: Names) -> dict[str, Any]:
    """The SDK's ``Commit`` (prepaid/postpaid) or ``Credit``."""
    data: dict[str, Any] = {
        "id": commit.id,
        "type": commit.kind.value,
        "product": names.product(commit.product_id),
        "contract": {"id": contract.id},
        "created_at": commit.created_at or contract.created_at,
        "access_schedule": _access(commit.access_schedule, names),
        "applicable_product_ids": list(commit.applicable_product_ids) or None,
        "applicable_product_tags": list(commit.applicable_product_tags) or None,
        "specifiers": [_specifier(s) for s in commit.specifiers] or None,
        "priority": commit.priority,
        "rate_type": commit.rate_type.value,
        "rollover_fraction": commit.rollover_fraction,
        "name": commit.name,
        "description": commit.description,
        "netsuite_sales_order_id": commit.netsuite_sales_order_id,
        "custom_fields": dict(commit.custom_fields),
        "archived_at": commit.archived_at,
        **dict(commit.settings),
    }
    origin = _rolled_over_from_contract(commit, contract)
    if commit.kind is CommitKind.CREDIT:
        data["recurring_credit_id"] = commit.recurring_commit_id
        if origin is not None:
            data["rolled_over_from"] = {"credit_id": commit.rolled_over_from, "contract_id": origin}
    else:
        data["recurring_commit_id"] = commit.recurring_commit_id
        data["amount"] = commit.amount
        if commit.invoice_schedule is not None:
            data["invoice_schedule"] = _invoice(commit.invoice_schedule, names)
        if origin is not None:
            data["rolled_over_from"] = {"commit_id": commit.rolled_over_from, "contract_id": origin}
        # A rollover commit was paid for on the old contract: its cost basis is not held on it.
        if commit.rolled_over_from is None:
            data["cost_basis"] = cost_basis(commit)
    return _drop_none(data)


def _rolled_over_from_contract(commit: Commit, contract: Contract) -> str | None:
    """The contract a rollover commit came from: the one ``contract`` renews (rollover only
    happens on a RENEWAL transition, docs/decisions/balances-rollover.md); None otherwise."""
    if commit.rolled_over_from is None:
        return None
    return next(
        (
            t.from_contract_id
            for t in contract.transitions
            if t.to_contract_id == contract.id and t.type is TransitionType.RENEWAL
        ),
        None,
    )


def _override_specifier(specifier: OverrideSpecifier) -> dict[str, Any]:
    frequency = specifier.billing_frequency
    return _drop_none(
        {
            "product_id": specifier.product_id,
            "product_tags": sorted(specifier.product_tags) or None,
            "pricing_group_values": dict(specifier.pricing_group_values) or None,
            "presentation_group_values": dict(specifier.presentation_group_values) or None,
            "billing_frequency": frequency.value if frequency else None,
            "commit_ids": sorted(specifier.commit_ids) or None,
            "recurring_commit_ids": sorted(specifier.recurring_commit_ids) or None,
            "any_commit_or_credit_ids": sorted(specifier.any_commit_or_credit_ids) or None,
        }
    )


def _rate(rate: Rate, names: Names) -> dict[str, Any]:
    return _drop_none(
        {
            "rate_type": rate.rate_type.value,
            "price": rate.price,
            "quantity": rate.quantity,
            "is_prorated": rate.is_prorated,
            "tiers": [_drop_none({"price": t.price, "size": t.size}) for t in rate.tiers] or None,
            "credit_type": names.credit_type(rate.credit_type_id),
        }
    )


def render_override(override: Override, contract: Contract, names: Names) -> dict[str, Any]:
    """The SDK's ``Override``; ``product`` when the override names exactly one product."""
    plain_products = [
        s.product_id
        for s in override.specifiers
        if s.product_id and s == OverrideSpecifier(product_id=s.product_id)
    ]
    plain_tags = [
        next(iter(s.product_tags))
        for s in override.specifiers
        if len(s.product_tags) == 1 and s == OverrideSpecifier(product_tags=s.product_tags)
    ]
    return _drop_none(
        {
            "id": override.id,
            "created_at": contract.override_created_at.get(override.id, contract.created_at),
            "starting_at": override.starting_at,
            "ending_before": override.ending_before,
            "type": override.type.value if override.type else None,
            "product": names.product(plain_products[0]) if len(plain_products) == 1 else None,
            "applicable_product_tags": plain_tags or None,
            "override_specifiers": [_override_specifier(s) for s in override.specifiers],
            "multiplier": override.multiplier,
            "overwrite_rate": _rate(override.overwrite_rate, names)
            if override.overwrite_rate
            else None,
            "override_tiers": [
                _drop_none({"multiplier": t.multiplier, "size": t.size}) for t in override.tiers
            ]
            or None,
            "priority": override.priority,
            "entitled": override.entitled,
            "is_commit_specific": override.is_commit_specific,
            "target": override.target.value if override.is_commit_specific else None,
        }
    )


def render_scheduled_charge(charge: ScheduledCharge, names: Names) -> dict[str, Any]:
    return _drop_none(
        {
            "id": charge.id,
            "product": names.product(charge.product_id),
            "schedule": _invoice(charge.schedule, names),
            "name": charge.name,
            "custom_fields": dict(charge.custom_fields),
            "netsuite_sales_order_id": charge.netsuite_sales_order_id,
            "archived_at": charge.archived_at,
        }
    )


def _rounding(config: ProrationRoundingConfig | None) -> dict[str, Any] | None:
    if config is None:
        return None
    return {
        "decimal_places": config.decimal_places,
        "rounding_method": config.rounding_method.value,
    }


def _period(period: Period | None) -> dict[str, Any] | None:
    if period is None:
        return None
    return {"starting_at": period.starting_at, "ending_before": period.ending_before}


def quantity_schedule(
    subscription: Subscription, as_of: datetime | None = None
) -> list[dict[str, Any]]:
    """Each entry with its end (the next entry's start); with ``as_of``, current and future ones."""
    entries = subscription.quantity_schedule
    rendered = []
    for index, entry in enumerate(entries):
        nxt = (
            entries[index + 1].starting_at
            if index + 1 < len(entries)
            else subscription.ending_before
        )
        if as_of is not None and nxt is not None and nxt <= as_of:
            continue
        rendered.append(
            _drop_none(
                {"quantity": entry.quantity, "starting_at": entry.starting_at, "ending_before": nxt}
            )
        )
    return rendered


def render_subscription(
    subscription: Subscription, contract: Contract, names: Names, as_of: datetime
) -> dict[str, Any]:
    """The SDK's ``Subscription``, with billing periods around ``as_of``."""
    terms = subscription_terms_of(contract, subscription)
    periods = billing_periods_around(terms, as_of)
    return _drop_none(
        {
            "id": subscription.id,
            "billing_periods": _drop_none(
                {
                    "previous": _period(periods.previous),
                    "current": _period(periods.current),
                    "next": _period(periods.next),
                }
            ),
            "collection_schedule": subscription.collection_schedule.value,
            "created_at": subscription.created_at or contract.created_at,
            "proration": _drop_none(
                {
                    "invoice_behavior": subscription.invoice_behavior.value,
                    "is_prorated": subscription.is_prorated,
                    "rounding": _rounding(subscription.proration_rounding),
                }
            ),
            "quantity_management_mode": subscription.quantity_management_mode,
            "quantity_schedule": quantity_schedule(subscription, as_of),
            "starting_at": subscription.starting_at,
            "ending_before": subscription.ending_before,
            "subscription_rate": {
                "billing_frequency": subscription.billing_frequency.value,
                "product": names.product(subscription.product_id),
            },
            "billing_cycle_config": {
                "anchor_date": terms.anchor_date,
                "invoice_placement": subscription.invoice_placement.value,
            },
            "seat_config": (
                {"seat_group_key": subscription.seat_group_key}
                if subscription.seat_group_key
                else None
            ),
            "name": subscription.name,
            "description": subscription.description,
            "custom_fields": dict(subscription.custom_fields),
        }
    )


def render_recurring(item: RecurringCommit, contract: Contract, names: Names) -> dict[str, Any]:
    """The SDK's ``RecurringCommit`` / ``RecurringCredit``."""
    config = item.subscription_config
    invoice = None
    if item.invoice_unit_price is not None:
        invoice = {
            "credit_type_id": item.invoice_credit_type_id or item.access_credit_type_id,
            "quantity": item.invoice_quantity,
            "unit_price": item.invoice_unit_price,
        }
    rounding = _drop_none(
        {"access": _rounding(item.access_rounding), "invoice": _rounding(item.invoice_rounding)}
    )
    return _drop_none(
        {
            "id": item.id,
            "access_amount": _drop_none(
                {
                    "credit_type_id": item.access_credit_type_id,
                    "unit_price": item.access_unit_price,
                    "quantity": item.access_quantity,
                    "access_type": item.access_type.value,
                }
            ),
            "anchor_date": item.starting_at,
            "commit_duration": {"value": item.commit_duration, "unit": "PERIODS"},
            "priority": item.priority,
            "product": names.product(item.product_id),
            "rate_type": item.rate_type.value,
            "starting_at": item.starting_at,
            "ending_before": item.ending_before,
            "contract": {"id": contract.id},
            "applicable_product_ids": list(item.applicable_product_ids) or None,
            "applicable_product_tags": list(item.applicable_product_tags) or None,
            "specifiers": [_specifier(s) for s in item.specifiers] or None,
            "description": item.description,
            "name": item.name,
            "netsuite_sales_order_id": item.netsuite_sales_order_id,
            "invoice_amount": invoice,
            "proration": item.proration.value,
            "proration_rounding": rounding or None,
            "recurrence_frequency": (
                item.recurrence_frequency.value if item.recurrence_frequency else None
            ),
            "rollover_fraction": item.rollover_fraction,
            "subscription_config": (
                {
                    "subscription_id": config.subscription_id,
                    "allocation": config.allocation,
                    "apply_seat_increase_config": {
                        "is_prorated": config.apply_seat_increase_is_prorated
                    },
                }
                if config
                else None
            ),
        }
    )


# --- whole contracts --------------------------------------------------------------------------


def _usage_filter(contract: Contract) -> list[dict[str, Any]]:
    given = contract.usage_filter
    if given is None:
        return []
    return [
        {
            "group_key": given.group_key,
            "group_values": list(given.group_values),
            "starting_at": given.starting_at or contract.starting_at,
        }
    ]


def render_terms(contract: Contract, names: Names, as_of: datetime) -> dict[str, Any]:
    """The fields ``ContractV2``, the create response and v1 ``ContractWithoutAmendments``
    share."""
    recurring = [r for r in contract.recurring_commits if r.kind is not CommitKind.CREDIT]
    recurring_credits = [r for r in contract.recurring_commits if r.kind is CommitKind.CREDIT]
    settings = {key: value for key, value in contract.settings.items() if value is not None}
    return {
        **settings,
        "commits": [render_commit(c, contract, names) for c in contract.paid_commits],
        "credits": [render_commit(c, contract, names) for c in contract.credits],
        "created_at": contract.created_at,
        "created_by": contract.created_by,
        "overrides": [render_override(o, contract, names) for o in contract.overrides],
        "scheduled_charges": [
            render_scheduled_charge(c, names) for c in contract.scheduled_charges
        ],
        "starting_at": contract.starting_at,
        "ending_before": contract.ending_before,
        "transitions": [
            {
                "from_contract_id": t.from_contract_id,
                "to_contract_id": t.to_contract_id,
                "type": t.type.value,
            }
            for t in contract.transitions
        ],
        "usage_statement_schedule": {
            "billing_anchor_date": billing_anchor_of(contract),
            "frequency": contract.usage_statement_schedule.frequency.value,
        },
        "name": contract.name,
        "net_payment_terms_days": contract.net_payment_terms_days,
        "rate_card_id": contract.rate_card_id,
        "recurring_commits": [render_recurring(r, contract, names) for r in recurring],
        "recurring_credits": [render_recurring(r, contract, names) for r in recurring_credits],
        "scheduled_charges_on_usage_invoices": "ALL"
        if contract.scheduled_charges_on_usage_invoices
        else None,
    }


def render_v2(contract: Contract, names: Names, as_of: datetime) -> dict[str, Any]:
    """The SDK's ``ContractV2`` (also the create response's ``contract``, with ``package_id``)."""
    return _drop_none(
        {
            **render_terms(contract, names, as_of),
            "id": contract.id,
            "customer_id": contract.customer_id,
            "usage_filter": _usage_filter(contract),
            "archived_at": contract.archived_at,
            "custom_fields": dict(contract.custom_fields),
            "has_more": {"commits": False, "credits": False},
            "multiplier_override_prioritization": contract.multiplier_override_prioritization.value,
            "subscriptions": [
                render_subscription(s, contract, names, as_of) for s in contract.subscriptions
            ],
            "uniqueness_key": contract.uniqueness_key,
            "package_id": contract.package_id,
        }
    )


def _without_amendments(contract: Contract, names: Names, as_of: datetime) -> dict[str, Any]:
    data = render_terms(contract, names, as_of)
    if contract.usage_filter is not None:
        initial = _usage_filter(contract)[0]
        data["usage_filter"] = {"initial": initial, "current": initial, "updates": []}
    return _drop_none(data)


def render_v1(
    initial: Contract,
    current: Contract,
    amendments: Sequence[ContractEdit],
    names: Names,
    as_of: datetime,
) -> dict[str, Any]:
    """The SDK's v1 ``Contract``: ``initial`` and ``current`` terms, amendments."""
    return _drop_none(
        {
            "id": current.id,
            "customer_id": current.customer_id,
            "initial": _without_amendments(initial, names, as_of),
            "current": _without_amendments(current, names, as_of),
            "amendments": [render_amendment(a, current, names) for a in amendments],
            "archived_at": current.archived_at,
            "custom_fields": dict(current.custom_fields),
            "package_id": current.package_id,
            "scheduled_charges_on_usage_invoices": (
                "ALL" if current.scheduled_charges_on_usage_invoices else None
            ),
            "spend_trackers": current.settings.get("spend_trackers"),
            "spend_threshold_configuration": current.settings.get("spend_threshold_configuration"),
            "prepaid_balance_threshold_configuration": current.settings.get(
                "prepaid_balance_threshold_configuration"
            ),
            "subscriptions": [
                render_subscription(s, current, names, as_of) for s in current.subscriptions
            ],
            "uniqueness_key": current.uniqueness_key,
        }
    )


def render_amendment(edit: ContractEdit, contract: Contract, names: Names) -> dict[str, Any]:
    """A v1 amendment (an edit made through ``/v1/contracts/amend``)."""
    stamped = _stamped(contract, edit)
    return _drop_none(
        {
            "id": edit.id,
            "created_at": edit.created_at,
            "created_by": contract.created_by,
            "starting_at": edit.amendment_starting_at or edit.created_at,
            "commits": [
                render_commit(c, stamped, names) for c in edit.add_commits if not c.is_credit
            ],
            "credits": [render_commit(c, stamped, names) for c in edit.add_commits if c.is_credit],
            "overrides": [render_override(o, stamped, names) for o in edit.add_overrides],
            "scheduled_charges": [
                render_scheduled_charge(c, names) for c in edit.add_scheduled_charges
            ],
        }
    )


def _stamped(contract: Contract, edit: ContractEdit) -> Contract:
    created = {
        **contract.override_created_at,
        **{o.id: edit.created_at for o in edit.add_overrides},
    }
    return Contract(
        id=contract.id,
        customer_id=contract.customer_id,
        starting_at=contract.starting_at,
        created_at=contract.created_at,
        override_created_at=MappingProxyType(created),
    )
