"""Rate card aliases: one holder at a time, cut at the new holder's start (decisions.md §10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meterbill.core.catalog import (
    AliasAssignment,
    AliasWindow,
    check_alias_windows,
    cut_previous_holders,
    resolve_alias,
)
from meterbill.core.errors import DomainValidationError


def at(month: int) -> datetime:
    return datetime(2026, month, 1, tzinfo=UTC)


def test_an_empty_window_is_refused_by_field() -> None:
    with pytest.raises(DomainValidationError, match=r"^aliases\[0\]\.ending_before:"):
        check_alias_windows([AliasWindow("std", at(3), at(3))])


def test_one_card_cannot_list_overlapping_windows_of_one_alias() -> None:
    with pytest.raises(DomainValidationError, match=r"^aliases\[1\]:"):
        check_alias_windows([AliasWindow("std", at(1), at(5)), AliasWindow("std", at(4))])
    check_alias_windows([AliasWindow("std", at(1), at(5)), AliasWindow("std", at(5))])


def test_taking_an_alias_cuts_the_previous_holders_window_at_the_new_start() -> None:
    held = AliasAssignment("old", AliasWindow("std"), sequence=1)
    (changed,) = cut_previous_holders([held], [AliasWindow("std", at(7))])
    assert changed.window == AliasWindow("std", None, at(7))
    assert changed.sequence == 1


def test_windows_that_do_not_overlap_are_left_alone() -> None:
    held = AliasAssignment("old", AliasWindow("std", None, at(3)), sequence=1)
    other = AliasAssignment("x", AliasWindow("other"), sequence=2)
    assert cut_previous_holders([held, other], [AliasWindow("std", at(3))]) == []


def test_a_cut_that_would_empty_the_holders_window_is_refused() -> None:
    held = AliasAssignment("old", AliasWindow("std", at(3)), sequence=1)
    with pytest.raises(DomainValidationError, match=r"^aliases\[0\]\.starting_at:.*'old'"):
        cut_previous_holders([held], [AliasWindow("std", at(2))])
    with pytest.raises(DomainValidationError, match=r"^aliases\[0\]\.starting_at:"):
        cut_previous_holders([held], [AliasWindow("std")])


def test_several_taken_windows_cut_at_the_earliest() -> None:
    held = AliasAssignment("old", AliasWindow("std", at(1)), sequence=1)
    taken = [AliasWindow("std", at(9)), AliasWindow("std", at(4), at(5))]
    (changed,) = cut_previous_holders([held], taken)
    assert changed.window.ending_before == at(4)


def test_resolution_picks_the_window_holding_the_instant() -> None:
    assignments = [
        AliasAssignment("old", AliasWindow("std", None, at(7)), 1),
        AliasAssignment("new", AliasWindow("std", at(7)), 2),
    ]
    assert resolve_alias(assignments, "std", at(6)) == "old"
    assert resolve_alias(assignments, "std", at(7)) == "new"


def test_no_holder_is_an_error_naming_the_alias_and_the_instant() -> None:
    assignments = [AliasAssignment("new", AliasWindow("std", at(7)), 1)]
    with pytest.raises(DomainValidationError, match=r"'std'.*2026-06-01"):
        resolve_alias(assignments, "std", at(6))


instants = st.integers(0, 40).map(lambda d: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=d))


@given(st.lists(instants, min_size=1, max_size=6, unique=True), instants)
def test_after_successive_takeovers_each_instant_has_at_most_one_holder(
    starts: list[datetime], probe: datetime
) -> None:
    """Cards take the alias in increasing start order; windows never overlap afterwards."""
    assignments: list[AliasAssignment] = []
    for sequence, start in enumerate(sorted(starts)):
        window = AliasWindow("std", start)
        changed = {a.sequence: a for a in cut_previous_holders(assignments, [window])}
        assignments = [changed.get(a.sequence, a) for a in assignments]
        assignments.append(AliasAssignment(f"card{sequence}", window, sequence))
    holders = [a for a in assignments if a.window.holds(probe)]
    assert len(holders) <= 1
    if probe >= min(starts):
        latest = max(s for s in starts if s <= probe)
        assert resolve_alias(assignments, "std", probe) == f"card{sorted(starts).index(latest)}"
