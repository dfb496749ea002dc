"""The spec's worked examples (spec/metronome-semantics.md §8.4), on the pure core."""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.contracts.terms import CommitKind
from meterbill.core.drawdown import (
    balance_of,
    deduction_entries,
    draw_down,
    opening_entries,
    segments_of,
    true_up,
)

from .builders import APR, JAN, JUL, MAR, NEXT_YEAR, OCT, charge, commit, segment, utc


def test_enterprise_prepaid_120k_quarterly_leaves_9750_after_q1() -> None:
    c = commit(
        "enterprise",
        [
            (3_000_000, JAN, APR),
            (3_000_000, APR, JUL),
            (3_000_000, JUL, OCT),
            (3_000_000, OCT, NEXT_YEAR),
        ],
        invoiced=[(12_000_000, JAN)],
    )
    usage = [
        charge("compute", 2_000_000, starting_at=JAN, ending_before=APR),  # 200,000 h x 10c
        charge("storage", 25_000, starting_at=JAN, ending_before=APR),  # 5,000 GB x 5c
    ]
    result = draw_down(usage, segments_of(c))
    assert sum(a.amount for a in result.applications) == Decimal(2_025_000)
    assert sum(cov.payable for cov in result.coverage) == Decimal(0)
    entries = opening_entries(c) + deduction_entries(result.applications, "q1", APR)
    assert balance_of(segments_of(c), entries, utc(2026, 3, 31)) == Decimal(975_000)


def test_postpaid_120k_with_100k_usage_is_trued_up_20k() -> None:
    c = commit(
        "pp",
        [(12_000_000, JAN, NEXT_YEAR)],
        kind=CommitKind.POSTPAID,
        invoiced=[(12_000_000, NEXT_YEAR)],
    )
    usage = charge("all", 10_000_000, starting_at=JAN, ending_before=NEXT_YEAR)
    result = draw_down([usage], segments_of(c))
    assert result.coverage[0].payable == Decimal(10_000_000)  # usage is still paid
    up = true_up(c, result.drawn_from("pp-s0"))
    assert up is not None and up.amount == Decimal(2_000_000)


def test_free_credits_exhausted_mid_month_bill_the_rest() -> None:
    credit = segment("trial", 30_000, kind=CommitKind.CREDIT, zero_cost_basis=True)
    first_half = charge("h1", 30_000, ending_before=utc(2026, 1, 16))
    second_half = charge("h2", 30_000, starting_at=utc(2026, 1, 16))
    result = draw_down([second_half, first_half], [credit])
    assert [(c.charge_id, c.payable) for c in result.coverage] == [
        ("h1", Decimal(0)),
        ("h2", Decimal(30_000)),
    ]


def test_priority_then_expiry_decide_which_credit_burns() -> None:
    promo = segment("promo", 5_000, priority=Decimal(50), ending_before=MAR)
    topup_late = segment("topup-late", 5_000, priority=Decimal(90), ending_before=NEXT_YEAR)
    topup_soon = segment("topup-soon", 5_000, priority=Decimal(90), ending_before=APR)
    result = draw_down([charge("u", 8_000)], [topup_late, topup_soon, promo])
    assert [(a.commit_id, a.drawn) for a in result.applications] == [
        ("promo", Decimal(5_000)),
        ("topup-soon", Decimal(3_000)),
    ]


def test_a_commit_scoped_to_one_product_pays_only_that_product() -> None:
    scoped = segment(
        "gpu-only", 1_000_000, applicable_product_ids=("p-gpu",), applicable_product_count=1
    )
    general = segment("general", 1_000_000)
    result = draw_down([charge("gpu", 300), charge("cpu", 200)], [general, scoped])
    assert {(a.charge_id, a.commit_id) for a in result.applications} == {
        ("gpu", "gpu-only"),
        ("cpu", "general"),
    }
