"""Periods, offsets, calendar arithmetic and cadences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import (
    Cadence,
    Frequency,
    Offset,
    OffsetUnit,
    Period,
    add_months,
    add_offset,
    ensure_utc,
)

from ._helpers import hours, utc

MONTH = OffsetUnit.MONTHS


# --- Period ---------------------------------------------------------------------------------


def test_a_period_refuses_naive_datetimes() -> None:
    with pytest.raises(DomainValidationError, match="timezone-aware"):
        Period(datetime(2024, 1, 1), utc(2024, 2, 1))  # noqa: DTZ001


def test_a_period_refuses_to_be_empty_or_reversed() -> None:
    with pytest.raises(DomainValidationError):
        Period(utc(2024, 1, 1), utc(2024, 1, 1))
    with pytest.raises(DomainValidationError):
        Period(utc(2024, 2, 1), utc(2024, 1, 1))


def test_a_period_normalises_other_offsets_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    p = Period(datetime(2024, 1, 1, 1, tzinfo=paris), utc(2024, 1, 2))
    assert p.starting_at == utc(2024, 1, 1)
    assert p.starting_at.tzinfo is UTC


def test_a_period_includes_its_start_and_excludes_its_end() -> None:
    p = Period(utc(2024, 1, 1), utc(2024, 2, 1))
    assert p.contains(utc(2024, 1, 1))
    assert p.contains(utc(2024, 1, 31, 23, 59))
    assert not p.contains(utc(2024, 2, 1))
    assert not p.contains(utc(2023, 12, 31, 23, 59))


def test_contains_refuses_a_naive_instant() -> None:
    with pytest.raises(DomainValidationError):
        Period(utc(2024, 1, 1), utc(2024, 2, 1)).contains(datetime(2024, 1, 5))  # noqa: DTZ001


def test_touching_periods_do_not_overlap() -> None:
    january = Period(utc(2024, 1, 1), utc(2024, 2, 1))
    february = Period(utc(2024, 2, 1), utc(2024, 3, 1))
    assert not january.overlaps(february)
    assert january.intersection(february) is None


def test_intersection_is_the_common_part() -> None:
    a = Period(utc(2024, 1, 1), utc(2024, 1, 20))
    b = Period(utc(2024, 1, 10), utc(2024, 2, 1))
    assert a.intersection(b) == Period(utc(2024, 1, 10), utc(2024, 1, 20))
    assert a.overlaps(b) and b.overlaps(a)


def test_duration_is_the_length() -> None:
    assert Period(utc(2024, 2, 1), utc(2024, 3, 1)).duration == timedelta(days=29)


def test_ensure_utc_refuses_a_non_datetime() -> None:
    with pytest.raises(DomainValidationError):
        ensure_utc("2024-01-01")  # type: ignore[arg-type]


# --- calendar arithmetic --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (utc(2023, 1, 31), 1, utc(2023, 2, 28)),  # clamp, common year
        (utc(2024, 1, 31), 1, utc(2024, 2, 29)),  # clamp, leap year
        (utc(2024, 1, 31), 2, utc(2024, 3, 31)),  # from the origin: no drift
        (utc(2024, 1, 31), 3, utc(2024, 4, 30)),
        (utc(2024, 3, 31), -1, utc(2024, 2, 29)),  # backwards clamps too
        (utc(2024, 11, 15, 13), 3, utc(2025, 2, 15, 13)),  # over a year end, time kept
        (utc(2024, 1, 15), -13, utc(2022, 12, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(
    start: datetime, months: int, expected: datetime
) -> None:
    assert add_months(start, months) == expected


def test_chaining_months_drifts_which_is_why_offsets_are_from_the_origin() -> None:
    chained = add_months(add_months(utc(2024, 1, 31), 1), 1)
    assert chained == utc(2024, 3, 29)
    assert add_offset(utc(2024, 1, 31), Offset(MONTH, 2)) == utc(2024, 3, 31)


@pytest.mark.parametrize(
    ("start", "offset", "expected"),
    [
        (utc(2024, 2, 29), Offset(OffsetUnit.YEARS, 1), utc(2025, 2, 28)),
        (utc(2024, 2, 29), Offset(OffsetUnit.YEARS, 4), utc(2028, 2, 29)),
        (utc(2024, 2, 28), Offset(OffsetUnit.DAYS, 1), utc(2024, 2, 29)),
        (utc(2023, 2, 28), Offset(OffsetUnit.DAYS, 1), utc(2023, 3, 1)),
        (utc(2024, 12, 30), Offset(OffsetUnit.WEEKS, 1), utc(2025, 1, 6)),
        (utc(2024, 1, 1), Offset(OffsetUnit.DAYS, -1), utc(2023, 12, 31)),
        (utc(2025, 10, 1), Offset(OffsetUnit.MONTHS, 12), utc(2026, 10, 1)),
    ],
)
def test_add_offset_worked_examples(start: datetime, offset: Offset, expected: datetime) -> None:
    assert add_offset(start, offset) == expected


def test_an_offset_value_must_be_an_integer() -> None:
    with pytest.raises(DomainValidationError):
        Offset(MONTH, 1.5)  # type: ignore[arg-type]
    with pytest.raises(DomainValidationError):
        Offset(MONTH, True)


def test_out_of_range_dates_are_a_validation_error() -> None:
    with pytest.raises(DomainValidationError):
        add_months(utc(9999, 12, 1), 1)
    with pytest.raises(DomainValidationError):
        add_offset(utc(9999, 12, 31), Offset(OffsetUnit.DAYS, 1))


@given(hours, st.sampled_from(list(OffsetUnit)), st.integers(-200, 200), st.integers(-200, 200))
def test_add_offset_is_monotone_in_its_value(
    start: datetime, unit: OffsetUnit, a: int, b: int
) -> None:
    low, high = sorted((a, b))
    assert add_offset(start, Offset(unit, low)) <= add_offset(start, Offset(unit, high))
    if unit is not OffsetUnit.DAYS and low < high:
        assert add_offset(start, Offset(unit, low)) < add_offset(start, Offset(unit, high))


@given(hours, st.integers(-500, 500))
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(start: datetime, n: int) -> None:
    moved = add_months(start, n)
    assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == n
    assert moved.day == start.day or (
        moved.day < start.day and (moved + timedelta(days=1)).day == 1
    )
    assert moved.time() == start.time()


# --- cadence --------------------------------------------------------------------------------


def test_a_monthly_cadence_from_the_31st_never_drifts() -> None:
    cadence = Cadence.of(utc(2024, 1, 31), Frequency.MONTHLY)
    assert [cadence.boundary(n) for n in range(-1, 4)] == [
        utc(2023, 12, 31),
        utc(2024, 1, 31),
        utc(2024, 2, 29),
        utc(2024, 3, 31),
        utc(2024, 4, 30),
    ]


def test_index_at_finds_the_period_holding_an_instant() -> None:
    cadence = Cadence.of(utc(2024, 1, 31), Frequency.MONTHLY)
    assert cadence.index_at(utc(2024, 2, 29)) == 1
    assert cadence.index_at(utc(2024, 2, 28, 23)) == 0
    assert cadence.period_at(utc(2024, 3, 1)) == Period(utc(2024, 2, 29), utc(2024, 3, 31))
    assert cadence.index_at(utc(2023, 12, 31)) == -1


def test_a_cadence_step_must_be_positive() -> None:
    with pytest.raises(DomainValidationError):
        Cadence(utc(2024, 1, 1), Offset(MONTH, 0))


def test_cadence_periods_are_lazy_for_an_open_window() -> None:
    periods = Cadence.of(utc(2024, 1, 1), Frequency.WEEKLY).periods(utc(2024, 1, 3), None)
    first, second = next(periods), next(periods)
    assert first == Period(utc(2024, 1, 3), utc(2024, 1, 8))
    assert second == Period(utc(2024, 1, 8), utc(2024, 1, 15))


frequencies = st.sampled_from(list(Frequency))


@given(hours, frequencies, hours, st.integers(1, 2000))
def test_cadence_periods_tile_a_window_without_gap_or_overlap(
    anchor: datetime, frequency: Frequency, start: datetime, length_days: int
) -> None:
    end = start + timedelta(days=length_days)
    periods = list(Cadence.of(anchor, frequency).periods(start, end))
    assert periods[0].starting_at == start
    assert periods[-1].ending_before == end
    for before, after in pairwise(periods):
        assert before.ending_before == after.starting_at


@given(hours, frequencies, hours)
def test_index_at_brackets_the_instant(anchor: datetime, frequency: Frequency, t: datetime) -> None:
    cadence = Cadence.of(anchor, frequency)
    n = cadence.index_at(t)
    assert cadence.boundary(n) <= t < cadence.boundary(n + 1)
