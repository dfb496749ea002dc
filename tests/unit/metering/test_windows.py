"""Usage windows: UTC-aligned, half-open, covering the range in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from meterbill.core.errors import DomainValidationError
from meterbill.core.metering import WindowSize, usage_windows

from .builders import DAY_1, DAY_2, DAY_3, at


def test_day_windows_run_midnight_to_midnight() -> None:
    assert usage_windows(DAY_1, DAY_3, WindowSize.DAY) == ((DAY_1, DAY_2), (DAY_2, DAY_3))


def test_hour_windows_cover_the_range() -> None:
    windows = usage_windows(DAY_1, DAY_2, WindowSize.HOUR)
    assert len(windows) == 24
    assert windows[0] == (DAY_1, at(DAY_1, 1))
    assert windows[-1] == (at(DAY_1, 23), DAY_2)


def test_none_is_one_window_and_accepts_any_bounds() -> None:
    start, end = at(DAY_1, 3, 17), at(DAY_2, 5)
    assert usage_windows(start, end, WindowSize.NONE) == ((start, end),)


def test_bounds_are_returned_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    start = datetime(2024, 3, 1, 1, tzinfo=paris)
    ((window_start, _),) = usage_windows(start, DAY_2, WindowSize.DAY)
    assert window_start == DAY_1
    assert window_start.tzinfo == UTC


@pytest.mark.parametrize(
    ("size", "start", "end", "field"),
    [
        (WindowSize.DAY, at(DAY_1, 1), DAY_2, "starting_at"),
        (WindowSize.DAY, DAY_1, at(DAY_2, 1), "ending_before"),
        (WindowSize.HOUR, at(DAY_1, 1, 30), DAY_2, "starting_at"),
        (WindowSize.NONE, DAY_2, DAY_2, "ending_before"),
        (WindowSize.NONE, DAY_2, DAY_1, "ending_before"),
        (WindowSize.NONE, DAY_1.replace(tzinfo=None), DAY_2, "starting_at"),
    ],
)
def test_bad_ranges_are_refused_naming_the_bound(
    size: WindowSize, start: datetime, end: datetime, field: str
) -> None:
    with pytest.raises(DomainValidationError) as caught:
        usage_windows(start, end, size)
    assert caught.value.message.startswith(f"{field}:")
