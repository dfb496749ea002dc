"""Time views of a contract for the other areas: its statement schedule, subscription terms.

Pure functions over :class:`~meterbill.core.contracts.terms.Contract`.
"""

from __future__ import annotations

from datetime import datetime

from meterbill.core.contracts.terms import Contract, Subscription
from meterbill.core.periods import Frequency
from meterbill.core.statement_schedule import UsageStatementSchedule, statement_anchor
from meterbill.core.subscription_periods import SubscriptionTerms

__all__ = ["billing_anchor_of", "statement_schedule_of", "subscription_terms_of"]


def statement_schedule_of(contract: Contract) -> UsageStatementSchedule:
    """The contract's usage statement schedule over its window."""
    config = contract.usage_statement_schedule
    return UsageStatementSchedule(
        frequency=config.frequency,
        contract_starting_at=contract.starting_at,
        contract_ending_before=contract.ending_before,
        day=config.day,
        billing_anchor_date=config.billing_anchor_date,
        invoice_generation_starting_at=config.invoice_generation_starting_at,
    )


def billing_anchor_of(contract: Contract) -> datetime:
    """Metronome's ``usage_statement_schedule.billing_anchor_date`` for the contract."""
    return statement_anchor(statement_schedule_of(contract))


def subscription_terms_of(contract: Contract, subscription: Subscription) -> SubscriptionTerms:
    """The subscription's time terms; the anchor defaults to the statement anchor."""
    anchor = subscription.billing_anchor_date or billing_anchor_of(contract)
    return SubscriptionTerms(
        starting_at=subscription.starting_at,
        billing_frequency=Frequency(subscription.billing_frequency.value),
        collection_schedule=subscription.collection_schedule,
        anchor_date=anchor,
        ending_before=subscription.ending_before,
        is_prorated=subscription.is_prorated,
        invoice_behavior=subscription.invoice_behavior,
    )
