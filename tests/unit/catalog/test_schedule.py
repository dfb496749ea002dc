"""The rate schedule of a card: entries cut where a later one of the same kind takes over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.catalog import (
    CreditTypeConversion,
    Product,
    ProductState,
    ProductType,
    RateSelector,
    ScheduledRate,
    assemble_schedule,
    check_rate_for_product,
    rate_credit_type,
    select,
    selector_matches,
)
from meterbill.core.errors import DomainValidationError
from meterbill.core.pricing import BillingFrequency, Rate, RateEntry, RateType, Tier, rate_in_force

USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"


def at(month: int) -> datetime:
    return datetime(2026, month, 1, tzinfo=UTC)


def flat(
    price: str,
    start: datetime,
    end: datetime | None = None,
    product: str = "p",
    **extra: object,
) -> RateEntry:
    return RateEntry(
        product_id=product,
        starting_at=start,
        ending_before=end,
        rate=Rate(RateType.FLAT, price=Decimal(price)),
        **extra,  # type: ignore[arg-type]
    )


def spans(
    rates: tuple[ScheduledRate, ...],
) -> list[tuple[Decimal | None, datetime, datetime | None]]:
    return [(r.entry.rate.price, r.starting_at, r.ending_before) for r in rates]


def test_a_later_price_cuts_an_open_ended_one() -> None:
    schedule = assemble_schedule([flat("0.5", at(1)), flat("0.4", at(7))])
    assert spans(schedule) == [(Decimal("0.5"), at(1), at(7)), (Decimal("0.4"), at(7), None)]


def test_a_bounded_later_price_splits_the_earlier_one_in_two() -> None:
    schedule = assemble_schedule([flat("3", at(1)), flat("2", at(4), at(5))])
    assert spans(schedule) == [
        (Decimal(3), at(1), at(4)),
        (Decimal(2), at(4), at(5)),
        (Decimal(3), at(5), None),
    ]


def test_the_same_start_added_later_replaces_the_earlier_entry() -> None:
    schedule = assemble_schedule([flat("1", at(1)), flat("2", at(1))])
    assert spans(schedule) == [(Decimal(2), at(1), None)]


def test_different_groups_and_products_are_scheduled_independently() -> None:
    schedule = assemble_schedule(
        [
            flat("1", at(1)),
            flat("2", at(1), pricing_group_values={"region": "eu"}),
            flat("3", at(3), product="q"),
        ]
    )
    assert spans(schedule) == [
        (Decimal(1), at(1), None),
        (Decimal(2), at(1), None),
        (Decimal(3), at(3), None),
    ]


months = st.integers(1, 12).map(at)


@st.composite
def entries(draw: st.DrawFn) -> list[RateEntry]:
    found = []
    for index in range(draw(st.integers(1, 6))):
        start = draw(months)
        length = draw(st.none() | st.integers(1, 6))
        end = None if length is None else start + timedelta(days=31 * length)
        product = draw(st.sampled_from(["p", "q"]))
        found.append(flat(str(index), start, end, product=product))
    return found


@given(entries(), st.integers(0, 500).map(lambda d: at(1) + timedelta(days=d)))
def test_the_schedule_agrees_with_the_pricing_cores_rate_in_force(
    added: list[RateEntry], probe: datetime
) -> None:
    schedule = assemble_schedule(added)
    for product in ("p", "q"):
        holding = [r.entry for r in schedule if r.entry.product_id == product and r.holds(probe)]
        expected = rate_in_force(added, product, probe)
        assert holding == ([] if expected is None else [expected])


def test_selectors_match_product_tags_groups_and_frequency() -> None:
    entry = flat("1", at(1), pricing_group_values={"region": "eu", "tier": "gold"})
    tags = frozenset({"usage"})
    assert selector_matches(RateSelector(product_id="p"), entry, tags)
    assert not selector_matches(RateSelector(product_id="q"), entry, tags)
    assert selector_matches(RateSelector(product_tags=("x", "usage")), entry, tags)
    assert not selector_matches(RateSelector(pricing_group_values={"region": "eu"}), entry, tags)
    assert selector_matches(
        RateSelector(partial_pricing_group_values={"region": "eu"}), entry, tags
    )
    assert not selector_matches(
        RateSelector(billing_frequency=BillingFrequency.MONTHLY), entry, tags
    )
    rates = assemble_schedule([entry])
    assert select(rates, [], {}) == list(rates)
    assert select(rates, [RateSelector(product_id="q"), RateSelector(product_id="p")], {}) == list(
        rates
    )


def product(kind: ProductType, **fields: object) -> Product:
    state = ProductState(name="p", created_at=at(1), created_by="api", **fields)  # type: ignore[arg-type]
    return Product("p", kind, state)


def test_rate_types_must_suit_the_product_type() -> None:
    usage = product(ProductType.USAGE, billable_metric_id="m")
    check_rate_for_product(flat("1", at(1)), usage)
    percentage = RateEntry("p", at(1), Rate(RateType.PERCENTAGE, price=Decimal("0.1")))
    with pytest.raises(DomainValidationError, match=r"^rates\[2\]\.rate_type:"):
        check_rate_for_product(percentage, usage, "rates[2]")
    check_rate_for_product(percentage, product(ProductType.COMPOSITE, composite_tags=("x",)))


def test_tiers_need_a_final_open_band() -> None:
    usage = product(ProductType.USAGE, billable_metric_id="m")
    tiered = RateEntry(
        "p",
        at(1),
        Rate(RateType.TIERED, tiers=(Tier(Decimal(1), Decimal(10)), Tier(Decimal(2), Decimal(5)))),
    )
    with pytest.raises(DomainValidationError, match=r"^tiers\[1\]\.size:"):
        check_rate_for_product(tiered, usage)


def test_a_product_keeps_its_pricing_unit_on_a_card() -> None:
    tokens = [CreditTypeConversion("tokens", Decimal("0.25"))]
    first = flat("1", at(1))
    assert rate_credit_type(first, USD, tokens, []) == USD
    stored = RateEntry("p", at(1), Rate(RateType.FLAT, price=Decimal(1), credit_type_id=USD))
    in_tokens = RateEntry(
        "p", at(6), Rate(RateType.FLAT, price=Decimal(1), credit_type_id="tokens")
    )
    with pytest.raises(DomainValidationError, match=r"^credit_type_id:.*cannot change"):
        rate_credit_type(in_tokens, USD, tokens, [stored])
    assert rate_credit_type(in_tokens, USD, tokens, []) == "tokens"
    with pytest.raises(DomainValidationError, match=r"^credit_type_id:"):
        rate_credit_type(in_tokens, USD, [], [])
