"""Frozen values of the rate card: tiers, rates, commit rates and scheduled rate entries.

Names follow Metronome's wire fields (``rate_type``, ``price``, ``tiers``, ``is_prorated``,
``starting_at``/``ending_before``...). Values are plain data: constructing one checks nothing
beyond the types; ``meterbill.core.pricing.validation`` says whether a value is allowed.
Amounts are ``Decimal`` in the smallest unit of the pricing unit (cents for USD).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import TypeVar

_V = TypeVar("_V")

USD_CENTS_CREDIT_TYPE_ID = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
"""Metronome's id of the USD (cents) pricing unit, the default ``credit_type_id``."""


class RateType(Enum):
    """``rate_type`` of a rate, commit rate or overwrite; CUSTOM exists on the wire, is refused."""

    FLAT = "FLAT"
    TIERED = "TIERED"
    PERCENTAGE = "PERCENTAGE"
    SUBSCRIPTION = "SUBSCRIPTION"
    TIERED_PERCENTAGE = "TIERED_PERCENTAGE"
    CUSTOM = "CUSTOM"


class BillingFrequency(Enum):
    """``billing_frequency`` of a subscription rate (and of an override specifier)."""

    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    ANNUAL = "ANNUAL"
    WEEKLY = "WEEKLY"


def frozen_mapping(values: Mapping[str, _V] | None) -> Mapping[str, _V]:
    """A read-only copy of ``values`` (``None`` gives an empty mapping)."""
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True, slots=True)
class Tier:
    """One band of a graduated rate: ``size`` units at ``price`` each; ``size=None`` is open.

    For TIERED_PERCENTAGE, ``price`` is a fraction (0.1 = 10%) and ``size`` is in spend units.
    """

    price: Decimal
    size: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Rate:
    """A price as Metronome's ``Rate``: what one product costs, without its schedule.

    FLAT and SUBSCRIPTION use ``price`` per unit; PERCENTAGE uses ``price`` as a fraction of
    spend; TIERED and TIERED_PERCENTAGE use ``tiers``. ``quantity`` is a subscription's default
    quantity; ``is_prorated`` is only meaningful (and must be true) for SUBSCRIPTION.
    ``use_list_prices`` is carried for the wire (overwrite rates) and ignored by pricing.
    ``credit_type_id=None`` means "the default": USD cents, or for PERCENTAGE the pricing
    unit of the rates it applies to.
    """

    rate_type: RateType
    price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    is_prorated: bool | None = None
    quantity: Decimal | None = None
    use_list_prices: bool | None = None
    credit_type_id: str | None = None


@dataclass(frozen=True, slots=True)
class CommitRate:
    """A rate's ``commit_rate``: the price used when drawing a COMMIT_RATE commit or credit."""

    rate_type: RateType
    price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()

    def as_rate(self, like: Rate) -> Rate:
        """This commit rate as a ``Rate`` in the pricing unit of the list rate ``like``."""
        return Rate(
            rate_type=self.rate_type,
            price=self.price,
            tiers=self.tiers,
            is_prorated=like.is_prorated if self.rate_type is RateType.SUBSCRIPTION else None,
            quantity=like.quantity if self.rate_type is RateType.SUBSCRIPTION else None,
            credit_type_id=like.credit_type_id,
        )


@dataclass(frozen=True, slots=True)
class RateEntry:
    """A scheduled rate: ``rate`` for ``product_id`` over [starting_at, ending_before).

    ``ending_before=None`` is open-ended. ``pricing_group_values`` narrows the entry to usage
    whose pricing groups carry those values (empty = every group). Both datetimes are UTC-aware.
    """

    product_id: str
    starting_at: datetime
    rate: Rate
    entitled: bool = True
    ending_before: datetime | None = None
    pricing_group_values: Mapping[str, str] = field(default_factory=dict, hash=False)
    billing_frequency: BillingFrequency | None = None
    commit_rate: CommitRate | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "pricing_group_values", frozen_mapping(self.pricing_group_values))

    def holds(self, at: datetime) -> bool:
        """Whether ``at`` falls in the entry's half-open window."""
        return self.starting_at <= at and (self.ending_before is None or at < self.ending_before)
