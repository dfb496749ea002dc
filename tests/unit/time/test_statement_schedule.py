"""Usage statement periods: stubs, truncation, anchors, bounded iteration."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice, pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Frequency, Period
from meterbill.core.statement_schedule import (
    StatementDay,
    UsageStatementSchedule,
    invoiced_periods_overlapping,
    iter_statement_periods,
    statement_anchor,
    statement_period_containing,
    statement_periods_overlapping,
)

from ._helpers import hours, utc

M, Q, A, W = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL, Frequency.WEEKLY


def spans(periods: list[Period]) -> list[tuple[datetime, datetime]]:
    return [(p.starting_at, p.ending_before) for p in periods]


def test_first_of_month_gives_a_stub_then_calendar_months_then_a_truncated_last() -> None:
    schedule = UsageStatementSchedule(M, utc(2024, 1, 15), utc(2024, 4, 10))
    assert spans(list(iter_statement_periods(schedule))) == [
        (utc(2024, 1, 15), utc(2024, 2, 1)),
        (utc(2024, 2, 1), utc(2024, 3, 1)),
        (utc(2024, 3, 1), utc(2024, 4, 1)),
        (utc(2024, 4, 1), utc(2024, 4, 10)),
    ]


def test_first_of_month_is_the_default_and_anchors_at_midnight_on_the_first() -> None:
    schedule = UsageStatementSchedule(M, utc(2024, 1, 15, 13))
    assert schedule.day is StatementDay.FIRST_OF_MONTH
    assert statement_anchor(schedule) == utc(2024, 1, 1)


def test_quarterly_from_a_mid_month_start_counts_quarters_from_the_start_month() -> None:
    schedule = UsageStatementSchedule(Q, utc(2024, 2, 15), utc(2025, 1, 1))
    assert spans(list(iter_statement_periods(schedule))) == [
        (utc(2024, 2, 15), utc(2024, 5, 1)),
        (utc(2024, 5, 1), utc(2024, 8, 1)),
        (utc(2024, 8, 1), utc(2024, 11, 1)),
        (utc(2024, 11, 1), utc(2025, 1, 1)),
    ]


def test_quarterly_contract_start_runs_from_the_start_instant() -> None:
    schedule = UsageStatementSchedule(
        Q, utc(2024, 11, 30, 6), utc(2025, 9, 1), day=StatementDay.CONTRACT_START
    )
    assert spans(list(iter_statement_periods(schedule))) == [
        (utc(2024, 11, 30, 6), utc(2025, 2, 28, 6)),  # NOTE: clamped in February
        (utc(2025, 2, 28, 6), utc(2025, 5, 30, 6)),  # back to the 30th: no drift
        (utc(2025, 5, 30, 6), utc(2025, 8, 30, 6)),
        (utc(2025, 8, 30, 6), utc(2025, 9, 1)),
    ]


def test_contract_start_on_the_31st_of_january_in_a_leap_year() -> None:
    schedule = UsageStatementSchedule(M, utc(2024, 1, 31), day=StatementDay.CONTRACT_START)
    assert spans(list(islice(iter_statement_periods(schedule), 3))) == [
        (utc(2024, 1, 31), utc(2024, 2, 29)),
        (utc(2024, 2, 29), utc(2024, 3, 31)),
        (utc(2024, 3, 31), utc(2024, 4, 30)),
    ]


def test_custom_date_follows_the_sdk_worked_example() -> None:
    schedule = UsageStatementSchedule(
        M, utc(2024, 9, 15), day=StatementDay.CUSTOM_DATE, billing_anchor_date=utc(2024, 9, 10)
    )
    assert spans(list(islice(iter_statement_periods(schedule), 3))) == [
        (utc(2024, 9, 15), utc(2024, 10, 10)),
        (utc(2024, 10, 10), utc(2024, 11, 10)),
        (utc(2024, 11, 10), utc(2024, 12, 10)),
    ]


def test_custom_date_after_the_start_gives_a_stub_up_to_the_anchor() -> None:
    schedule = UsageStatementSchedule(
        M, utc(2024, 9, 15), day=StatementDay.CUSTOM_DATE, billing_anchor_date=utc(2024, 9, 20)
    )
    assert next(iter_statement_periods(schedule)) == Period(utc(2024, 9, 15), utc(2024, 9, 20))


def test_custom_date_anchor_long_ago_on_the_31st_still_lands_on_month_ends() -> None:
    schedule = UsageStatementSchedule(
        M, utc(2024, 2, 10), day=StatementDay.CUSTOM_DATE, billing_anchor_date=utc(2021, 1, 31)
    )
    assert spans(list(islice(iter_statement_periods(schedule), 2))) == [
        (utc(2024, 2, 10), utc(2024, 2, 29)),
        (utc(2024, 2, 29), utc(2024, 3, 31)),
    ]


def test_custom_date_needs_an_anchor() -> None:
    with pytest.raises(DomainValidationError, match="billing_anchor_date"):
        UsageStatementSchedule(M, utc(2024, 1, 1), day=StatementDay.CUSTOM_DATE)


def test_weekly_first_of_month_runs_seven_days_from_the_first_of_the_start_month() -> None:
    schedule = UsageStatementSchedule(W, utc(2024, 1, 10))
    assert spans(list(islice(iter_statement_periods(schedule), 5))) == [
        (utc(2024, 1, 10), utc(2024, 1, 15)),
        (utc(2024, 1, 15), utc(2024, 1, 22)),
        (utc(2024, 1, 22), utc(2024, 1, 29)),
        (utc(2024, 1, 29), utc(2024, 2, 5)),  # NOTE: weeks do not realign to the 1st
        (utc(2024, 2, 5), utc(2024, 2, 12)),
    ]


def test_annual_first_of_month() -> None:
    schedule = UsageStatementSchedule(A, utc(2024, 2, 29), utc(2026, 6, 1))
    assert spans(list(iter_statement_periods(schedule))) == [
        (utc(2024, 2, 29), utc(2025, 2, 1)),
        (utc(2025, 2, 1), utc(2026, 2, 1)),
        (utc(2026, 2, 1), utc(2026, 6, 1)),
    ]


def test_a_contract_starting_on_a_boundary_has_no_stub() -> None:
    schedule = UsageStatementSchedule(M, utc(2024, 3, 1), utc(2024, 5, 1))
    assert spans(list(iter_statement_periods(schedule))) == [
        (utc(2024, 3, 1), utc(2024, 4, 1)),
        (utc(2024, 4, 1), utc(2024, 5, 1)),
    ]


def test_semi_annual_is_not_a_statement_frequency() -> None:
    with pytest.raises(DomainValidationError, match="frequency"):
        UsageStatementSchedule(Frequency.SEMI_ANNUAL, utc(2024, 1, 1))


def test_an_empty_contract_window_is_refused() -> None:
    with pytest.raises(DomainValidationError):
        UsageStatementSchedule(M, utc(2024, 1, 1), utc(2024, 1, 1))


def test_an_open_ended_contract_is_bounded_by_the_window() -> None:
    schedule = UsageStatementSchedule(M, utc(2020, 1, 15))
    window = Period(utc(2124, 3, 10), utc(2124, 5, 1))
    assert spans(statement_periods_overlapping(schedule, window)) == [
        (utc(2124, 3, 1), utc(2124, 4, 1)),
        (utc(2124, 4, 1), utc(2124, 5, 1)),
    ]


def test_a_window_before_the_contract_has_no_periods() -> None:
    schedule = UsageStatementSchedule(M, utc(2024, 1, 15))
    assert statement_periods_overlapping(schedule, Period(utc(2023, 1, 1), utc(2024, 1, 15))) == []


def test_the_period_containing_an_instant() -> None:
    schedule = UsageStatementSchedule(M, utc(2024, 1, 15), utc(2024, 4, 10))
    assert statement_period_containing(schedule, utc(2024, 1, 15)) == Period(
        utc(2024, 1, 15), utc(2024, 2, 1)
    )
    # NOTE: an instant at a period's ending_before belongs to the next period.
    assert statement_period_containing(schedule, utc(2024, 2, 1)) == Period(
        utc(2024, 2, 1), utc(2024, 3, 1)
    )
    assert statement_period_containing(schedule, utc(2024, 4, 9, 23)) == Period(
        utc(2024, 4, 1), utc(2024, 4, 10)
    )
    assert statement_period_containing(schedule, utc(2024, 4, 10)) is None
    assert statement_period_containing(schedule, utc(2024, 1, 14)) is None


def test_invoice_generation_start_leaves_history_out_and_cuts_a_straddling_period() -> None:
    schedule = UsageStatementSchedule(
        M, utc(2024, 1, 15), invoice_generation_starting_at=utc(2024, 3, 10)
    )
    window = Period(utc(2024, 1, 1), utc(2024, 5, 1))
    assert spans(invoiced_periods_overlapping(schedule, window)) == [
        (utc(2024, 3, 10), utc(2024, 4, 1)),
        (utc(2024, 4, 1), utc(2024, 5, 1)),
    ]


def test_invoice_generation_start_on_a_boundary_keeps_whole_periods() -> None:
    schedule = UsageStatementSchedule(
        M, utc(2024, 1, 15), invoice_generation_starting_at=utc(2024, 8, 1)
    )
    window = Period(utc(2024, 7, 1), utc(2024, 9, 1))
    assert spans(invoiced_periods_overlapping(schedule, window)) == [
        (utc(2024, 8, 1), utc(2024, 9, 1))
    ]


def test_without_invoice_generation_start_every_period_is_invoiced() -> None:
    schedule = UsageStatementSchedule(M, utc(2024, 1, 15))
    window = Period(utc(2024, 1, 1), utc(2024, 3, 1))
    assert invoiced_periods_overlapping(schedule, window) == statement_periods_overlapping(
        schedule, window
    )


days = st.sampled_from(list(StatementDay))
statement_frequencies = st.sampled_from([M, Q, A, W])


@given(statement_frequencies, days, hours, hours, st.integers(1, 3000))
def test_periods_tile_the_contract_window_with_no_gap_or_overlap(
    frequency: Frequency, day: StatementDay, anchor: datetime, start: datetime, length: int
) -> None:
    end = start + timedelta(days=length)
    schedule = UsageStatementSchedule(frequency, start, end, day=day, billing_anchor_date=anchor)
    periods = list(iter_statement_periods(schedule))
    assert periods[0].starting_at == start
    assert periods[-1].ending_before == end
    for before, after in pairwise(periods):
        assert before.ending_before == after.starting_at
    # Every period but the first starts on a cadence boundary.
    for inner in periods[1:]:
        assert statement_period_containing(schedule, inner.starting_at) == inner


@given(statement_frequencies, hours, hours, st.integers(1, 400))
def test_overlapping_periods_cover_exactly_the_window_inside_the_contract(
    frequency: Frequency, start: datetime, window_start: datetime, window_days: int
) -> None:
    schedule = UsageStatementSchedule(frequency, start)
    window = Period(window_start, window_start + timedelta(days=window_days))
    periods = statement_periods_overlapping(schedule, window)
    if window.ending_before <= start:
        assert periods == []
        return
    assert all(p.overlaps(window) for p in periods)
    assert periods[0].contains(max(window.starting_at, start))
    assert periods[-1].contains(window.ending_before - timedelta(microseconds=1))
