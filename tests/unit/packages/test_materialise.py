"""A package materialised at a start date: every term at the offsets from that start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.contracts.terms import Contract, Transition, TransitionType
from meterbill.core.packages import AbsoluteWindow, Package, PackageOverride, materialise
from meterbill.core.periods import Offset, OffsetUnit, add_offset
from meterbill.core.pricing.overrides.model import OverrideSpecifier, OverrideType
from tests.unit.packages.builders import (
    INPUT_TOKENS,
    counter,
    full_package,
    months,
    starter_plan,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def provision(
    package: Package, starting_at: datetime, prefix: str = "id", **kwargs: object
) -> Contract:
    return materialise(
        package,
        contract_id=f"{prefix}-contract",
        customer_id="customer-1",
        starting_at=starting_at,
        rate_card_id="rate-card-1",
        id_factory=counter(prefix),
        created_at=NOW,
        **kwargs,  # type: ignore[arg-type]
    )


def _ids(contract: Contract) -> set[str]:
    found = {c.id for c in contract.commits}
    for commit in contract.commits:
        found |= {item.id for item in commit.access_schedule.items}
        if commit.invoice_schedule is not None:
            found |= {item.id for item in commit.invoice_schedule.items}
    found |= {r.id for r in contract.recurring_commits}
    found |= {o.id for o in contract.overrides}
    found |= {s.id for s in contract.subscriptions}
    for charge in contract.scheduled_charges:
        found.add(charge.id)
        found |= {item.id for item in charge.schedule.items}
    return found


def _id_count(contract: Contract) -> int:
    count = len(contract.commits) + len(contract.recurring_commits) + len(contract.overrides)
    count += len(contract.subscriptions) + len(contract.scheduled_charges)
    for commit in contract.commits:
        count += len(commit.access_schedule.items)
        count += len(commit.invoice_schedule.items) if commit.invoice_schedule else 0
    count += sum(len(c.schedule.items) for c in contract.scheduled_charges)
    return count


def test_the_starter_plan_provisioned_on_october_1st_runs_a_year_with_three_monthly_credits() -> (
    None
):
    contract = provision(starter_plan(), _utc(2025, 10, 1))
    assert contract.starting_at == _utc(2025, 10, 1)
    assert contract.ending_before == _utc(2026, 10, 1)
    assert contract.package_id == "pkg-starter"
    assert contract.name == "Starter Plan"
    assert contract.net_payment_terms_days == Decimal(15)
    (credit,) = contract.recurring_commits
    assert credit.starting_at == _utc(2025, 10, 1)
    assert credit.ending_before == _utc(2026, 1, 1)
    assert credit.access_unit_price * (credit.access_quantity or 0) == Decimal(1000)
    (subscription,) = contract.subscriptions
    assert subscription.starting_at == _utc(2025, 10, 1)
    assert subscription.ending_before == _utc(2026, 10, 1)
    assert subscription.quantity_schedule[0].quantity == Decimal(1)
    assert dict(subscription.custom_fields) == {"tier": "starter"}


def test_a_three_month_credit_from_january_31st_ends_april_30th() -> None:
    contract = provision(full_package(), _utc(2025, 1, 31))
    prepaid = contract.commits[0]
    first, second = prepaid.access_schedule.items
    assert (first.starting_at, first.ending_before) == (_utc(2025, 1, 31), _utc(2025, 4, 30))
    # NOTE: a segment ends at its own start plus its duration: Feb 28 + 1 month = Mar 28.
    assert (second.starting_at, second.ending_before) == (_utc(2025, 2, 28), _utc(2025, 3, 28))


def test_every_term_lands_on_its_absolute_dates() -> None:
    contract = provision(full_package(), _utc(2025, 3, 15, 9))
    prepaid, credit = contract.commits
    assert prepaid.invoice_schedule is not None
    (invoice,) = prepaid.invoice_schedule.items
    assert (invoice.timestamp, invoice.amount) == (_utc(2025, 3, 15, 9), Decimal(10000))
    assert credit.access_schedule.items[0].starting_at == _utc(2025, 3, 22, 9)
    assert credit.access_schedule.items[0].ending_before == _utc(2025, 6, 22, 9)
    (charge,) = contract.scheduled_charges
    assert charge.schedule.items[0].timestamp == _utc(2025, 4, 15, 9)
    assert charge.schedule.items[0].amount == Decimal(25000)
    discount, commit_rate = contract.overrides
    assert (discount.starting_at, discount.ending_before) == (
        _utc(2025, 4, 15, 9),
        _utc(2025, 6, 15, 9),
    )
    assert commit_rate.ending_before is None


def test_custom_fields_of_package_terms_are_copied_onto_the_contract_terms() -> None:
    contract = provision(full_package(), _utc(2025, 3, 1), custom_fields={"crm": "42"})
    assert dict(contract.custom_fields) == {"crm": "42"}
    assert dict(contract.commits[0].custom_fields) == {"deal": "q4"}
    assert dict(contract.scheduled_charges[0].custom_fields) == {"kind": "setup"}
    assert dict(contract.subscriptions[0].custom_fields) == {"tier": "starter"}


def test_commit_specific_overrides_name_the_new_commit_ids() -> None:
    contract = provision(full_package(), _utc(2025, 3, 1))
    (specifier,) = contract.overrides[1].specifiers
    assert specifier.commit_ids == frozenset({contract.commits[0].id})


def test_a_transition_points_at_the_new_contract() -> None:
    transition = Transition(TransitionType.RENEWAL, "old-contract", "")
    contract = provision(starter_plan(), _utc(2025, 3, 1), transition=transition)
    assert contract.transitions == (
        Transition(TransitionType.RENEWAL, "old-contract", "id-contract"),
    )


def test_an_absolute_override_is_clipped_to_the_contract_and_skipped_when_it_misses() -> None:
    january = PackageOverride(
        id="tpl-january",
        specifiers=(OverrideSpecifier(product_id=INPUT_TOKENS),),
        absolute=AbsoluteWindow(_utc(2026, 1, 1), _utc(2026, 2, 1)),
        type=OverrideType.MULTIPLIER,
        multiplier=Decimal("0.8"),
    )
    package = Package(id="pkg", name="p", created_at=NOW, duration=months(1), overrides=(january,))
    (inside,) = provision(package, _utc(2025, 12, 15)).overrides
    assert (inside.starting_at, inside.ending_before) == (_utc(2026, 1, 1), _utc(2026, 1, 15))
    (late,) = provision(package, _utc(2026, 1, 10)).overrides
    assert (late.starting_at, late.ending_before) == (_utc(2026, 1, 10), _utc(2026, 2, 1))
    assert provision(package, _utc(2026, 3, 1)).overrides == ()


# --- properties ------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2090, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
offsets = st.builds(
    Offset, st.sampled_from(list(OffsetUnit)), st.integers(min_value=0, max_value=40)
)


@given(starts)
def test_materialising_at_any_start_applies_exactly_the_offsets(start: datetime) -> None:
    package = full_package()
    contract = provision(package, start)
    assert contract.ending_before == add_offset(start, months(12))
    for template, made in zip(package.paid_commits, contract.commits, strict=False):
        for relative, item in zip(
            template.access_schedule.items, made.access_schedule.items, strict=True
        ):
            assert item.starting_at == add_offset(start, relative.starting_at_offset)
            assert item.ending_before == add_offset(item.starting_at, relative.duration)
    for charge_template, charge in zip(
        package.scheduled_charges, contract.scheduled_charges, strict=True
    ):
        for relative_item, item in zip(
            charge_template.schedule.items, charge.schedule.items, strict=True
        ):
            assert item.timestamp == add_offset(start, relative_item.date_offset)


@given(starts, offsets, offsets)
def test_any_offset_and_duration_give_a_window_of_exactly_those_offsets(
    start: datetime, starting_at_offset: Offset, duration: Offset
) -> None:
    window = Offset(duration.unit, duration.value + 1)
    override = PackageOverride(
        id="tpl",
        specifiers=(OverrideSpecifier(product_id=INPUT_TOKENS),),
        starting_at_offset=starting_at_offset,
        duration=window,
        type=OverrideType.MULTIPLIER,
        multiplier=Decimal(1),
    )
    package = Package(id="pkg", name="p", created_at=NOW, overrides=(override,))
    (made,) = provision(package, start).overrides
    assert made.starting_at == add_offset(start, starting_at_offset)
    assert made.ending_before == add_offset(made.starting_at, window)
    assert made.ending_before > made.starting_at


@given(starts, starts)
def test_two_provisions_of_one_package_share_no_ids(first: datetime, second: datetime) -> None:
    a = provision(full_package(), first, prefix="a")
    b = provision(full_package(), second, prefix="b")
    assert _ids(a).isdisjoint(_ids(b))
    assert len(_ids(a)) == _id_count(a)


@given(starts)
def test_materialisation_is_deterministic_given_the_id_factory(start: datetime) -> None:
    assert provision(full_package(), start) == provision(full_package(), start)


@given(starts)
def test_every_window_is_half_open_and_not_empty(start: datetime) -> None:
    contract = provision(full_package(), start)
    for commit in contract.commits:
        for item in commit.access_schedule.items:
            assert item.ending_before - item.starting_at >= timedelta(days=1)
    for subscription in contract.subscriptions:
        assert subscription.ending_before is not None
        assert subscription.starting_at < subscription.ending_before
