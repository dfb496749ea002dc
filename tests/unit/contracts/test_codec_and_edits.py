"""The contract document codec round-trips exactly; edits apply as specified."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.contracts.codec import from_document, to_document
from meterbill.core.contracts.edits import (
    ContractEdit,
    QuantityUpdate,
    SubscriptionUpdate,
    apply_edit,
    change_end_date,
)
from meterbill.core.contracts.terms import (
    AccessItem,
    AccessSchedule,
    BillingFrequency,
    CollectionSchedule,
    Commit,
    CommitKind,
    Contract,
    InvoiceItem,
    InvoiceSchedule,
    Override,
    QuantityEntry,
    ScheduledCharge,
    Subscription,
)
from meterbill.core.errors import DomainValidationError
from meterbill.core.pricing import OverrideSpecifier, OverrideType
from meterbill.core.pricing.values import Rate, RateType


def at(month: int, day: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def sample(amount: Decimal = Decimal("12345678901234567.123456789012")) -> Contract:
    return Contract(
        id="c1",
        customer_id="cu1",
        starting_at=at(1),
        created_at=at(1),
        ending_before=at(1, year=2027),
        commits=(
            Commit(
                id="k1",
                kind=CommitKind.PREPAID,
                product_id="p1",
                access_schedule=AccessSchedule((AccessItem("a1", amount, at(1), at(7)),)),
                invoice_schedule=InvoiceSchedule((InvoiceItem("i1", at(1), Decimal("9.50")),)),
                priority=Decimal("1.5"),
                custom_fields=MappingProxyType({"team": "x"}),
            ),
        ),
        overrides=(
            Override(
                id="o1",
                starting_at=at(1),
                specifiers=(OverrideSpecifier(product_id="p2", commit_ids=frozenset({"k1"})),),
                type=OverrideType.OVERWRITE,
                overwrite_rate=Rate(RateType.FLAT, price=Decimal("0.001")),
                is_commit_specific=True,
            ),
        ),
        scheduled_charges=(
            ScheduledCharge("s1", "p1", InvoiceSchedule((InvoiceItem("i2", at(3), Decimal(7)),))),
        ),
        subscriptions=(
            Subscription(
                id="sub",
                product_id="p3",
                billing_frequency=BillingFrequency.MONTHLY,
                collection_schedule=CollectionSchedule.ADVANCE,
                starting_at=at(1),
                quantity_schedule=(QuantityEntry(at(1), Decimal(5)),),
            ),
        ),
        settings=MappingProxyType({"total_contract_value": Decimal("1.10"), "nested": {"a": [1]}}),
    )


def round_trip(contract: Contract) -> Contract:
    text = json.dumps(to_document(contract))
    result: Contract = from_document(Contract, json.loads(text))
    return result


def test_a_contract_document_round_trips_exactly() -> None:
    contract = sample()
    again = round_trip(contract)
    assert again == contract
    assert (
        again.commits[0].access_schedule.items[0].amount
        == contract.commits[0].access_schedule.items[0].amount
    )
    assert str(again.settings["total_contract_value"]) == "1.10"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=12))
def test_any_decimal_amount_survives_storage(amount: Decimal) -> None:
    again = round_trip(sample(amount))
    stored = again.commits[0].access_schedule.items[0].amount
    assert stored == amount and str(stored) == str(amount)


def edit(**fields: object) -> ContractEdit:
    return ContractEdit(id="e1", contract_id="c1", customer_id="cu1", created_at=at(2), **fields)  # type: ignore[arg-type]


def test_quantity_updates_apply_in_order_on_their_date() -> None:
    update = SubscriptionUpdate(
        "sub",
        quantity_updates=(
            QuantityUpdate(at(5, 21), quantity=Decimal(12)),
            QuantityUpdate(at(5, 21), quantity_delta=Decimal(-1)),
        ),
    )
    after = apply_edit(sample(), edit(update_subscriptions=(update,)))
    schedule = after.subscriptions[0].quantity_schedule
    assert [(e.starting_at, e.quantity) for e in schedule] == [(at(1), 5), (at(5, 21), 11)]


@pytest.mark.parametrize(
    ("update", "field"),
    [
        (QuantityUpdate(at(3), quantity_delta=Decimal(-6)), "quantity_delta"),
        (QuantityUpdate(at(3), quantity=Decimal(-1)), "quantity"),
        (QuantityUpdate(at(3), quantity_delta=Decimal(0)), "quantity_delta"),
        (QuantityUpdate(at(3)), "quantity_updates[0]"),
        (QuantityUpdate(at(1, year=2025), quantity=Decimal(1)), "starting_at"),
    ],
)
def test_impossible_quantity_updates_are_refused(update: QuantityUpdate, field: str) -> None:
    change = edit(update_subscriptions=(SubscriptionUpdate("sub", quantity_updates=(update,)),))
    with pytest.raises(DomainValidationError) as error:
        apply_edit(sample(), change)
    assert field in error.value.message


def test_unknown_ids_are_refused_naming_the_operation() -> None:
    with pytest.raises(DomainValidationError) as error:
        apply_edit(sample(), edit(archive_commits=("nope",)))
    assert error.value.message.startswith("archive_commits[0].id")
    with pytest.raises(DomainValidationError) as error:
        apply_edit(sample(), edit(archive_credits=("k1",)))  # k1 is a commit, not a credit
    assert error.value.message.startswith("archive_credits[0].id")


def test_moving_the_end_earlier_truncates_subscriptions_and_drops_later_charges() -> None:
    after = change_end_date(sample(), at(3))
    assert after.ending_before == at(3)
    assert after.subscriptions[0].ending_before == at(3)
    assert after.scheduled_charges[0].schedule.items == ()
    later = change_end_date(sample(), at(6, year=2027))
    assert later.subscriptions[0].ending_before is None
    assert len(later.scheduled_charges[0].schedule.items) == 1


def test_archiving_stamps_the_edit_time_and_removing_an_override_drops_it() -> None:
    after = apply_edit(sample(), edit(archive_commits=("k1",), remove_overrides=("o1",)))
    assert after.commits[0].archived_at == at(2)
    assert after.overrides == ()
