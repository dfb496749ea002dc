"""Threshold billing core: recharge and spend-threshold commits, discounts, spend trackers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.contracts.terms import Contract
from meterbill.core.drawdown.thresholds import (
    PaymentGate,
    RechargeConfig,
    is_unusable,
    recharge_commit,
    recharge_config,
    recharge_for,
    settle_gate,
    spend_commit,
    spend_config,
    tracked_spend,
)
from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Period

JAN = Period(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
NOW = datetime(2026, 1, 10, tzinfo=UTC)
IDS = ("c", "a", "i")

_CONFIG = {
    "commit": {"product_id": "p", "duration": {"unit": "MONTHS", "value": 3}},
    "is_enabled": True,
    "payment_gate_config": {"payment_gate_type": "NONE"},
    "threshold_amount": Decimal(2000),
    "recharge_to_amount": Decimal(5000),
}


def _recharge(config: dict[str, object]) -> RechargeConfig | None:
    return recharge_config({"prepaid_balance_threshold_configuration": config})


cents = st.decimals(min_value=-10_000, max_value=10_000, places=4)


@given(cents)
def test_a_recharge_tops_a_non_negative_balance_up_to_recharge_to_exactly(balance: Decimal) -> None:
    due = recharge_for(balance, Decimal(2000), Decimal(5000))
    if balance > 2000:
        assert due is None
    else:
        assert due is not None
        assert max(balance, Decimal(0)) + due.access_amount == Decimal(5000)
        assert due.invoice_amount == due.access_amount


def test_the_recharge_commit_covers_the_period_and_lasts_its_duration_past_it() -> None:
    config = _recharge(_CONFIG)
    assert config is not None
    commit = recharge_commit(
        config, Decimal(1500), ids=IDS, period=JAN, now=NOW, tracked=Decimal(0), ordinal=3
    )
    assert commit is not None
    [item] = commit.access_schedule.items
    assert (item.amount, item.starting_at) == (Decimal(3500), JAN.starting_at)
    assert item.ending_before == datetime(2026, 5, 1, tzinfo=UTC)
    assert commit.invoice_schedule is not None
    [charge] = commit.invoice_schedule.items
    assert (charge.timestamp, charge.amount) == (NOW, Decimal(3500))
    assert commit.priority == Decimal(100)


def test_a_discount_applies_until_the_tracker_reaches_its_cap() -> None:
    config = _recharge(
        {
            **_CONFIG,
            "discount_configuration": {
                "payment_fraction": Decimal("0.85"),
                "cap": {"amount": Decimal(1000), "spend_tracker_alias": "t"},
            },
        }
    )
    assert config is not None
    paid = [
        recharge_commit(config, Decimal(0), ids=IDS, period=JAN, now=NOW, tracked=t, ordinal=1)
        for t in (Decimal(999), Decimal(1000))
    ]
    totals = [c.invoice_schedule.items[0].amount for c in paid if c and c.invoice_schedule]
    assert totals == [Decimal("4250.00"), Decimal(5000)]


def test_a_spend_commit_pays_exactly_the_outstanding_spend() -> None:
    config = spend_config(
        {
            "spend_threshold_configuration": {
                "commit": {"product_id": "p"},
                "is_enabled": True,
                "payment_gate_config": {"payment_gate_type": "EXTERNAL"},
                "threshold_amount": Decimal(5000),
            }
        }
    )
    assert config is not None and config.gate is PaymentGate.EXTERNAL
    args = {"ids": IDS, "window": JAN, "now": NOW, "tracked": Decimal(0), "ordinal": 1}
    assert spend_commit(config, Decimal("4999.99"), **args) is None  # type: ignore[arg-type]
    commit = spend_commit(config, Decimal("5000.01"), **args)  # type: ignore[arg-type]
    assert commit is not None
    assert commit.access_schedule.items[0].amount == Decimal("5000.01")
    assert is_unusable(commit)
    assert not is_unusable(settle_gate(commit, paid=True, at=NOW))
    failed = settle_gate(commit, paid=False, at=NOW)
    assert is_unusable(failed) and failed.archived_at == NOW


def test_a_tracker_counts_purchases_of_its_sources_inside_the_period() -> None:
    config = _recharge(_CONFIG)
    assert config is not None
    recharge = recharge_commit(
        config, Decimal(0), ids=IDS, period=JAN, now=NOW, tracked=Decimal(0), ordinal=1
    )
    assert recharge is not None
    tracker = {
        "alias": "t",
        "credit_type_id": recharge.credit_type_id,
        "applicable_spend_specifiers": [
            {"spend_type": "COMMIT_PURCHASE", "sources": ["THRESHOLD_RECHARGE"]}
        ],
    }
    contract = Contract(
        id="k",
        customer_id="u",
        starting_at=JAN.starting_at,
        created_at=JAN.starting_at,
        commits=(recharge,),
        settings=MappingProxyType({"spend_trackers": [tracker]}),
    )
    assert tracked_spend(contract, "t", JAN) == Decimal(5000)
    feb = Period(JAN.ending_before, datetime(2026, 3, 1, tzinfo=UTC))
    assert tracked_spend(contract, "t", feb) == 0
    assert tracked_spend(contract, "missing", JAN) == 0


def test_configurations_that_do_not_parse_are_refused_naming_the_field() -> None:
    with pytest.raises(DomainValidationError, match="payment_gate_type"):
        _recharge({**_CONFIG, "payment_gate_config": {"payment_gate_type": "STRIPE"}})
    with pytest.raises(DomainValidationError, match=r"commit\.product_id"):
        _recharge({**_CONFIG, "commit": {}})
