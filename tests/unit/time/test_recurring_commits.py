"""Recurring commits and credits: children per period, access windows, proration."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import islice, pairwise
from typing import TypedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Cadence, Frequency, Period
from meterbill.core.proration import ProrationRounding
from meterbill.core.recurrence import (
    GeneratedCommit,
    ProrationMode,
    RecurringCommitTerms,
    iter_recurring_commits,
    recurring_commits_overlapping,
)
from meterbill.core.rounding import RoundingMethod, divide
from meterbill.core.statement_schedule import UsageStatementSchedule, statement_cadence

from ._helpers import hours, utc

MONTHLY_ON_THE_FIRST = Cadence.of(utc(2020, 1, 1), Frequency.MONTHLY)


class Amounts(TypedDict):
    access_unit_price: Decimal
    access_quantity: Decimal


TEN_DOLLARS: Amounts = {"access_unit_price": Decimal(1000), "access_quantity": Decimal(1)}


def children(terms: RecurringCommitTerms) -> list[GeneratedCommit]:
    return list(iter_recurring_commits(terms, MONTHLY_ON_THE_FIRST))


def test_starter_plan_credit_for_the_first_three_months() -> None:
    schedule = UsageStatementSchedule(Frequency.MONTHLY, utc(2025, 10, 1), utc(2026, 10, 1))
    terms = RecurringCommitTerms(utc(2025, 10, 1), ending_before=utc(2026, 1, 1), **TEN_DOLLARS)
    generated = list(iter_recurring_commits(terms, statement_cadence(schedule)))
    assert [(c.access.starting_at, c.access.ending_before) for c in generated] == [
        (utc(2025, 10, 1), utc(2025, 11, 1)),
        (utc(2025, 11, 1), utc(2025, 12, 1)),
        (utc(2025, 12, 1), utc(2026, 1, 1)),
    ]
    assert [c.access_amount for c in generated] == [Decimal(1000)] * 3
    assert not any(c.is_prorated for c in generated)


def test_a_mid_month_start_prorates_the_first_and_last_children_by_default() -> None:
    terms = RecurringCommitTerms(utc(2024, 1, 16), ending_before=utc(2024, 4, 16), **TEN_DOLLARS)
    first, february, march, last = children(terms)
    assert first.period == Period(utc(2024, 1, 16), utc(2024, 2, 1))
    assert first.fraction == Fraction(16, 31)
    assert first.access_amount == divide(Decimal(16000), 31)
    assert february.access_amount == march.access_amount == Decimal(1000)
    assert last.period == Period(utc(2024, 4, 1), utc(2024, 4, 16))
    assert last.fraction == Fraction(1, 2)  # 15 of 30 days
    assert last.access_amount == Decimal(500)


def test_proration_rounding_applies_to_prorated_children_only() -> None:
    terms = RecurringCommitTerms(
        utc(2024, 1, 16),
        ending_before=utc(2024, 3, 1),
        access_unit_price=Decimal("1000.5"),
        access_quantity=Decimal(1),
        access_rounding=ProrationRounding(0, RoundingMethod.HALF_UP),
    )
    first, february = children(terms)
    assert first.access_amount == Decimal(516)  # 1000.5 * 16/31 = 516.38...
    assert february.access_amount == Decimal("1000.5")


@pytest.mark.parametrize(
    ("mode", "first_fraction", "last_fraction"),
    [
        (ProrationMode.NONE, Fraction(1), Fraction(1)),
        (ProrationMode.FIRST, Fraction(16, 31), Fraction(1)),
        (ProrationMode.LAST, Fraction(1), Fraction(1, 2)),
        (ProrationMode.FIRST_AND_LAST, Fraction(16, 31), Fraction(1, 2)),
    ],
)
def test_the_proration_mode_picks_which_ends_are_prorated(
    mode: ProrationMode, first_fraction: Fraction, last_fraction: Fraction
) -> None:
    terms = RecurringCommitTerms(
        utc(2024, 1, 16), ending_before=utc(2024, 4, 16), proration=mode, **TEN_DOLLARS
    )
    generated = children(terms)
    assert (generated[0].fraction, generated[-1].fraction) == (first_fraction, last_fraction)


def test_a_single_partial_child_can_be_cut_at_both_ends() -> None:
    terms = RecurringCommitTerms(utc(2024, 4, 6), ending_before=utc(2024, 4, 21), **TEN_DOLLARS)
    (only,) = children(terms)
    assert only.fraction == Fraction(1, 2)
    first_only = RecurringCommitTerms(
        utc(2024, 4, 6),
        ending_before=utc(2024, 4, 21),
        proration=ProrationMode.FIRST,
        **TEN_DOLLARS,
    )
    assert children(first_only)[0].fraction == Fraction(25, 30)


def test_a_recurrence_frequency_aligns_children_with_the_item_start() -> None:
    terms = RecurringCommitTerms(
        utc(2024, 1, 16),
        ending_before=utc(2024, 4, 1),
        recurrence_frequency=Frequency.MONTHLY,
        **TEN_DOLLARS,
    )
    generated = list(iter_recurring_commits(terms))
    assert [c.period for c in generated] == [
        Period(utc(2024, 1, 16), utc(2024, 2, 16)),
        Period(utc(2024, 2, 16), utc(2024, 3, 16)),
        Period(utc(2024, 3, 16), utc(2024, 4, 1)),
    ]
    assert generated[0].fraction == 1
    assert generated[-1].fraction == Fraction(16, 31)


def test_weekly_and_daily_recurrence() -> None:
    weekly = RecurringCommitTerms(
        utc(2024, 1, 3), recurrence_frequency=Frequency.WEEKLY, **TEN_DOLLARS
    )
    assert next(iter_recurring_commits(weekly)).period == Period(utc(2024, 1, 3), utc(2024, 1, 10))
    daily = RecurringCommitTerms(
        utc(2024, 1, 3), recurrence_frequency=Frequency.DAILY, **TEN_DOLLARS
    )
    assert next(iter_recurring_commits(daily)).access == Period(utc(2024, 1, 3), utc(2024, 1, 4))


def test_commit_duration_gives_access_for_several_periods_clipped_at_the_end() -> None:
    terms = RecurringCommitTerms(
        utc(2024, 1, 1), ending_before=utc(2024, 4, 15), commit_duration=3, **TEN_DOLLARS
    )
    accesses = [c.access for c in children(terms)]
    assert accesses == [
        Period(utc(2024, 1, 1), utc(2024, 4, 1)),
        Period(utc(2024, 2, 1), utc(2024, 4, 15)),  # NOTE: clipped at ending_before
        Period(utc(2024, 3, 1), utc(2024, 4, 15)),
        Period(utc(2024, 4, 1), utc(2024, 4, 15)),
    ]


def test_commit_duration_from_a_stub_counts_the_stub_as_the_first_period() -> None:
    terms = RecurringCommitTerms(utc(2024, 1, 16), commit_duration=2, **TEN_DOLLARS)
    assert children_head(terms).access == Period(utc(2024, 1, 16), utc(2024, 3, 1))


def children_head(terms: RecurringCommitTerms) -> GeneratedCommit:
    return next(iter_recurring_commits(terms, MONTHLY_ON_THE_FIRST))


def test_the_invoice_amount_is_prorated_with_its_own_rounding() -> None:
    terms = RecurringCommitTerms(
        utc(2024, 4, 16),
        access_unit_price=Decimal(50),
        access_quantity=Decimal(1),
        invoice_unit_price=Decimal(3001),
        invoice_quantity=Decimal(1),
        access_rounding=ProrationRounding(0, RoundingMethod.CEILING),
        invoice_rounding=ProrationRounding(-2, RoundingMethod.FLOOR),
    )
    first = children_head(terms)
    assert first.fraction == Fraction(1, 2)
    assert first.access_amount == Decimal(25)
    assert first.invoice_amount == Decimal(1500)  # 1500.5 floored to a whole dollar of cents


def test_a_credit_has_no_invoice_amount() -> None:
    assert (
        children_head(RecurringCommitTerms(utc(2024, 4, 1), **TEN_DOLLARS)).invoice_amount is None
    )


def test_an_open_ended_item_is_bounded_by_the_window() -> None:
    terms = RecurringCommitTerms(utc(2024, 1, 16), **TEN_DOLLARS)
    window = Period(utc(2100, 6, 10), utc(2100, 8, 1))
    generated = recurring_commits_overlapping(terms, window, MONTHLY_ON_THE_FIRST)
    assert [c.period for c in generated] == [
        Period(utc(2100, 6, 1), utc(2100, 7, 1)),
        Period(utc(2100, 7, 1), utc(2100, 8, 1)),
    ]
    assert all(c.fraction == 1 for c in generated)


def test_a_window_starting_early_still_prorates_the_first_child() -> None:
    terms = RecurringCommitTerms(utc(2024, 1, 16), **TEN_DOLLARS)
    window = Period(utc(2023, 1, 1), utc(2024, 2, 2))
    first, _ = recurring_commits_overlapping(terms, window, MONTHLY_ON_THE_FIRST)
    assert first.fraction == Fraction(16, 31)


def test_without_a_recurrence_frequency_the_statement_cadence_is_required() -> None:
    with pytest.raises(DomainValidationError, match="cadence"):
        next(iter_recurring_commits(RecurringCommitTerms(utc(2024, 1, 1), **TEN_DOLLARS)))


@pytest.mark.parametrize(
    "bad",
    [
        {"commit_duration": 0},
        {"commit_duration": 1.5},
        {"invoice_unit_price": Decimal(1)},
        {"recurrence_frequency": Frequency.SEMI_ANNUAL},
        {"ending_before": utc(2024, 1, 1)},
    ],
)
def test_invalid_terms_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(DomainValidationError):
        RecurringCommitTerms(utc(2024, 1, 1), **TEN_DOLLARS, **bad)  # type: ignore[arg-type]


modes = st.sampled_from(list(ProrationMode))


@given(hours, hours, st.integers(1, 800), modes, st.sampled_from([None, *Frequency]))
def test_children_tile_the_item_window_and_only_the_ends_are_prorated(
    anchor: datetime, start: datetime, days: int, mode: ProrationMode, frequency: Frequency | None
) -> None:
    if frequency is Frequency.SEMI_ANNUAL:
        frequency = Frequency.ANNUAL
    end = start + timedelta(days=days)
    terms = RecurringCommitTerms(
        start, ending_before=end, proration=mode, recurrence_frequency=frequency, **TEN_DOLLARS
    )
    generated = list(iter_recurring_commits(terms, Cadence.of(anchor, Frequency.WEEKLY)))
    assert generated[0].period.starting_at == start
    assert generated[-1].period.ending_before == end
    for before, after in pairwise(generated):
        assert before.period.ending_before == after.period.starting_at
    assert all(c.fraction == 1 for c in generated[1:-1])
    assert all(0 < c.fraction <= 1 for c in generated)
    assert all(c.access.starting_at == c.period.starting_at for c in generated)
    assert all(c.access.ending_before <= end for c in generated)


@given(hours, st.integers(0, 5000))
def test_starting_from_any_window_gives_the_same_children(start: datetime, skip: int) -> None:
    terms = RecurringCommitTerms(start, recurrence_frequency=Frequency.WEEKLY, **TEN_DOLLARS)
    since = start + timedelta(hours=skip)
    from_start = list(islice(iter_recurring_commits(terms), skip // 168 + 2))
    resumed = next(iter_recurring_commits(terms, since=since))
    assert resumed in from_start
    assert resumed.period.contains(since)
