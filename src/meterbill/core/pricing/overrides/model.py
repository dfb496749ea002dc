"""Frozen values of contract overrides and of the usage they are matched against.

Names follow Metronome's ``Override`` (SDK ``types/v1/contract_create_params.py``). An override
given with ``product_id`` / ``applicable_product_tags`` instead of ``override_specifiers`` is
expressed here as specifiers, see ``specifiers_for``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum

from meterbill.core.pricing.values import BillingFrequency, Rate, frozen_mapping


class OverrideType(Enum):
    """``type`` of an override."""

    OVERWRITE = "OVERWRITE"
    MULTIPLIER = "MULTIPLIER"
    TIERED = "TIERED"


class OverrideTarget(Enum):
    """``target`` of a commit-specific override, and ``rate_type`` of a commit or credit."""

    LIST_RATE = "LIST_RATE"
    COMMIT_RATE = "COMMIT_RATE"


class Prioritization(Enum):
    """A contract's ``multiplier_override_prioritization``."""

    LOWEST_MULTIPLIER = "LOWEST_MULTIPLIER"
    EXPLICIT = "EXPLICIT"


@dataclass(frozen=True, slots=True)
class OverrideTier:
    """A TIERED override band: ``multiplier`` on the next ``size`` units of the period."""

    multiplier: Decimal
    size: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OverrideSpecifier:
    """One ``override_specifiers`` entry: every field given must match (AND).

    ``product_tags``: the product carries all of them. Group values: the usage carries each key
    with that value (a ``None`` value matches a group whose value is absent). The commit fields
    are for commit-specific overrides: the balance being drawn is named by any of them.
    """

    product_id: str | None = None
    product_tags: frozenset[str] = frozenset()
    pricing_group_values: Mapping[str, str] = field(default_factory=dict, hash=False)
    presentation_group_values: Mapping[str, str | None] = field(default_factory=dict, hash=False)
    billing_frequency: BillingFrequency | None = None
    commit_ids: frozenset[str] = frozenset()
    recurring_commit_ids: frozenset[str] = frozenset()
    any_commit_or_credit_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "pricing_group_values", frozen_mapping(self.pricing_group_values))
        object.__setattr__(
            self, "presentation_group_values", frozen_mapping(self.presentation_group_values)
        )

    @property
    def names_balances(self) -> bool:
        """Whether this specifier restricts which commits or credits it applies to."""
        return bool(self.commit_ids or self.recurring_commit_ids or self.any_commit_or_credit_ids)


@dataclass(frozen=True, slots=True)
class Override:
    """A contract override in force over [starting_at, ending_before).

    ``type=None`` is an override that only sets ``entitled``. ``priority`` is Metronome's
    (> 0, lower first). Overrides are passed to resolution in the order they were added: the
    later one wins a tie (docs/decisions/pricing-override-ties.md).
    """

    id: str
    starting_at: datetime
    specifiers: tuple[OverrideSpecifier, ...]
    type: OverrideType | None = None
    ending_before: datetime | None = None
    multiplier: Decimal | None = None
    overwrite_rate: Rate | None = None
    tiers: tuple[OverrideTier, ...] = ()
    priority: Decimal | None = None
    entitled: bool | None = None
    is_commit_specific: bool = False
    target: OverrideTarget = OverrideTarget.LIST_RATE

    def holds(self, at: datetime) -> bool:
        """Whether ``at`` falls in the override's half-open window."""
        return self.starting_at <= at and (self.ending_before is None or at < self.ending_before)


def specifiers_for(
    product_id: str | None = None, applicable_product_tags: Iterable[str] = ()
) -> tuple[OverrideSpecifier, ...]:
    """Specifiers equivalent to the ``product_id`` / ``applicable_product_tags`` form.

    The product id is one specifier; each tag is its own specifier, so a product with *any*
    listed tag matches (docs/decisions/pricing-override-ties.md).
    """
    by_id = (OverrideSpecifier(product_id=product_id),) if product_id is not None else ()
    by_tag = tuple(
        OverrideSpecifier(product_tags=frozenset({tag})) for tag in applicable_product_tags
    )
    return by_id + by_tag


@dataclass(frozen=True, slots=True)
class DrawnBalance:
    """The commit or credit a piece of usage is being drawn from.

    ``recurring_id`` is the recurring commit or credit that created it, if any; ``rate_type``
    is the balance's ``rate_type`` (COMMIT_RATE consumes at the rate's commit rate).
    """

    id: str
    rate_type: OverrideTarget = OverrideTarget.LIST_RATE
    recurring_id: str | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """What is being priced: one product's usage in one group at one time.

    ``balance`` is set when pricing the part of the usage drawn from a commit or credit.
    """

    product_id: str
    at: datetime
    product_tags: frozenset[str] = frozenset()
    pricing_group_values: Mapping[str, str | None] = field(default_factory=dict, hash=False)
    presentation_group_values: Mapping[str, str | None] = field(default_factory=dict, hash=False)
    billing_frequency: BillingFrequency | None = None
    balance: DrawnBalance | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "pricing_group_values", frozen_mapping(self.pricing_group_values))
        object.__setattr__(
            self, "presentation_group_values", frozen_mapping(self.presentation_group_values)
        )
