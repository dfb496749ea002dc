"""RFC 3339 timestamps as usage events carry them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_RFC3339 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?"
    r"(?:(?P<utc>[Zz])|(?P<sign>[+-])(?P<off_hour>[0-9]{2}):(?P<off_minute>[0-9]{2}))",
    re.ASCII,
)


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 date-time with a 4-digit year and an offset, returned in UTC.

    ``T`` may be lower case; ``Z`` or ``±hh:mm`` is required (naive times are refused);
    fractional seconds past the microsecond are truncated (``.123456789`` -> ``.123456``);
    leap seconds (``:60``) are refused. Raises ``ValueError`` with the reason.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError("must be an RFC 3339 date-time with a 4-digit year and a UTC offset")
    date = match["date"]
    fraction = match["fraction"]
    try:
        parts = (
            int(date[:4]),
            int(date[5:7]),
            int(date[8:]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
            int(fraction[:6].ljust(6, "0")) if fraction else 0,
        )
        if match["utc"]:
            return datetime(*parts, tzinfo=UTC)
        naive = datetime(*parts)  # noqa: DTZ001 - the offset is applied just below
        return naive.replace(tzinfo=_offset(match)).astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise ValueError(f"not a valid date-time ({error})") from None


def _offset(match: re.Match[str]) -> timezone:
    if match["utc"]:
        return UTC
    hours, minutes = int(match["off_hour"]), int(match["off_minute"])
    if hours > 23 or minutes > 59:
        raise ValueError("UTC offset out of range")
    sign = -1 if match["sign"] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
