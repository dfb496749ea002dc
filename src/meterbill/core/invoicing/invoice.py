"""The invoice as a pure function of a contract's inputs, a key and an instant.

``compute_invoice(key, inputs, as_of)`` gives the same invoice for the same inputs, every
time; the services compute drafts with it on every read and persist what finalisation
decides. ``invoice_keys(inputs, as_of)`` lists the invoices that exist at ``as_of``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from meterbill.core.invoicing.balances import (
    ApplyBalances,
    BalanceContext,
    access_cuts,
    applied_lines,
    no_balances,
    settle_trueups,
)
from meterbill.core.invoicing.ids import invoice_id
from meterbill.core.invoicing.inputs import BillingInputs, UsageKey
from meterbill.core.invoicing.model import (
    Invoice,
    InvoiceKey,
    InvoiceStatus,
    InvoiceType,
    LineItem,
)
from meterbill.core.invoicing.schedule import scheduled_horizon, usage_keys
from meterbill.core.invoicing.scheduled import fixed_lines, on_usage_invoice
from meterbill.core.invoicing.subscriptions import (
    scheduled_subscription_lines,
    usage_invoice_subscription_lines,
)
from meterbill.core.invoicing.usage import usage_lines, usage_needed
from meterbill.core.periods import Period

_TICK = timedelta(microseconds=1)
_SECONDS_PER_DAY = 86400


def invoice_keys(inputs: BillingInputs, as_of: datetime) -> list[InvoiceKey]:
    """Every invoice of the contract that exists at ``as_of``: usage invoices of started
    periods, then scheduled invoices in time order (see ``schedule``)."""
    if inputs.contract.archived_at is not None and inputs.contract.archived_at <= as_of:
        return []
    return [*usage_keys(inputs, as_of), *_scheduled_keys(inputs, as_of)]


def _scheduled_keys(inputs: BillingInputs, as_of: datetime) -> list[InvoiceKey]:
    contract = inputs.contract
    moments: dict[tuple[datetime, str], None] = {}
    for timestamp, line in fixed_lines(inputs):
        if not on_usage_invoice(contract, timestamp):
            moments.setdefault((timestamp, line.credit_type_id), None)
    horizon = scheduled_horizon(contract, as_of)
    if horizon > contract.starting_at:
        window = Period(contract.starting_at, horizon)
        for timestamp, line in scheduled_subscription_lines(inputs, window):
            moments.setdefault((timestamp, line.credit_type_id), None)
    return [
        InvoiceKey(contract.id, InvoiceType.SCHEDULED, unit, moment, moment)
        for moment, unit in sorted(moments)
    ]


def usage_for(key: InvoiceKey, inputs: BillingInputs) -> tuple[UsageKey, ...]:
    """The usage aggregates :func:`compute_invoice` reads for ``key`` (none when SCHEDULED)."""
    if key.type is not InvoiceType.USAGE:
        return ()
    period = Period(key.starting_at, key.ending_before)
    # --- balances: usage is cut where a balance's access starts or ends ---
    return usage_needed(inputs, period, access_cuts(inputs.contract, period))


def charge_lines(key: InvoiceKey, inputs: BillingInputs) -> tuple[LineItem, ...]:
    """Every charge of the invoice for ``key`` before commits and credits, in its unit."""
    if key.type is InvoiceType.USAGE:
        period = Period(key.starting_at, key.ending_before)
        lines: tuple[LineItem, ...] = (
            *usage_lines(inputs, period, access_cuts(inputs.contract, period)),  # --- balances ---
            *usage_invoice_subscription_lines(inputs, period),
            *(
                line
                for timestamp, line in fixed_lines(inputs)
                if timestamp == period.ending_before
                and on_usage_invoice(inputs.contract, timestamp)
            ),
        )
    else:
        moment = key.starting_at
        window = Period(moment, moment + _TICK)
        lines = (
            *(
                line
                for timestamp, line in fixed_lines(inputs)
                if timestamp == moment and not on_usage_invoice(inputs.contract, timestamp)
            ),
            *(line for _, line in scheduled_subscription_lines(inputs, window)),
        )
    return tuple(line for line in lines if line.credit_type_id == key.credit_type_id)


def compute_invoice(
    key: InvoiceKey,
    inputs: BillingInputs,
    as_of: datetime,
    *,
    apply_balances: ApplyBalances = no_balances,
    balance_context: BalanceContext | None = None,
) -> Invoice:
    """The DRAFT invoice for ``key`` from ``inputs`` (usage already aggregated).

    Deterministic: the same arguments give an equal invoice (same id, same lines, same
    order). ``total`` is the exact sum of the line totals (postpaid applications excluded).
    """
    charges = charge_lines(key, inputs)
    context = balance_context or BalanceContext(inputs.contract, key, as_of)
    applications = apply_balances(charges, context)
    charges = settle_trueups(charges, applications, context)  # --- balances ---
    contract = inputs.contract
    issued_at = key.ending_before
    return Invoice(
        id=invoice_id(key),
        key=key,
        customer_id=contract.customer_id,
        status=InvoiceStatus.DRAFT,
        line_items=(*charges, *applied_lines(applications)),
        issued_at=issued_at,
        due_at=due_at(issued_at, contract.net_payment_terms_days),
        net_payment_terms_days=contract.net_payment_terms_days,
        contract_custom_fields=contract.custom_fields,
    )


def due_at(issued_at: datetime, net_payment_terms_days: Decimal | None) -> datetime | None:
    """``issued_at`` plus the net payment terms (whole or fractional days, exact to the
    microsecond), or None without terms."""
    if net_payment_terms_days is None:
        return None
    microseconds = int(net_payment_terms_days * _SECONDS_PER_DAY * 1_000_000)
    return issued_at + timedelta(microseconds=microseconds)
