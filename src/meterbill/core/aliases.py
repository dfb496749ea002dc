"""Aliases over time (``spec/decisions.md`` §10): the window rules rate cards and packages share.

An alias window is ``[starting_at, ending_before)`` with ``None`` meaning unbounded on that
side. Resolving alias N at instant T picks the holder whose window holds T; windows of one alias
never overlap, and should they, the most recent assignment (highest ``sequence``) wins, as
Metronome documents. How a new holder cuts the previous one is each area's decision
(``core/catalog.py`` for rate cards, ``core/packages/aliases.py`` for packages).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar


class Window(Protocol):
    """Anything with an alias name and a half-open, possibly unbounded window."""

    @property
    def name(self) -> str: ...
    @property
    def starting_at(self) -> datetime | None: ...
    @property
    def ending_before(self) -> datetime | None: ...


H = TypeVar("H")


def holds(window: Window, at: datetime) -> bool:
    """Whether ``at`` falls in the window."""
    return (window.starting_at is None or window.starting_at <= at) and (
        window.ending_before is None or at < window.ending_before
    )


def overlap(a: Window, b: Window) -> bool:
    """Whether two windows share an instant (names are not compared)."""
    return _before(a.starting_at, b.ending_before) and _before(b.starting_at, a.ending_before)


def holder_at(holdings: Iterable[tuple[int, Window, H]], name: str, at: datetime) -> H | None:
    """The holder of alias ``name`` at ``at`` among ``(sequence, window, holder)``; the
    highest sequence wins should windows overlap. ``None`` when nobody holds it."""
    found = [(sequence, holder) for sequence, window, holder in holdings
             if window.name == name and holds(window, at)]  # fmt: skip
    return max(found, key=lambda pair: pair[0])[1] if found else None


def _before(start: datetime | None, end: datetime | None) -> bool:
    """``start < end`` where ``start`` None is -inf and ``end`` None is +inf."""
    return start is None or end is None or start < end
