"""Drawing balances against charges: applicability, windows, access types, rate types."""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.contracts.terms import (
    AccessType,
    BalanceRateType,
    CommitKind,
    CommitSpecifier,
)
from meterbill.core.drawdown import (
    ProductFacts,
    applicable_product_count,
    applies,
    draw_down,
)

from .builders import FEB, JAN, MAR, charge, segment, utc


def test_a_balance_pays_up_to_what_remains_and_the_rest_stays_payable() -> None:
    result = draw_down([charge("c", 150)], [segment("a", 100)])
    (application,) = result.applications
    assert application.drawn == Decimal(100)
    assert result.coverage[0].payable == Decimal(50)
    assert result.remaining["a-s"] == Decimal(0)


def test_a_charge_is_never_overpaid() -> None:
    result = draw_down([charge("c", 30)], [segment("a", 100), segment("b", 100)])
    assert [a.drawn for a in result.applications] == [Decimal(30)]
    assert result.remaining == {"a-s": Decimal(70), "b-s": Decimal(100)}


def test_balances_are_drawn_in_order_until_the_charge_is_covered() -> None:
    first = segment("first", 40, priority=Decimal(1))
    second = segment("second", 100, priority=Decimal(2))
    result = draw_down([charge("c", 90)], [second, first])
    assert [(a.commit_id, a.drawn) for a in result.applications] == [
        ("first", Decimal(40)),
        ("second", Decimal(50)),
    ]
    assert result.coverage[0].payable == Decimal(0)


def test_empty_applicability_covers_usage_but_not_subscriptions() -> None:
    assert applies(segment("a"), charge("u", 10))
    assert not applies(segment("a"), charge("s", 10, is_usage=False))


def test_product_ids_and_tags_match_any_listed() -> None:
    scoped = segment("a", applicable_product_ids=("p-x",), applicable_product_tags=("gpu",))
    assert applies(scoped, charge("x", 1))
    assert applies(scoped, charge("y", 1, product_tags=frozenset({"gpu", "eu"})))
    assert not applies(scoped, charge("z", 1))
    assert applies(scoped, charge("x", 1, is_usage=False))  # named explicitly


def test_specifiers_and_within_or_across() -> None:
    gpu_eu = CommitSpecifier(product_tags=("gpu",), pricing_group_values={"region": "eu"})
    cpu = CommitSpecifier(product_id="p-cpu")
    scoped = segment("a", specifiers=(gpu_eu, cpu))
    eu = {"region": "eu"}
    assert applies(scoped, charge("g", 1, product_tags=frozenset({"gpu"}), pricing_group_values=eu))
    assert not applies(scoped, charge("g", 1, product_tags=frozenset({"gpu"})))
    assert applies(scoped, charge("cpu", 1))


def test_a_segment_only_pays_usage_inside_its_window() -> None:
    february_only = segment("feb", starting_at=FEB, ending_before=MAR)
    assert not applies(february_only, charge("jan", 10))
    assert applies(february_only, charge("feb", 10, starting_at=FEB, ending_before=MAR))
    straddling = charge("x", 10, starting_at=utc(2026, 1, 15), ending_before=utc(2026, 2, 15))
    assert not applies(february_only, straddling)


def test_an_instant_charge_at_the_window_end_belongs_to_the_next_window() -> None:
    january = segment("jan", starting_at=JAN, ending_before=FEB)
    assert not applies(january, charge("c", 10, starting_at=FEB, ending_before=FEB))
    assert applies(january, charge("c", 10, starting_at=JAN, ending_before=JAN))


def test_a_balance_pays_only_its_own_pricing_unit() -> None:
    assert not applies(segment("a", credit_type_id="EUR"), charge("c", 10))


def test_quantity_access_draws_units_and_covers_their_money() -> None:
    units = segment("units", 60, access_type=AccessType.QUANTITY)
    result = draw_down([charge("c", 500, quantity=Decimal(100))], [units])
    (application,) = result.applications
    assert application.drawn == Decimal(60)
    assert application.quantity == Decimal(60)
    assert application.amount == Decimal(300)
    assert result.coverage[0].payable == Decimal(200)


def test_commit_rate_balance_draws_at_the_commit_rate() -> None:
    commit_rate = segment("cr", 1000, rate_type=BalanceRateType.COMMIT_RATE)
    usage = charge("c", 1000, quantity=Decimal(100), commit_rate_amount=Decimal(800))
    result = draw_down([usage], [commit_rate])
    # The balance loses 800; the invoice shows the 1000 line covered in full.
    assert (result.applications[0].drawn, result.applications[0].amount) == (800, 1000)
    assert result.coverage[0].payable == Decimal(0)


def test_commit_rate_balance_partly_covering_leaves_the_rest_at_list_rate() -> None:
    commit_rate = segment("cr", 400, rate_type=BalanceRateType.COMMIT_RATE)
    usage = charge("c", 1000, quantity=Decimal(100), commit_rate_amount=Decimal(800))
    result = draw_down([usage], [commit_rate])
    # 400 at the commit rate covers half the units; the other half stays payable at list.
    assert result.applications[0].quantity == Decimal(50)
    assert result.applications[0].amount == Decimal(500)
    assert result.coverage[0].payable == Decimal(500)


def test_commit_rate_without_a_commit_rate_falls_back_to_the_list_rate() -> None:
    commit_rate = segment("cr", 1000, rate_type=BalanceRateType.COMMIT_RATE)
    result = draw_down([charge("c", 300)], [commit_rate])
    assert result.applications[0].drawn == Decimal(300)


def test_a_custom_repricer_prices_commit_specific_rates() -> None:
    a = segment("a", 10_000, rate_type=BalanceRateType.COMMIT_RATE)
    usage = charge("c", 1000, quantity=Decimal(100), commit_rate_amount=Decimal(800))

    def negotiated(c: object, s: object) -> Decimal:
        return Decimal(720)  # commit A's override: 0.9 x the commit rate

    result = draw_down([usage], [a], negotiated)
    assert result.applications[0].drawn == Decimal(720)


def test_postpaid_applications_do_not_reduce_what_is_payable() -> None:
    prepaid = segment("pre", 100)
    postpaid = segment("post", 10_000, kind=CommitKind.POSTPAID)
    result = draw_down([charge("c", 250)], [postpaid, prepaid])
    assert [(a.commit_id, a.drawn) for a in result.applications] == [
        ("pre", Decimal(100)),
        ("post", Decimal(150)),
    ]
    coverage = result.coverage[0]
    assert (coverage.prepaid_applied, coverage.postpaid_applied) == (Decimal(100), Decimal(150))
    assert coverage.payable == Decimal(150)


def test_earlier_charges_draw_first() -> None:
    late = charge("late", 80, starting_at=FEB, ending_before=MAR)
    early = charge("early", 80)
    result = draw_down([late, early], [segment("a", 100, ending_before=MAR)])
    assert [(a.charge_id, a.drawn) for a in result.applications] == [
        ("early", Decimal(80)),
        ("late", Decimal(20)),
    ]


def test_negative_or_spent_balances_draw_nothing() -> None:
    result = draw_down([charge("c", 10)], [segment("a", 100, remaining=Decimal(-5))])
    assert result.applications == ()
    assert result.remaining["a-s"] == Decimal(-5)


def test_zero_and_negative_charges_draw_nothing() -> None:
    result = draw_down([charge("z", 0), charge("n", -10)], [segment("a", 100)])
    assert result.applications == ()
    assert {c.charge_id: c.payable for c in result.coverage} == {"z": 0, "n": -10}


def test_applicable_product_count_uses_the_catalog() -> None:
    catalog = [
        ProductFacts("p1", frozenset({"gpu"})),
        ProductFacts("p2", frozenset({"gpu"})),
        ProductFacts("p3"),
    ]
    assert applicable_product_count(segment("a", applicable_product_tags=("gpu",)), catalog) == 2
    assert applicable_product_count(segment("a", applicable_product_ids=("p3",)), catalog) == 1
    assert applicable_product_count(segment("a"), catalog) is None


def test_a_non_terminating_share_is_never_overstated() -> None:
    third = segment("a", 1, rate_type=BalanceRateType.COMMIT_RATE)
    usage = charge("c", 10, quantity=Decimal(1), commit_rate_amount=Decimal(3))
    result = draw_down([usage], [third])
    (application,) = result.applications
    assert application.drawn == Decimal(1)
    assert application.quantity * 3 <= Decimal(1)
    assert application.amount == Decimal("3.33333333333333333333")  # truncated, not rounded up
