"""Recurring commits and credits made concrete: one ``Commit`` per recurrence period.

The periods, access windows, proration and rounding come from ``meterbill.core.recurrence``;
this module turns each generated child into a :class:`Commit` with deterministic ids (the same
child always gets the same ids, so balances and ledgers can refer to it before it is stored).

Subscription-linked quantities (``subscription_config``): the quantity is the subscription's at
the child's period start. POOLED puts ``quantity x unit_price`` in one commit; INDIVIDUAL gives
each seat a commit of ``unit_price`` (decision: docs/decisions/balances-recurring.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import takewhile

from meterbill.core.contracts.terms import (
    USD_CENTS,
    AccessItem,
    AccessSchedule,
    Commit,
    CommitKind,
    InvoiceItem,
    InvoiceSchedule,
    ProrationRoundingConfig,
    QuantityEntry,
    RecurringCommit,
)
from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Cadence
from meterbill.core.proration import ProrationRounding
from meterbill.core.recurrence import (
    GeneratedCommit,
    RecurringCommitTerms,
    iter_recurring_commits,
    recurring_commits_overlapping,
)

__all__ = ["child_id", "expand_recurring", "quantity_at"]

_NAMESPACE = uuid.UUID("5b0c7f9e-2f43-4c55-9d3e-6a1c0e7d2b10")


def child_id(parent_id: str, period_start: datetime, part: str) -> str:
    """A stable id for a generated commit (``part`` tells commit, segment, invoice item apart)."""
    return str(uuid.uuid5(_NAMESPACE, f"{parent_id}/{period_start.isoformat()}/{part}"))


def quantity_at(schedule: Sequence[QuantityEntry], instant: datetime) -> Decimal:
    """The subscription quantity in force at ``instant`` (0 before the first entry)."""
    current = Decimal(0)
    for entry in sorted(schedule, key=lambda e: e.starting_at):
        if entry.starting_at > instant:
            break
        current = entry.quantity
    return current


def expand_recurring(
    recurring: RecurringCommit,
    *,
    until: datetime,
    statement_cadence: Cadence | None = None,
    seats: Sequence[QuantityEntry] = (),
) -> tuple[Commit, ...]:
    """The children of ``recurring`` whose period starts before ``until``, as commits.

    ``statement_cadence`` is the contract's usage statement cadence (needed without a
    ``recurrence_frequency``); ``seats`` is the linked subscription's quantity schedule.
    """
    base = _terms(recurring, recurring.access_quantity or Decimal(1))
    children = takewhile(
        lambda c: c.period.starting_at < until, iter_recurring_commits(base, statement_cadence)
    )
    return tuple(
        c for child in children for c in _commits(recurring, child, statement_cadence, seats)
    )


def _commits(
    recurring: RecurringCommit,
    child: GeneratedCommit,
    cadence: Cadence | None,
    seats: Sequence[QuantityEntry],
) -> Iterator[Commit]:
    config = recurring.subscription_config
    if config is None:
        yield _commit(recurring, child, "")
        return
    quantity = quantity_at(seats, child.period.starting_at)
    if config.allocation == "INDIVIDUAL":
        one = _regenerate(recurring, child, Decimal(1), cadence)
        for seat in range(int(quantity)):
            yield _commit(recurring, one, f"seat-{seat}")
        return
    if quantity > 0:
        yield _commit(recurring, _regenerate(recurring, child, quantity, cadence), "")


def _regenerate(
    recurring: RecurringCommit, child: GeneratedCommit, quantity: Decimal, cadence: Cadence | None
) -> GeneratedCommit:
    """The same child with another access quantity (proration rounds the product, not the unit)."""
    terms = _terms(recurring, quantity)
    return recurring_commits_overlapping(terms, child.period, cadence)[0]


def _terms(recurring: RecurringCommit, quantity: Decimal) -> RecurringCommitTerms:
    if recurring.access_quantity is None and recurring.subscription_config is None:
        raise DomainValidationError(
            "access_amount.quantity is required without subscription_config"
        )
    return RecurringCommitTerms(
        starting_at=recurring.starting_at,
        access_unit_price=recurring.access_unit_price,
        access_quantity=quantity,
        commit_duration=recurring.commit_duration,
        ending_before=recurring.ending_before,
        recurrence_frequency=recurring.recurrence_frequency,
        invoice_unit_price=recurring.invoice_unit_price,
        invoice_quantity=_invoice_quantity(recurring, quantity),
        proration=recurring.proration,
        access_rounding=_rounding(recurring.access_rounding),
        invoice_rounding=_rounding(recurring.invoice_rounding),
    )


def _invoice_quantity(recurring: RecurringCommit, quantity: Decimal) -> Decimal | None:
    if recurring.invoice_unit_price is None:
        return None
    if recurring.subscription_config is not None:
        return quantity
    return recurring.invoice_quantity


def _rounding(config: ProrationRoundingConfig | None) -> ProrationRounding | None:
    if config is None:
        return None
    return ProrationRounding(config.decimal_places, config.rounding_method)


def _commit(recurring: RecurringCommit, child: GeneratedCommit, part: str) -> Commit:
    start = child.period.starting_at
    access = AccessItem(
        child_id(recurring.id, start, f"access{part}"),
        child.access_amount,
        child.access.starting_at,
        child.access.ending_before,
    )
    return Commit(
        id=child_id(recurring.id, start, f"commit{part}"),
        kind=recurring.kind,
        product_id=recurring.product_id,
        access_schedule=AccessSchedule(
            (access,), recurring.access_credit_type_id, recurring.access_type
        ),
        invoice_schedule=_invoice(recurring, child, part),
        name=recurring.name,
        description=recurring.description,
        priority=recurring.priority,
        applicable_product_ids=recurring.applicable_product_ids,
        applicable_product_tags=recurring.applicable_product_tags,
        specifiers=recurring.specifiers,
        rate_type=recurring.rate_type,
        rollover_fraction=recurring.rollover_fraction,
        netsuite_sales_order_id=recurring.netsuite_sales_order_id,
        ordinal=recurring.ordinal,
        recurring_commit_id=recurring.id,
    )


def _invoice(
    recurring: RecurringCommit, child: GeneratedCommit, part: str
) -> InvoiceSchedule | None:
    """Prepaid children are invoiced at their period start, postpaid ones at their access end."""
    if recurring.kind is CommitKind.CREDIT or child.invoice_amount is None:
        return None
    when = (
        child.access.ending_before
        if recurring.kind is CommitKind.POSTPAID
        else child.period.starting_at
    )
    item = InvoiceItem(
        child_id(recurring.id, child.period.starting_at, f"invoice{part}"),
        when,
        child.invoice_amount,
    )
    return InvoiceSchedule((item,), recurring.invoice_credit_type_id or USD_CENTS)
