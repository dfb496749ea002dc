"""Properties of the drawdown (Hypothesis)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from meterbill.core.contracts.terms import AccessType, BalanceRateType, CommitKind
from meterbill.core.drawdown import (
    BalanceLevel,
    BalanceSegment,
    DrawableCharge,
    Drawdown,
    LedgerEntry,
    LedgerEntryType,
    deduction_entries,
    draw_down,
    drawdown_key,
    in_drawdown_order,
    remaining_by_segment,
)
from meterbill.core.rounding import exact_sum

from .builders import JAN, charge, segment

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
quantities = st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=3, allow_nan=False)
days = st.integers(min_value=0, max_value=364)


@st.composite
def segments(draw: st.DrawFn, index: int) -> BalanceSegment:
    start = draw(days)
    length = draw(st.integers(min_value=1, max_value=365))
    amount = draw(money)
    return segment(
        f"c{index}",
        amount,
        kind=draw(st.sampled_from(list(CommitKind))),
        starting_at=JAN + timedelta(days=start),
        ending_before=JAN + timedelta(days=start + length),
        remaining=draw(st.one_of(st.just(amount), money)),
        level=draw(st.sampled_from(list(BalanceLevel))),
        priority=draw(st.one_of(st.none(), st.integers(0, 3).map(Decimal))),
        zero_cost_basis=draw(st.booleans()),
        applicable_product_ids=draw(st.sampled_from([(), ("p-a",), ("p-a", "p-b")])),
        applicable_product_count=draw(st.one_of(st.none(), st.integers(1, 3))),
        access_type=draw(st.sampled_from(list(AccessType))),
        rate_type=draw(st.sampled_from(list(BalanceRateType))),
        ordinal=draw(st.integers(0, 3)),
        is_rollover=draw(st.booleans()),
    )


@st.composite
def charges(draw: st.DrawFn, index: int) -> DrawableCharge:
    start = draw(days)
    amount = draw(money)
    return charge(
        f"u{index:03}",
        amount,
        product_id=draw(st.sampled_from(["p-a", "p-b", "p-c"])),
        quantity=draw(quantities),
        commit_rate_amount=draw(st.one_of(st.none(), money)),
        starting_at=JAN + timedelta(days=start),
        ending_before=JAN + timedelta(days=start + 1),
    )


def _segment_lists() -> st.SearchStrategy[list[BalanceSegment]]:
    return (
        st.integers(0, 6).flatmap(lambda n: st.tuples(*(segments(i) for i in range(n)))).map(list)
    )


def _charge_lists() -> st.SearchStrategy[list[DrawableCharge]]:
    return st.integers(0, 8).flatmap(lambda n: st.tuples(*(charges(i) for i in range(n)))).map(list)


@given(_segment_lists(), _charge_lists())
@settings(max_examples=200)
def test_drawn_never_exceeds_a_balance_nor_the_usage_it_covers(
    balances: list[BalanceSegment], usage: list[DrawableCharge]
) -> None:
    result = draw_down(usage, balances)
    for s in balances:
        drawn = result.drawn_from(s.segment_id)
        assert drawn <= max(s.remaining, Decimal(0))
        assert result.remaining[s.segment_id] == s.remaining - drawn
    by_id = {c.id: c for c in usage}
    for coverage in result.coverage:
        c = by_id[coverage.charge_id]
        applied = [a for a in result.applications if a.charge_id == c.id]
        assert exact_sum(a.quantity for a in applied) <= c.quantity
        assert coverage.prepaid_applied + coverage.postpaid_applied <= coverage.billed
        assert all(a.drawn > 0 for a in applied)


@given(_segment_lists())
def test_the_drawdown_order_is_total(balances: list[BalanceSegment]) -> None:
    ordered = in_drawdown_order(balances)
    assert in_drawdown_order(reversed(balances)) == ordered
    keys = [drawdown_key(s) for s in ordered]
    assert all(a < b for a, b in pairwise(keys))


@given(_segment_lists(), _charge_lists())
def test_the_sum_of_ledger_entries_equals_the_balance(
    balances: list[BalanceSegment], usage: list[DrawableCharge]
) -> None:
    result = draw_down(usage, balances)
    opening = [
        LedgerEntry(
            s.commit_id,
            s.segment_id,
            LedgerEntryType.PREPAID_COMMIT_SEGMENT_START,
            s.remaining,
            s.starting_at,
        )
        for s in balances
    ]
    entries = opening + deduction_entries(result.applications, "inv", JAN)
    assert remaining_by_segment(entries) == {
        s.segment_id: result.remaining[s.segment_id] for s in balances
    }


def _in_batches(
    balances: list[BalanceSegment], usage: list[DrawableCharge], cuts: list[int]
) -> list[Drawdown]:
    ordered = sorted(usage, key=lambda c: (c.starting_at, c.ending_before, c.sequence, c.id))
    bounds = [0, *sorted(min(c, len(ordered)) for c in cuts), len(ordered)]
    results = []
    current = balances
    for lo, hi in pairwise(bounds):
        result = draw_down(ordered[lo:hi], current)
        results.append(result)
        current = [s.with_remaining(result.remaining[s.segment_id]) for s in current]
    return results


@given(_segment_lists(), _charge_lists(), st.lists(st.integers(0, 8), max_size=4))
def test_drawing_a_period_in_several_recomputations_gives_the_same_result(
    balances: list[BalanceSegment], usage: list[DrawableCharge], cuts: list[int]
) -> None:
    once = draw_down(usage, balances)
    batches = _in_batches(balances, usage, cuts)
    assert tuple(a for r in batches for a in r.applications) == once.applications
    assert tuple(c for r in batches for c in r.coverage) == once.coverage
    assert batches[-1].remaining == once.remaining
    # A draft recomputed from scratch with all of the period's usage is the final invoice.
    assert draw_down(list(reversed(usage)), balances) == once
