"""Package aliases over time (``spec/decisions.md`` §10).

An alias belongs to at most one package at any instant. A package taking an alias cuts every
other holder's overlapping window at the new window's ``starting_at``; a new window without
``starting_at`` takes the alias from its creation instant on (``taken_at``), so contracts
started earlier keep resolving to the package that held the alias then. A previous window left
empty by the cut (it starts at or after the cut) is dropped: the alias was reassigned before
it took effect (docs/decisions/packages-aliases.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from meterbill.core.aliases import holder_at, overlap
from meterbill.core.errors import DomainValidationError
from meterbill.core.packages.model import PackageAlias

__all__ = [
    "AliasChange",
    "AliasHolding",
    "effective_windows",
    "resolve_package_alias",
    "take_aliases",
]


@dataclass(frozen=True, slots=True)
class AliasHolding:
    """``window`` held by package ``package_id``; ``sequence`` orders assignments in time."""

    package_id: str
    window: PackageAlias
    sequence: int = 0


@dataclass(frozen=True, slots=True)
class AliasChange:
    """What taking aliases does to another holder: a new end, or the window dropped."""

    holding: AliasHolding
    ending_before: datetime | None
    dropped: bool


def effective_windows(
    windows: Sequence[PackageAlias], others: Sequence[AliasHolding], taken_at: datetime
) -> tuple[PackageAlias, ...]:
    """The windows as stored: an open start on an alias another package holds becomes
    ``taken_at`` (the alias changes hands from now on, not retroactively)."""

    def contested(window: PackageAlias) -> bool:
        return any(h.window.name == window.name and overlap(h.window, window) for h in others)

    return tuple(
        replace(w, starting_at=taken_at) if w.starting_at is None and contested(w) else w
        for w in windows
    )


def take_aliases(
    others: Sequence[AliasHolding], taken: Sequence[PackageAlias]
) -> list[AliasChange]:
    """How other packages' windows change when a package takes ``taken`` (already effective).

    Each overlapping window of another holder is cut to end at the new ``starting_at``, or
    dropped when it would be left empty. Other windows are left alone.
    """
    changes: dict[int, AliasChange] = {}
    for window in taken:
        for held in others:
            current = changes.get(held.sequence)
            if current is not None and current.dropped:
                continue
            held_window = (
                held.window
                if current is None
                else replace(held.window, ending_before=current.ending_before)
            )
            if held_window.name != window.name or not overlap(held_window, window):
                continue
            cut = window.starting_at
            empty = cut is None or (
                held_window.starting_at is not None and held_window.starting_at >= cut
            )
            changes[held.sequence] = AliasChange(held, None if empty else cut, empty)
    return list(changes.values())


def resolve_package_alias(holdings: Sequence[AliasHolding], name: str, at: datetime) -> str:
    """The package holding alias ``name`` at ``at``; none is a ``DomainValidationError``.

    Windows of one alias never overlap (``take_aliases``); should they, the most recent
    assignment wins, as Metronome documents.
    """
    holder = holder_at(((h.sequence, h.window, h.package_id) for h in holdings), name, at)
    if holder is None:
        raise DomainValidationError(
            f"package_alias: no package holds alias {name!r} at {at.isoformat()}"
        )
    return holder
