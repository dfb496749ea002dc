"""Fixed charges: scheduled charges and prepaid commit purchases, and where they go.

Each invoice schedule item is a line at its ``timestamp``; ``do_not_invoice`` schedules are
not invoiced. With ``scheduled_charges_on_usage_invoices`` (ALL), items whose timestamp is a
usage statement period's ``ending_before`` go on that usage invoice; all others make
SCHEDULED invoices at their timestamp. Archived scheduled charges invoice nothing from their
archive instant on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from meterbill.core.contracts.terms import CommitKind, Contract
from meterbill.core.drawdown.thresholds import is_payment_failed
from meterbill.core.invoicing.inputs import BillingInputs
from meterbill.core.invoicing.model import LineItem, LineType
from meterbill.core.invoicing.schedule import statement_schedule
from meterbill.core.statement_schedule import statement_period_containing

_TICK = timedelta(microseconds=1)

FixedLine = tuple[datetime, LineItem]


def fixed_lines(inputs: BillingInputs) -> list[FixedLine]:
    """Every scheduled-charge and commit-purchase line of the contract, with its instant."""
    # --- balances: postpaid true-ups (settled against the drawdown when the invoice is computed)
    return [
        *_scheduled_charge_lines(inputs),
        *_commit_purchase_lines(inputs),
        *_postpaid_trueup_lines(inputs),
    ]


def on_usage_invoice(contract: Contract, timestamp: datetime) -> bool:
    """Whether a fixed charge at ``timestamp`` is consolidated onto a usage invoice."""
    if not contract.scheduled_charges_on_usage_invoices or timestamp <= contract.starting_at:
        return False
    period = statement_period_containing(statement_schedule(contract), timestamp - _TICK)
    return period is not None and period.ending_before == timestamp


def _scheduled_charge_lines(inputs: BillingInputs) -> Iterator[FixedLine]:
    for charge in inputs.contract.scheduled_charges:
        schedule = charge.schedule
        if schedule.do_not_invoice:
            continue
        product = inputs.products.get(charge.product_id)
        for item in schedule.items:
            if charge.archived_at is not None and item.timestamp >= charge.archived_at:
                continue
            state = product.state_at(item.timestamp) if product else None
            yield (
                item.timestamp,
                LineItem(
                    type=LineType.SCHEDULED,
                    name=charge.name or (state.name if state else charge.product_id),
                    total=item.amount,
                    credit_type_id=schedule.credit_type_id,
                    product_id=charge.product_id,
                    product_type="FixedProductListItem",
                    product_tags=state.tags if state else (),
                    quantity=item.quantity,
                    unit_price=item.price,
                    scheduled_charge_id=charge.id,
                    product_custom_fields=product.custom_fields if product else {},
                    custom_fields=charge.custom_fields,
                ),
            )


def _commit_purchase_lines(inputs: BillingInputs) -> Iterator[FixedLine]:
    """Prepaid commits: one line per invoice schedule item, at its amount."""
    return _commit_lines(inputs, CommitKind.PREPAID, LineType.COMMIT_PURCHASE, "PrepaidCommit")


# --- balances: postpaid true-ups ------------------------------------------------------------------


def _postpaid_trueup_lines(inputs: BillingInputs) -> Iterator[FixedLine]:
    """One line per postpaid commit at its invoice item, at the full commitment: the
    drawdown settles it to the shortfall (``balances.settle_trueups``)."""
    return _commit_lines(inputs, CommitKind.POSTPAID, LineType.POSTPAID_TRUEUP, "PostpaidCommit")


def _commit_lines(
    inputs: BillingInputs, kind: CommitKind, line_type: LineType, commit_type: str
) -> Iterator[FixedLine]:
    # --- balances: customer-level commits invoiced on this contract too ---
    for commit in (*inputs.contract.commits, *inputs.invoiced_commits):
        schedule = commit.invoice_schedule
        if commit.kind is not kind or schedule is None or schedule.do_not_invoice:
            continue
        if is_payment_failed(commit):  # thresholds: a failed gated purchase is voided
            continue
        product = inputs.products.get(commit.product_id)
        for item in schedule.items:
            state = product.state_at(item.timestamp) if product else None
            yield (
                item.timestamp,
                LineItem(
                    type=line_type,
                    name=commit.name or (state.name if state else commit.product_id),
                    total=item.amount,
                    credit_type_id=schedule.credit_type_id,
                    product_id=commit.product_id,
                    product_type="FixedProductListItem",
                    product_tags=state.tags if state else (),
                    quantity=item.quantity,
                    unit_price=item.price,
                    commit_id=commit.id,
                    commit_type=commit_type,
                    product_custom_fields=product.custom_fields if product else {},
                    custom_fields=commit.custom_fields,
                ),
            )
