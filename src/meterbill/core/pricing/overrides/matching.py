"""Which overrides apply to a piece of usage, and on which rate (list or commit)."""

from __future__ import annotations

from collections.abc import Sequence

from meterbill.core.pricing.overrides.model import (
    DrawnBalance,
    Override,
    OverrideSpecifier,
    OverrideTarget,
    Usage,
)
from meterbill.core.pricing.schedule import groups_match


def balance_named(specifier: OverrideSpecifier, balance: DrawnBalance | None) -> bool:
    """Whether the drawn ``balance`` satisfies the specifier's commit fields (if it has any)."""
    if not specifier.names_balances:
        return True
    if balance is None:
        return False
    names = {balance.id} | ({balance.recurring_id} if balance.recurring_id else set())
    return bool(
        balance.id in specifier.commit_ids
        or names & specifier.recurring_commit_ids
        or names & specifier.any_commit_or_credit_ids
    )


def specifier_matches(specifier: OverrideSpecifier, usage: Usage) -> bool:
    """Whether every field the specifier gives matches ``usage``."""
    return (
        specifier.product_id in (None, usage.product_id)
        and specifier.product_tags <= usage.product_tags
        and groups_match(specifier.pricing_group_values, usage.pricing_group_values)
        and groups_match(specifier.presentation_group_values, usage.presentation_group_values)
        and specifier.billing_frequency in (None, usage.billing_frequency)
        and balance_named(specifier, usage.balance)
    )


def targets(override: Override, usage: Usage) -> bool:
    """Whether ``override`` is in force at ``usage.at`` and any of its specifiers matches."""
    return override.holds(usage.at) and any(
        specifier_matches(specifier, usage) for specifier in override.specifiers
    )


def applies_to(override: Override, usage: Usage, rate: OverrideTarget) -> bool:
    """Whether ``override`` changes the ``rate`` (list or commit) used to price ``usage``.

    A plain override changes only the list rate. A commit-specific one needs a drawn balance
    and changes the rate its ``target`` names.
    """
    if override.is_commit_specific:
        if usage.balance is None or override.target is not rate:
            return False
    elif rate is not OverrideTarget.LIST_RATE:
        return False
    return targets(override, usage)


def candidates(
    overrides: Sequence[Override], usage: Usage, rates: Sequence[OverrideTarget]
) -> tuple[tuple[int, Override], ...]:
    """The overrides (with their index in ``overrides``) that apply to any of ``rates``."""
    return tuple(
        (index, override)
        for index, override in enumerate(overrides)
        if any(applies_to(override, usage, rate) for rate in rates)
    )
