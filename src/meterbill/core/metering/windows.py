"""Usage windows: a half-open range cut into hours, days, or left whole.

Windows are aligned to UTC: DAY windows run midnight to midnight, HOUR windows hour to hour, so
an event's window is its timestamp truncated to the hour or day (SQL's ``date_trunc``). An event
at exactly a window's ``ending_before`` belongs to the next window (``decisions.md`` §2).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from meterbill.core.errors import DomainValidationError


class WindowSize(StrEnum):
    """Metronome's ``window_size``: NONE is one window for the whole range."""

    HOUR = "HOUR"
    DAY = "DAY"
    NONE = "NONE"


Window = tuple[datetime, datetime]
"""``(starting_at, ending_before)``, UTC, half-open."""

_STEP = {WindowSize.HOUR: timedelta(hours=1), WindowSize.DAY: timedelta(days=1)}


def usage_windows(
    starting_at: datetime, ending_before: datetime, window_size: WindowSize
) -> tuple[Window, ...]:
    """The consecutive windows covering ``[starting_at, ending_before)``, in order.

    Both bounds must be timezone-aware, ``starting_at < ending_before``, and for HOUR/DAY both
    bounds must fall on a UTC hour/midnight; otherwise :class:`DomainValidationError`.
    NONE accepts any bounds.
    """
    start, end = _check_range(starting_at, ending_before, window_size)
    if window_size is WindowSize.NONE:
        return ((start, end),)
    step = _STEP[window_size]
    count = (end - start) // step
    return tuple((start + i * step, start + (i + 1) * step) for i in range(count))


def window_start(timestamp: datetime, window_size: WindowSize, starting_at: datetime) -> datetime:
    """The start of the window holding ``timestamp`` (``starting_at`` itself for NONE).

    The caller checks that ``timestamp`` lies in the range; this only truncates.
    """
    utc = timestamp.astimezone(UTC)
    if window_size is WindowSize.HOUR:
        return utc.replace(minute=0, second=0, microsecond=0)
    if window_size is WindowSize.DAY:
        return utc.replace(hour=0, minute=0, second=0, microsecond=0)
    return starting_at.astimezone(UTC)


def _check_range(
    starting_at: datetime, ending_before: datetime, window_size: WindowSize
) -> tuple[datetime, datetime]:
    for name, bound in (("starting_at", starting_at), ("ending_before", ending_before)):
        if bound.utcoffset() is None:
            raise DomainValidationError(f"{name}: must include a timezone")
    start, end = starting_at.astimezone(UTC), ending_before.astimezone(UTC)
    if start >= end:
        raise DomainValidationError("ending_before: must be after starting_at")
    if window_size is not WindowSize.NONE:
        for name, bound in (("starting_at", start), ("ending_before", end)):
            if window_start(bound, window_size, start) != bound:
                unit = "midnight" if window_size is WindowSize.DAY else "hour"
                raise DomainValidationError(f"{name}: must fall on a UTC {unit}")
    return start, end
