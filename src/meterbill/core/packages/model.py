"""A package as frozen values: contract terms whose dates are relative to the contract start.

Names follow Metronome's ``/v1/packages/create`` (SDK ``types/v1/package_create_params.py``).
Every relative date is an ``Offset`` (DAYS, WEEKS, MONTHS, YEARS):

* ``starting_at_offset``: from the contract start to the term's ``starting_at``;
* ``duration``: from the term's own ``starting_at`` to its ``ending_before`` (exclusive);
* ``date_offset``: from the contract start to a point in time (an invoice item).

Every term and schedule item carries a template id (Metronome's response renames the
``temporary_id`` references to ``*_template_ids``). References between terms (commit-specific
override specifiers, a recurring commit's subscription) hold template ids here. Nothing is
resolved: the rate card may be an alias, resolved as of each contract's start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from meterbill.core.contracts.terms import (
    EMPTY,
    USD_CENTS,
    AccessType,
    BalanceRateType,
    BillingFrequency,
    CollectionSchedule,
    CommitKind,
    CommitSpecifier,
    Frequency,
    InvoiceBehavior,
    InvoicePlacement,
    Prioritization,
    ProrationMode,
    ProrationRoundingConfig,
    StatementDay,
)
from meterbill.core.periods import Offset
from meterbill.core.pricing.overrides.model import (
    OverrideSpecifier,
    OverrideTarget,
    OverrideTier,
    OverrideType,
)
from meterbill.core.pricing.values import Rate

__all__ = [
    "AbsoluteWindow",
    "Package",
    "PackageAlias",
    "PackageCommit",
    "PackageOverride",
    "PackageRecurringCommit",
    "PackageScheduledCharge",
    "PackageStatementSchedule",
    "PackageSubscription",
    "RelativeAccessItem",
    "RelativeAccessSchedule",
    "RelativeInvoiceItem",
    "RelativeInvoiceSchedule",
]

NO_SETTINGS: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RelativeAccessItem:
    """``amount`` usable over ``[S + starting_at_offset, that + duration)``."""

    id: str
    amount: Decimal
    starting_at_offset: Offset
    duration: Offset


@dataclass(frozen=True, slots=True)
class RelativeAccessSchedule:
    items: tuple[RelativeAccessItem, ...]
    credit_type_id: str = USD_CENTS
    access_type: AccessType = AccessType.SPEND


@dataclass(frozen=True, slots=True)
class RelativeInvoiceItem:
    """A charge of ``quantity * unit_price`` at ``S + date_offset``."""

    id: str
    date_offset: Offset
    quantity: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True, slots=True)
class RelativeInvoiceSchedule:
    items: tuple[RelativeInvoiceItem, ...]
    credit_type_id: str = USD_CENTS
    do_not_invoice: bool = False


@dataclass(frozen=True, slots=True)
class PackageCommit:
    """A commit (PREPAID / POSTPAID) or a credit (``kind`` CREDIT) of a package."""

    id: str
    kind: CommitKind
    product_id: str
    access_schedule: RelativeAccessSchedule
    invoice_schedule: RelativeInvoiceSchedule | None = None
    name: str | None = None
    description: str | None = None
    priority: Decimal | None = None
    applicable_product_ids: tuple[str, ...] = ()
    applicable_product_tags: tuple[str, ...] = ()
    specifiers: tuple[CommitSpecifier, ...] = ()
    rate_type: BalanceRateType = BalanceRateType.LIST_RATE
    rollover_fraction: Decimal | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    temporary_id: str | None = None


@dataclass(frozen=True, slots=True)
class PackageRecurringCommit:
    """A recurring commit or credit (``kind`` CREDIT) of a package.

    ``duration`` (optional) ends generation at ``starting_at + duration``; ``None`` leaves it
    open like a contract's recurring commit without ``ending_before``.
    ``subscription_template_id`` names a package subscription by its template id.
    """

    id: str
    kind: CommitKind
    product_id: str
    starting_at_offset: Offset
    access_unit_price: Decimal
    access_quantity: Decimal | None
    commit_duration: int
    priority: Decimal
    rate_type: BalanceRateType = BalanceRateType.LIST_RATE
    duration: Offset | None = None
    access_credit_type_id: str = USD_CENTS
    access_type: AccessType = AccessType.SPEND
    invoice_unit_price: Decimal | None = None
    invoice_quantity: Decimal | None = None
    invoice_credit_type_id: str | None = None
    proration: ProrationMode = ProrationMode.FIRST_AND_LAST
    access_rounding: ProrationRoundingConfig | None = None
    invoice_rounding: ProrationRoundingConfig | None = None
    recurrence_frequency: Frequency | None = None
    rollover_fraction: Decimal | None = None
    applicable_product_ids: tuple[str, ...] = ()
    applicable_product_tags: tuple[str, ...] = ()
    specifiers: tuple[CommitSpecifier, ...] = ()
    subscription_template_id: str | None = None
    allocation: str = "POOLED"
    apply_seat_increase_is_prorated: bool = False
    name: str | None = None
    description: str | None = None
    temporary_id: str | None = None


@dataclass(frozen=True, slots=True)
class PackageScheduledCharge:
    id: str
    product_id: str
    schedule: RelativeInvoiceSchedule
    name: str | None = None
    description: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True, slots=True)
class PackageSubscription:
    """A subscription; ``starting_at_offset`` None = the contract start, ``duration`` None =
    until the contract ends."""

    id: str
    product_id: str
    billing_frequency: BillingFrequency
    collection_schedule: CollectionSchedule
    is_prorated: bool = True
    invoice_behavior: InvoiceBehavior = InvoiceBehavior.BILL_IMMEDIATELY
    proration_rounding: ProrationRoundingConfig | None = None
    starting_at_offset: Offset | None = None
    duration: Offset | None = None
    invoice_placement: InvoicePlacement | None = None
    initial_quantity: Decimal | None = None
    quantity_management_mode: str = "QUANTITY_ONLY"
    seat_group_key: str | None = None
    initial_unassigned_seats: Decimal | None = None
    name: str | None = None
    description: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    temporary_id: str | None = None


@dataclass(frozen=True, slots=True)
class AbsoluteWindow:
    """Extension: an override in force over fixed dates, whatever the contract's start.

    Materialised, the window is clipped to the contract's; a contract it misses gets nothing.
    """

    starting_at: datetime
    ending_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class PackageOverride:
    """An override over ``[S + starting_at_offset, that + duration)`` (``duration`` None =
    open-ended), or over fixed dates when ``absolute`` is set (an extension)."""

    id: str
    specifiers: tuple[OverrideSpecifier, ...]
    starting_at_offset: Offset | None = None
    duration: Offset | None = None
    absolute: AbsoluteWindow | None = None
    type: OverrideType | None = None
    multiplier: Decimal | None = None
    overwrite_rate: Rate | None = None
    tiers: tuple[OverrideTier, ...] = ()
    priority: Decimal | None = None
    entitled: bool | None = None
    is_commit_specific: bool = False
    target: OverrideTarget = OverrideTarget.LIST_RATE


@dataclass(frozen=True, slots=True)
class PackageStatementSchedule:
    frequency: Frequency = Frequency.MONTHLY
    day: StatementDay = StatementDay.FIRST_OF_MONTH
    invoice_generation_starting_at_offset: Offset | None = None


@dataclass(frozen=True, slots=True)
class PackageAlias:
    """An alias held over ``[starting_at, ending_before)`` (``None`` = unbounded)."""

    name: str
    starting_at: datetime | None = None
    ending_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class Package:
    """A customer-agnostic contract template. Immutable once created; archiving is final.

    ``rate_card_id`` / ``rate_card_alias``: at most one; the alias is resolved as of each
    contract's start. ``duration`` None = open-ended contracts. ``settings`` keeps verbatim the
    configuration copied onto each contract without interpretation (billing provider and
    delivery method, threshold configurations, spend trackers).
    """

    id: str
    name: str
    created_at: datetime
    created_by: str = "api"
    contract_name: str | None = None
    duration: Offset | None = None
    rate_card_id: str | None = None
    rate_card_alias: str | None = None
    net_payment_terms_days: Decimal | None = None
    multiplier_override_prioritization: Prioritization | None = None
    scheduled_charges_on_usage_invoices: bool = False
    usage_statement_schedule: PackageStatementSchedule = field(
        default_factory=PackageStatementSchedule
    )
    commits: tuple[PackageCommit, ...] = ()
    recurring_commits: tuple[PackageRecurringCommit, ...] = ()
    scheduled_charges: tuple[PackageScheduledCharge, ...] = ()
    subscriptions: tuple[PackageSubscription, ...] = ()
    overrides: tuple[PackageOverride, ...] = ()
    aliases: tuple[PackageAlias, ...] = ()
    uniqueness_key: str | None = None
    archived_at: datetime | None = None
    billing_provider: str | None = None
    delivery_method: str | None = None
    settings: Mapping[str, object] = field(default_factory=lambda: NO_SETTINGS)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def credits(self) -> tuple[PackageCommit, ...]:
        return tuple(c for c in self.commits if c.kind is CommitKind.CREDIT)

    @property
    def paid_commits(self) -> tuple[PackageCommit, ...]:
        return tuple(c for c in self.commits if c.kind is not CommitKind.CREDIT)

    @property
    def recurring_credits(self) -> tuple[PackageRecurringCommit, ...]:
        return tuple(c for c in self.recurring_commits if c.kind is CommitKind.CREDIT)

    @property
    def recurring_paid_commits(self) -> tuple[PackageRecurringCommit, ...]:
        return tuple(c for c in self.recurring_commits if c.kind is not CommitKind.CREDIT)
