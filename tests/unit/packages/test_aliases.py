"""Aliases over time: one holder at a time, cut at the new holder's start."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meterbill.core.errors import DomainValidationError
from meterbill.core.packages import (
    AliasHolding,
    PackageAlias,
    effective_windows,
    resolve_package_alias,
    take_aliases,
)

JAN = datetime(2025, 1, 1, tzinfo=UTC)
MAR = datetime(2025, 3, 1, tzinfo=UTC)
JUN = datetime(2025, 6, 1, tzinfo=UTC)


def test_a_new_holder_from_a_future_date_cuts_the_previous_window_there() -> None:
    v1 = AliasHolding("v1", PackageAlias("Starter"), sequence=1)
    (change,) = take_aliases([v1], [PackageAlias("Starter", JUN)])
    assert (change.ending_before, change.dropped) == (JUN, False)
    holdings = [
        AliasHolding("v1", PackageAlias("Starter", None, JUN), 1),
        AliasHolding("v2", PackageAlias("Starter", JUN), 2),
    ]
    assert resolve_package_alias(holdings, "Starter", MAR) == "v1"
    assert resolve_package_alias(holdings, "Starter", JUN) == "v2"


def test_a_window_that_had_not_started_yet_is_dropped() -> None:
    v1 = AliasHolding("v1", PackageAlias("Starter", JUN), sequence=1)
    (change,) = take_aliases([v1], [PackageAlias("Starter", MAR)])
    assert change.dropped


def test_an_open_start_on_a_held_alias_takes_it_from_now() -> None:
    held = [AliasHolding("v1", PackageAlias("Starter"), 1)]
    (window,) = effective_windows([PackageAlias("Starter")], held, MAR)
    assert window.starting_at == MAR
    (free,) = effective_windows([PackageAlias("Other")], held, MAR)
    assert free.starting_at is None


def test_no_holder_at_t_names_the_alias_and_t() -> None:
    holdings = [AliasHolding("v2", PackageAlias("Starter", JUN), 2)]
    with pytest.raises(DomainValidationError, match="'Starter' at 2025-01-01"):
        resolve_package_alias(holdings, "Starter", JAN)
