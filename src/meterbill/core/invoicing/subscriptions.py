"""Subscription lines: which charges of which subscription an invoice carries, priced.

The time core (``meterbill.core.subscription_periods``) says which windows are charged, at
what fraction, for how many units and when (``billed_at``); this module prices them with the
subscription rate in force at the billing period's start (overrides included) and places
them: ON_USAGE_INVOICE on the usage statement carrying ``billed_at``, ON_SCHEDULED_INVOICE on
a scheduled invoice at ``billed_at``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from meterbill.core.contracts.terms import Subscription
from meterbill.core.invoicing.inputs import BillingInputs
from meterbill.core.invoicing.model import LineItem, LineType
from meterbill.core.invoicing.schedule import statement_schedule
from meterbill.core.periods import Frequency, Period
from meterbill.core.pricing import Usage, price_usage, rate_in_force
from meterbill.core.proration import ProrationRounding, prorate
from meterbill.core.rounding import EXACT_CONTEXT
from meterbill.core.statement_schedule import statement_anchor
from meterbill.core.subscription_periods import (
    InvoicePlacement,
    QuantityChange,
    SubscriptionCharge,
    SubscriptionTerms,
    carrying_usage_statement,
    subscription_charges,
)

_TICK = timedelta(microseconds=1)


def subscription_terms(inputs: BillingInputs, subscription: Subscription) -> SubscriptionTerms:
    """The time terms of ``subscription`` (anchor defaults to the statement anchor)."""
    contract = inputs.contract
    anchor = subscription.billing_anchor_date or statement_anchor(statement_schedule(contract))
    return SubscriptionTerms(
        starting_at=subscription.starting_at,
        billing_frequency=Frequency(subscription.billing_frequency.value),
        collection_schedule=subscription.collection_schedule,
        anchor_date=anchor,
        ending_before=_end(subscription.ending_before, contract.ending_before),
        is_prorated=subscription.is_prorated,
        invoice_behavior=subscription.invoice_behavior,
    )


def _end(first: datetime | None, second: datetime | None) -> datetime | None:
    ends = [end for end in (first, second) if end is not None]
    return min(ends) if ends else None


def _charges(
    inputs: BillingInputs, subscription: Subscription, window: Period
) -> list[SubscriptionCharge]:
    terms = subscription_terms(inputs, subscription)
    if terms.ending_before is not None and terms.ending_before <= window.starting_at:
        return []
    changes = [QuantityChange(q.starting_at, q.quantity) for q in subscription.quantity_schedule]
    return subscription_charges(terms, changes, window)


def usage_invoice_subscription_lines(inputs: BillingInputs, period: Period) -> tuple[LineItem, ...]:
    """ON_USAGE_INVOICE charges carried by the statement ``period``."""
    schedule = statement_schedule(inputs.contract)
    window = Period(period.starting_at, period.ending_before + _TICK)
    lines: list[LineItem] = []
    for subscription in inputs.contract.subscriptions:
        if subscription.invoice_placement is not InvoicePlacement.ON_USAGE_INVOICE:
            continue
        for charge in _charges(inputs, subscription, window):
            if carrying_usage_statement(schedule, charge.billed_at) == period:
                lines.extend(_priced(inputs, subscription, charge))
    return tuple(lines)


def scheduled_subscription_lines(
    inputs: BillingInputs, window: Period
) -> Iterator[tuple[datetime, LineItem]]:
    """ON_SCHEDULED_INVOICE charges billed in ``window``, with their due instant."""
    for subscription in inputs.contract.subscriptions:
        if subscription.invoice_placement is not InvoicePlacement.ON_SCHEDULED_INVOICE:
            continue
        for charge in _charges(inputs, subscription, window):
            if window.contains(charge.billed_at):
                for line in _priced(inputs, subscription, charge):
                    yield charge.billed_at, line


def _priced(
    inputs: BillingInputs, subscription: Subscription, charge: SubscriptionCharge
) -> Iterator[LineItem]:
    at = charge.billing_period.period.starting_at
    frequency = subscription.billing_frequency
    entry = rate_in_force(
        inputs.rate_entries, subscription.product_id, at, billing_frequency=frequency
    )
    product = inputs.products.get(subscription.product_id)
    if entry is None or product is None:
        return
    state = product.state_at(at)
    usage = Usage(subscription.product_id, at, frozenset(state.tags), billing_frequency=frequency)
    priced = price_usage(
        entry,
        inputs.contract.overrides,
        usage,
        Decimal(1),
        prioritization=inputs.contract.multiplier_override_prioritization,
    )
    if not priced.entitled:
        return
    unit_price = priced.amount
    full = EXACT_CONTEXT.multiply(unit_price, charge.quantity)
    rounding = subscription.proration_rounding
    config = (
        None
        if rounding is None
        else ProrationRounding(rounding.decimal_places, rounding.rounding_method)
    )
    yield LineItem(
        type=LineType.SUBSCRIPTION,
        name=subscription.name or state.name,
        total=prorate(full, charge.fraction, config),
        credit_type_id=entry.rate.credit_type_id or inputs.fiat_credit_type_id,
        product_id=subscription.product_id,
        product_type="SubscriptionProductListItem",
        product_tags=state.tags,
        quantity=charge.quantity,
        unit_price=unit_price,
        starting_at=charge.service_period.starting_at,
        ending_before=charge.service_period.ending_before,
        subscription_id=subscription.id,
        is_prorated=charge.fraction != 1,
        product_custom_fields=product.custom_fields,
        custom_fields=subscription.custom_fields,
    )
