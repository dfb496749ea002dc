"""A contract's terms as frozen values: what the billing engine computes invoices from.

These values are the shared vocabulary of contracts, invoices, balances and packages:

* the API turns ``/v1/contracts/create`` (and ``/v2/contracts/edit``) into a :class:`Contract`;
* storage keeps it and gives it back;
* invoicing and drawdown read it, purely;
* a package materialises into one (``meterbill.core.packages``).

Every instant is UTC-aware and every window half-open (``starting_at`` inclusive,
``ending_before`` exclusive, ``None`` = open-ended). Money and quantities are exact ``Decimal``
in the pricing unit's own denomination (USD in cents). Every term and schedule item carries a
stable id. Nothing here knows the wire format; names follow Metronome's where they exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType

from meterbill.core.periods import Frequency
from meterbill.core.pricing.overrides.model import Override as Override
from meterbill.core.pricing.overrides.model import OverrideTarget, Prioritization
from meterbill.core.pricing.values import BillingFrequency
from meterbill.core.recurrence import AmountDistribution, ProrationMode
from meterbill.core.rounding import RoundingMethod
from meterbill.core.statement_schedule import StatementDay
from meterbill.core.subscription_periods import (
    CollectionSchedule,
    InvoiceBehavior,
    InvoicePlacement,
)

USD_CENTS = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"

# Read-only empty mapping used as the default for custom fields and free-form blobs.
EMPTY: Mapping[str, str] = MappingProxyType({})

# Re-exported so callers take every contract vocabulary word from this module.
BalanceRateType = OverrideTarget
__all__ = [
    "EMPTY",
    "USD_CENTS",
    "AccessItem",
    "AccessSchedule",
    "AccessType",
    "AmountDistribution",
    "BalanceRateType",
    "BillingFrequency",
    "CollectionSchedule",
    "Commit",
    "CommitKind",
    "CommitSpecifier",
    "Contract",
    "Frequency",
    "InvoiceBehavior",
    "InvoiceItem",
    "InvoicePlacement",
    "InvoiceSchedule",
    "Override",
    "Prioritization",
    "ProrationMode",
    "ProrationRoundingConfig",
    "QuantityEntry",
    "RecurringCommit",
    "RecurringInvoiceSchedule",
    "RoundingMethod",
    "ScheduledCharge",
    "StatementDay",
    "StatementScheduleConfig",
    "Subscription",
    "SubscriptionConfig",
    "Transition",
    "TransitionType",
    "UsageFilter",
]


class CommitKind(Enum):
    """A prepaid commit, a postpaid commit, or a free credit (Metronome's ``credits``)."""

    PREPAID = "PREPAID"
    POSTPAID = "POSTPAID"
    CREDIT = "CREDIT"


class AccessType(Enum):
    """SPEND: the balance is money; QUANTITY: the balance counts units of usage."""

    SPEND = "SPEND"
    QUANTITY = "QUANTITY"


class TransitionType(Enum):
    RENEWAL = "RENEWAL"
    SUPERSEDE = "SUPERSEDE"


# ---------------------------------------------------------------------------------------------
# Schedules


@dataclass(frozen=True, slots=True)
class AccessItem:
    """``amount`` becomes usable during ``[starting_at, ending_before)``."""

    id: str
    amount: Decimal
    starting_at: datetime
    ending_before: datetime


@dataclass(frozen=True, slots=True)
class AccessSchedule:
    items: tuple[AccessItem, ...]
    credit_type_id: str = USD_CENTS
    access_type: AccessType = AccessType.SPEND


@dataclass(frozen=True, slots=True)
class InvoiceItem:
    """A charge at ``timestamp``. Invariant: ``amount == unit_price * quantity``."""

    id: str
    timestamp: datetime
    amount: Decimal
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None

    @property
    def price(self) -> Decimal:
        """The unit price (``amount`` when only an amount was given, quantity 1)."""
        return self.unit_price if self.unit_price is not None else self.amount


@dataclass(frozen=True, slots=True)
class RecurringInvoiceSchedule:
    """A ``recurring_schedule`` as sent; kept for the response. ``items`` hold its expansion."""

    starting_at: datetime
    ending_before: datetime
    frequency: Frequency
    amount_distribution: AmountDistribution
    amount: Decimal | None = None
    unit_price: Decimal | None = None
    quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class InvoiceSchedule:
    """When a commit purchase or scheduled charge is invoiced (already expanded to items)."""

    items: tuple[InvoiceItem, ...]
    credit_type_id: str = USD_CENTS
    do_not_invoice: bool = False
    recurring_schedule: RecurringInvoiceSchedule | None = None


# ---------------------------------------------------------------------------------------------
# Commits and credits


@dataclass(frozen=True, slots=True)
class CommitSpecifier:
    """Which usage a commit or credit may pay for (any listed condition set matching)."""

    product_id: str | None = None
    product_tags: tuple[str, ...] = ()
    pricing_group_values: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    presentation_group_values: Mapping[str, str] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True, slots=True)
class Commit:
    """A prepaid or postpaid commit, or a free credit, on a contract (or a customer).

    ``product_id`` is the product the commit is billed as. Applicability: when
    ``applicable_product_ids``, ``applicable_product_tags`` and ``specifiers`` are all empty,
    the balance applies to every usage product. ``priority`` is None when not given (drawn
    after every explicit priority). ``ordinal`` is the creation order used as the final
    tie-break of the drawdown order. ``recurring_commit_id`` links a generated commit to its
    recurring parent; ``rolled_over_from`` marks a rollover commit.
    """

    id: str
    kind: CommitKind
    product_id: str
    access_schedule: AccessSchedule
    invoice_schedule: InvoiceSchedule | None = None
    name: str | None = None
    description: str | None = None
    priority: Decimal | None = None
    applicable_product_ids: tuple[str, ...] = ()
    applicable_product_tags: tuple[str, ...] = ()
    specifiers: tuple[CommitSpecifier, ...] = ()
    rate_type: BalanceRateType = BalanceRateType.LIST_RATE
    rollover_fraction: Decimal | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    netsuite_sales_order_id: str | None = None
    ordinal: int = 0
    recurring_commit_id: str | None = None
    rolled_over_from: str | None = None
    # Postpaid commits: the committed total (defaults to the access schedule's sum).
    amount: Decimal | None = None
    created_at: datetime | None = None
    archived_at: datetime | None = None
    # Stored and returned verbatim, not interpreted (``spend_tracker_attributes``).
    settings: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_credit(self) -> bool:
        return self.kind is CommitKind.CREDIT

    @property
    def credit_type_id(self) -> str:
        return self.access_schedule.credit_type_id


@dataclass(frozen=True, slots=True)
class ProrationRoundingConfig:
    decimal_places: int
    rounding_method: RoundingMethod


@dataclass(frozen=True, slots=True)
class SubscriptionConfig:
    """Links a recurring commit/credit's quantity to a subscription."""

    subscription_id: str
    allocation: str = "POOLED"  # POOLED | INDIVIDUAL
    apply_seat_increase_is_prorated: bool = False


@dataclass(frozen=True, slots=True)
class RecurringCommit:
    """A recurring commit or credit: generates one balance per recurrence period."""

    id: str
    kind: CommitKind
    product_id: str
    starting_at: datetime
    access_unit_price: Decimal
    access_quantity: Decimal | None
    commit_duration: int
    priority: Decimal | None
    rate_type: BalanceRateType = BalanceRateType.LIST_RATE
    ending_before: datetime | None = None
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
    subscription_config: SubscriptionConfig | None = None
    name: str | None = None
    description: str | None = None
    netsuite_sales_order_id: str | None = None
    ordinal: int = 0


# ---------------------------------------------------------------------------------------------
# Charges and subscriptions


@dataclass(frozen=True, slots=True)
class ScheduledCharge:
    """A fixed charge on one or more dates (SCHEDULED invoices, or usage invoices with
    ``scheduled_charges_on_usage_invoices = ALL``)."""

    id: str
    product_id: str
    schedule: InvoiceSchedule
    name: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    netsuite_sales_order_id: str | None = None
    archived_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class QuantityEntry:
    """From ``starting_at`` on, the subscription has ``quantity`` units."""

    starting_at: datetime
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Subscription:
    """A recurring fee for a SUBSCRIPTION product priced by the contract's rate card."""

    id: str
    product_id: str
    billing_frequency: BillingFrequency
    collection_schedule: CollectionSchedule
    starting_at: datetime
    quantity_schedule: tuple[QuantityEntry, ...]
    is_prorated: bool = True
    invoice_behavior: InvoiceBehavior = InvoiceBehavior.BILL_IMMEDIATELY
    proration_rounding: ProrationRoundingConfig | None = None
    ending_before: datetime | None = None
    billing_anchor_date: datetime | None = None
    invoice_placement: InvoicePlacement = InvoicePlacement.ON_USAGE_INVOICE
    quantity_management_mode: str = "QUANTITY_ONLY"  # QUANTITY_ONLY | SEAT_BASED
    seat_group_key: str | None = None
    name: str | None = None
    description: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    created_at: datetime | None = None
    initial_seat_ids: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# The contract


@dataclass(frozen=True, slots=True)
class StatementScheduleConfig:
    """``usage_statement_schedule`` as configured (the periods come from
    ``meterbill.core.statement_schedule``)."""

    frequency: Frequency = Frequency.MONTHLY
    day: StatementDay = StatementDay.FIRST_OF_MONTH
    billing_anchor_date: datetime | None = None
    invoice_generation_starting_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    type: TransitionType
    from_contract_id: str
    to_contract_id: str
    future_invoice_behavior: Mapping[str, str] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True, slots=True)
class UsageFilter:
    """Only usage whose ``group_key`` is one of ``group_values`` counts, from ``starting_at``."""

    group_key: str
    group_values: tuple[str, ...]
    starting_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Contract:
    """A customer's contract, with every term in absolute time.

    ``rate_card_id`` is already resolved (a ``rate_card_alias`` is resolved as of
    ``starting_at`` when the contract is created). ``ending_before`` None = open-ended.
    ``settings`` keeps, verbatim and exact, configuration that meterbill stores and returns
    but does not interpret yet (billing provider, NetSuite/Salesforce ids, revenue system,
    total contract value, spend trackers, threshold configurations until balances land).
    """

    id: str
    customer_id: str
    starting_at: datetime
    created_at: datetime
    ending_before: datetime | None = None
    name: str | None = None
    rate_card_id: str | None = None
    package_id: str | None = None
    net_payment_terms_days: Decimal | None = None
    multiplier_override_prioritization: Prioritization = Prioritization.LOWEST_MULTIPLIER
    scheduled_charges_on_usage_invoices: bool = False
    usage_statement_schedule: StatementScheduleConfig = field(
        default_factory=StatementScheduleConfig
    )
    overrides: tuple[Override, ...] = ()
    commits: tuple[Commit, ...] = ()
    recurring_commits: tuple[RecurringCommit, ...] = ()
    scheduled_charges: tuple[ScheduledCharge, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    transitions: tuple[Transition, ...] = ()
    usage_filter: UsageFilter | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    uniqueness_key: str | None = None
    created_by: str = "api"
    archived_at: datetime | None = None
    settings: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    # When each override was added (the pricing core's ``Override`` has no ``created_at``).
    override_created_at: Mapping[str, datetime] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def credits(self) -> tuple[Commit, ...]:
        return tuple(c for c in self.commits if c.kind is CommitKind.CREDIT)

    @property
    def paid_commits(self) -> tuple[Commit, ...]:
        """Prepaid and postpaid commits (Metronome's ``commits`` list)."""
        return tuple(c for c in self.commits if c.kind is not CommitKind.CREDIT)

    def is_active_at(self, instant: datetime) -> bool:
        """Whether ``instant`` falls in ``[starting_at, ending_before)``."""
        if instant < self.starting_at:
            return False
        return self.ending_before is None or instant < self.ending_before
