"""Postpaid true-ups, rollover on renewal, recurring commits as concrete balances."""

from __future__ import annotations

from decimal import Decimal

import pytest

from meterbill.core.contracts.terms import (
    USD_CENTS,
    CommitKind,
    ProrationMode,
    QuantityEntry,
    RecurringCommit,
    SubscriptionConfig,
)
from meterbill.core.drawdown import (
    LedgerEntryType,
    expand_recurring,
    opening_entries,
    recharge_for,
    remaining_by_segment,
    roll_over,
    spend_threshold_charge,
    true_up,
    validate_recharge_config,
)
from meterbill.core.drawdown.thresholds import PaymentGate, RechargeConfig, ThresholdCommit
from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Cadence, Frequency

from .builders import APR, FEB, JAN, MAR, NEXT_YEAR, commit, utc

YEAR_END = NEXT_YEAR


def _postpaid(amount: int) -> object:
    return commit(
        "pp",
        [(amount, JAN, YEAR_END)],
        kind=CommitKind.POSTPAID,
        invoiced=[(amount, YEAR_END)],
    )


def test_postpaid_shortfall_is_trued_up_at_the_invoice_item() -> None:
    up = true_up(_postpaid(12_000_000), Decimal(10_000_000))  # type: ignore[arg-type]
    assert up is not None
    assert (up.amount, up.timestamp, up.invoice_item_id) == (Decimal(2_000_000), YEAR_END, "pp-i0")
    entry = up.ledger_entry("pp-s0", "inv", "k")
    assert (entry.type, entry.amount) == (
        LedgerEntryType.POSTPAID_COMMIT_TRUEUP,
        Decimal(-2_000_000),
    )


def test_postpaid_met_or_exceeded_needs_no_true_up() -> None:
    assert true_up(_postpaid(100), Decimal(100)) is None  # type: ignore[arg-type]
    assert true_up(_postpaid(100), Decimal(150)) is None  # type: ignore[arg-type]


def test_true_up_refuses_a_prepaid_commit() -> None:
    with pytest.raises(DomainValidationError):
        true_up(commit("c", [(1, JAN, APR)]), Decimal(0))


def test_rollover_moves_the_fraction_of_the_unused_balance_to_the_new_contract() -> None:
    old = commit("old", [(100_000, JAN, YEAR_END)], rollover_fraction=Decimal("0.5"))
    remaining = {"old-s0": Decimal(40_000)}
    rolled = roll_over(
        old,
        remaining,
        at=YEAR_END,
        new_contract_id="k2",
        new_commit_id="new",
        new_segment_id="new-s",
        access_ending_before=utc(2028, 1, 1),
    )
    assert rolled is not None
    (item,) = rolled.commit.access_schedule.items
    assert (item.amount, item.starting_at) == (Decimal(20_000), YEAR_END)
    assert rolled.commit.rolled_over_from == "old"
    assert rolled.commit.invoice_schedule is None
    (entry,) = rolled.entries
    assert (entry.type, entry.amount, entry.new_contract_id) == (
        LedgerEntryType.PREPAID_COMMIT_ROLLOVER,
        Decimal(-20_000),
        "k2",
    )


def test_no_rollover_without_a_fraction_or_a_balance() -> None:
    plain = commit("c", [(100, JAN, YEAR_END)])
    kwargs = {
        "at": YEAR_END,
        "new_contract_id": "k",
        "new_commit_id": "n",
        "new_segment_id": "s",
        "access_ending_before": utc(2028, 1, 1),
    }
    assert roll_over(plain, {"c-s0": Decimal(100)}, **kwargs) is None  # type: ignore[arg-type]
    spent = commit("c", [(100, JAN, YEAR_END)], rollover_fraction=Decimal(1))
    assert roll_over(spent, {"c-s0": Decimal(0)}, **kwargs) is None  # type: ignore[arg-type]


def test_a_segment_expired_before_the_transition_does_not_roll() -> None:
    old = commit("c", [(100, JAN, APR)], rollover_fraction=Decimal(1))
    assert (
        roll_over(
            old,
            remaining_by_segment(opening_entries(old)),
            at=YEAR_END,
            new_contract_id="k",
            new_commit_id="n",
            new_segment_id="s",
            access_ending_before=utc(2028, 1, 1),
        )
        is None
    )


def _recurring(**fields: object) -> RecurringCommit:
    values: dict[str, object] = {
        "id": "rc",
        "kind": CommitKind.CREDIT,
        "product_id": "p",
        "starting_at": JAN,
        "access_unit_price": Decimal(1000),
        "access_quantity": Decimal(2),
        "commit_duration": 1,
        "priority": Decimal(1),
        "recurrence_frequency": Frequency.MONTHLY,
    }
    values.update(fields)
    return RecurringCommit(**values)  # type: ignore[arg-type]


def test_recurring_credit_gives_one_balance_per_month_with_stable_ids() -> None:
    children = expand_recurring(_recurring(), until=APR)
    assert [c.access_schedule.items[0].amount for c in children] == [Decimal(2000)] * 3
    assert [c.access_schedule.items[0].starting_at for c in children] == [JAN, FEB, MAR]
    assert all(c.recurring_commit_id == "rc" for c in children)
    assert expand_recurring(_recurring(), until=APR) == children
    assert len({c.id for c in children}) == 3


def test_recurring_first_period_is_prorated() -> None:
    (child,) = expand_recurring(
        _recurring(starting_at=utc(2026, 1, 16, 12), recurrence_frequency=None),
        until=FEB,
        statement_cadence=Cadence.of(JAN, Frequency.MONTHLY),
    )
    # 15.5 of 31 days: half.
    assert child.access_schedule.items[0].amount == Decimal(1000)


def test_recurring_prepaid_commit_is_invoiced_at_each_period_start() -> None:
    children = expand_recurring(
        _recurring(
            kind=CommitKind.PREPAID,
            invoice_unit_price=Decimal(900),
            invoice_quantity=Decimal(2),
            proration=ProrationMode.NONE,
        ),
        until=MAR,
    )
    assert [
        (c.invoice_schedule.items[0].timestamp, c.invoice_schedule.items[0].amount)
        for c in children
        if c.invoice_schedule is not None
    ] == [(JAN, Decimal(1800)), (FEB, Decimal(1800))]


def test_pooled_subscription_quantity_sets_the_pool() -> None:
    seats = (QuantityEntry(JAN, Decimal(3)), QuantityEntry(FEB, Decimal(5)))
    config = SubscriptionConfig("sub", "POOLED")
    children = expand_recurring(
        _recurring(access_quantity=None, subscription_config=config), until=MAR, seats=seats
    )
    assert [c.access_schedule.items[0].amount for c in children] == [Decimal(3000), Decimal(5000)]


def test_individual_subscription_gives_each_seat_its_own_balance() -> None:
    seats = (QuantityEntry(JAN, Decimal(3)),)
    config = SubscriptionConfig("sub", "INDIVIDUAL")
    children = expand_recurring(
        _recurring(access_quantity=None, subscription_config=config), until=FEB, seats=seats
    )
    assert [c.access_schedule.items[0].amount for c in children] == [Decimal(1000)] * 3
    assert len({c.id for c in children}) == 3


def test_recharge_tops_the_balance_up_to_the_target() -> None:
    recharge = recharge_for(Decimal(800), Decimal(1000), Decimal(5000))
    assert recharge is not None
    assert (recharge.access_amount, recharge.invoice_amount) == (Decimal(4200), Decimal(4200))
    assert recharge_for(Decimal(1001), Decimal(1000), Decimal(5000)) is None


def test_recharge_with_a_discount_charges_the_payment_fraction() -> None:
    recharge = recharge_for(Decimal(0), Decimal(1000), Decimal(2000), Decimal("0.9"))
    assert recharge is not None
    assert (recharge.access_amount, recharge.invoice_amount) == (Decimal(2000), Decimal(1800))


def _recharge(threshold: int, recharge_to: int, credit_type: str = USD_CENTS) -> RechargeConfig:
    return RechargeConfig(
        commit=ThresholdCommit("p"),
        is_enabled=True,
        gate=PaymentGate.NONE,
        threshold_amount=Decimal(threshold),
        recharge_to_amount=Decimal(recharge_to),
        credit_type_id=credit_type,
    )


def test_recharge_minimums() -> None:
    validate_recharge_config(_recharge(500, 1500), "cfg")
    with pytest.raises(DomainValidationError, match=r"cfg\.threshold_amount"):
        validate_recharge_config(_recharge(499, 5000), "cfg")
    with pytest.raises(DomainValidationError, match=r"cfg\.recharge_to_amount"):
        validate_recharge_config(_recharge(1000, 1999), "cfg")
    # Custom pricing units: $5 and $10 become 5 and 10 units.
    validate_recharge_config(_recharge(5, 15, "tokens"), "cfg")
    with pytest.raises(DomainValidationError, match=r"cfg\.threshold_amount"):
        validate_recharge_config(_recharge(4, 15, "tokens"), "cfg")


def test_spend_threshold_bills_the_unbilled_spend_once_it_reaches_the_threshold() -> None:
    assert spend_threshold_charge(Decimal(999), Decimal(1000)) is None
    assert spend_threshold_charge(Decimal(1200), Decimal(1000)) == Decimal(1200)
