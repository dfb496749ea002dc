"""The rate in force at a time, from a rate card's schedule of entries.

Rules (docs/decisions/pricing-rate-in-force.md): an entry applies at T when T is in its
half-open window, its ``pricing_group_values`` are all carried by the usage, and its
``billing_frequency`` (if any) equals the one asked for. Among several, the most specific wins
(most pricing group values, then a matching frequency), then the latest ``starting_at`` (a
staggered price change), then the entry added last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from meterbill.core.pricing.values import BillingFrequency, RateEntry


def groups_match(required: Mapping[str, str | None], actual: Mapping[str, str | None]) -> bool:
    """Whether ``actual`` carries every key of ``required`` with the same value."""
    return all(key in actual and actual[key] == value for key, value in required.items())


def entry_matches(
    entry: RateEntry,
    product_id: str,
    at: datetime,
    pricing_group_values: Mapping[str, str | None],
    billing_frequency: BillingFrequency | None,
) -> bool:
    """Whether ``entry`` prices ``product_id`` usage with these group values at ``at``."""
    return (
        entry.product_id == product_id
        and entry.holds(at)
        and groups_match(entry.pricing_group_values, pricing_group_values)
        and entry.billing_frequency in (None, billing_frequency)
    )


def rate_in_force(
    entries: Sequence[RateEntry],
    product_id: str,
    at: datetime,
    *,
    pricing_group_values: Mapping[str, str | None] | None = None,
    billing_frequency: BillingFrequency | None = None,
) -> RateEntry | None:
    """The entry pricing ``product_id`` at ``at``, or ``None`` when the card has no such rate.

    ``entries`` is the card's schedule in the order the rates were added.
    """
    groups = pricing_group_values or {}
    candidates = [
        (
            len(entry.pricing_group_values),
            entry.billing_frequency is not None,
            entry.starting_at,
            index,
            entry,
        )
        for index, entry in enumerate(entries)
        if entry_matches(entry, product_id, at, groups, billing_frequency)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda candidate: candidate[:4])[4]


def rates_in_force(entries: Sequence[RateEntry], at: datetime) -> tuple[RateEntry, ...]:
    """Every entry whose window holds ``at``, in schedule order (``getRates`` before selectors)."""
    return tuple(entry for entry in entries if entry.holds(at))


@dataclass(frozen=True, slots=True)
class RateSegment:
    """[starting_at, ending_before) during which ``entry`` (or no rate) is in force."""

    starting_at: datetime
    ending_before: datetime
    entry: RateEntry | None


def rate_segments(
    entries: Sequence[RateEntry],
    product_id: str,
    starting_at: datetime,
    ending_before: datetime,
    *,
    pricing_group_values: Mapping[str, str | None] | None = None,
    billing_frequency: BillingFrequency | None = None,
) -> tuple[RateSegment, ...]:
    """Split [starting_at, ending_before) where the rate in force changes; adjacent pieces
    with the same entry are merged. Use it to price a period across a mid-period rate change.
    """
    cuts = {starting_at, ending_before}
    for scheduled in entries:
        for moment in (scheduled.starting_at, scheduled.ending_before):
            if moment is not None and starting_at < moment < ending_before:
                cuts.add(moment)
    bounds = sorted(cuts)
    segments: list[RateSegment] = []
    for lower, upper in pairwise(bounds):
        entry = rate_in_force(
            entries,
            product_id,
            lower,
            pricing_group_values=pricing_group_values,
            billing_frequency=billing_frequency,
        )
        if segments and segments[-1].entry is entry:
            segments[-1] = RateSegment(segments[-1].starting_at, upper, entry)
        else:
            segments.append(RateSegment(lower, upper, entry))
    return tuple(segments)
