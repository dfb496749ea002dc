"""Every balance a contract's invoice may draw on, as segments.

Contract-level commits and credits, the children of its recurring commits and credits up to
the invoice's end, and the customer-level ones that apply to the contract (contract-level
first at equal priority, see ``order``). ``drawn_before`` maps a segment id to what earlier
invoices and ledger entries took from it (negative: a manual entry added to it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from meterbill.core.contracts.terms import (
    Commit,
    Contract,
    QuantityEntry,
    Subscription,
    SubscriptionConfig,
)
from meterbill.core.drawdown.applicability import ProductFacts, applicable_product_count
from meterbill.core.drawdown.recurring import expand_recurring
from meterbill.core.drawdown.segments import BalanceLevel, BalanceSegment, segments_of
from meterbill.core.periods import Cadence
from meterbill.core.statement_schedule import UsageStatementSchedule, statement_cadence

__all__ = ["balance_segments", "contract_commits", "statement_cadence_of"]


def statement_cadence_of(contract: Contract) -> Cadence:
    """The contract's usage statement cadence (recurring commits without a frequency follow it)."""
    config = contract.usage_statement_schedule
    schedule = UsageStatementSchedule(
        frequency=config.frequency,
        contract_starting_at=contract.starting_at,
        contract_ending_before=contract.ending_before,
        day=config.day,
        billing_anchor_date=config.billing_anchor_date,
        invoice_generation_starting_at=config.invoice_generation_starting_at,
    )
    return statement_cadence(schedule)


def contract_commits(contract: Contract, until: datetime) -> tuple[Commit, ...]:
    """The contract's commits and credits, then its recurring children starting before
    ``until`` (their ordinal is the parent's)."""
    children = tuple(
        child
        for recurring in contract.recurring_commits
        for child in expand_recurring(
            recurring,
            until=until,
            statement_cadence=statement_cadence_of(contract),
            seats=_seats(contract.subscriptions, recurring.subscription_config),
        )
    )
    return (*contract.commits, *children)


def _seats(
    subscriptions: Sequence[Subscription], config: SubscriptionConfig | None
) -> tuple[QuantityEntry, ...]:
    if config is None:
        return ()
    for subscription in subscriptions:
        if subscription.id == config.subscription_id:
            return subscription.quantity_schedule
    return ()


def balance_segments(
    contract: Contract,
    until: datetime,
    *,
    customer_commits: Iterable[Commit] = (),
    drawn_before: Mapping[str, Decimal] | None = None,
    products: Iterable[ProductFacts] = (),
) -> tuple[BalanceSegment, ...]:
    """Every segment the contract's invoices up to ``until`` may draw on, at its remaining."""
    catalog = tuple(products)
    drawn = drawn_before or {}
    found: list[BalanceSegment] = []
    levels = (
        (contract_commits(contract, until), BalanceLevel.CONTRACT, contract.id),
        (tuple(customer_commits), BalanceLevel.CUSTOMER, None),
    )
    for commits, level, contract_id in levels:
        for commit in commits:
            for segment in segments_of(commit, level=level, contract_id=contract_id, drawn=drawn):
                count = applicable_product_count(segment, catalog)
                found.append(replace(segment, applicable_product_count=count))
    return tuple(found)
