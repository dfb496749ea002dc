"""Wire models of ``/v1/packages/create`` (SDK ``types/v1/package_create_params.py``) and their
conversion to a core ``Package`` draft.

Term and item ids are assigned here (template ids); references between terms still name the
request's ``temporary_id``s, which the service links (``core.packages.link_templates``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import Field

from meterbill.api.errors import BadRequest
from meterbill.api.v1.contract_wire import (  # --- thresholds ---
    PrepaidThresholdIn,
    SpendThresholdIn,
    SpendTrackerIn,
    settings_value,
)
from meterbill.api.wire import Instant, Number, Upper, WireModel
from meterbill.core.contracts.terms import (
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
    RoundingMethod,
    StatementDay,
)
from meterbill.core.packages import (
    AbsoluteWindow,
    Package,
    PackageAlias,
    PackageCommit,
    PackageOverride,
    PackageRecurringCommit,
    PackageScheduledCharge,
    PackageStatementSchedule,
    PackageSubscription,
    RelativeAccessItem,
    RelativeAccessSchedule,
    RelativeInvoiceItem,
    RelativeInvoiceSchedule,
)
from meterbill.core.periods import Offset, OffsetUnit
from meterbill.core.pricing import Rate, RateType, Tier
from meterbill.core.pricing.overrides.model import (
    OverrideSpecifier,
    OverrideTarget,
    OverrideTier,
    OverrideType,
)

NewId = Callable[[], str]

Unit = Annotated[Literal["DAYS", "WEEKS", "MONTHS", "YEARS"], Upper]
RateTypeWire = Annotated[Literal["COMMIT_RATE", "LIST_RATE"], Upper]
BillingFrequencyWire = Annotated[Literal["MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY"], Upper]
AccessTypeWire = Annotated[Literal["SPEND", "QUANTITY"], Upper]
RoundingMethodWire = Annotated[Literal["HALF_UP", "FLOOR", "CEILING"], Upper]


class OffsetWire(WireModel):
    unit: Unit
    value: int


class AliasWire(WireModel):
    name: str
    starting_at: Instant | None = None
    ending_before: Instant | None = None


class AccessItemWire(WireModel):
    amount: Number
    duration: OffsetWire
    starting_at_offset: OffsetWire


class AccessScheduleWire(WireModel):
    schedule_items: list[AccessItemWire]
    access_type: AccessTypeWire | None = None
    credit_type_id: str | None = None


class InvoiceItemWire(WireModel):
    date_offset: OffsetWire
    quantity: Number
    unit_price: Number


class InvoiceScheduleWire(WireModel):
    schedule_items: list[InvoiceItemWire]
    credit_type_id: str | None = None
    do_not_invoice: bool | None = None


class ChargeScheduleWire(WireModel):
    schedule_items: list[InvoiceItemWire]
    credit_type_id: str | None = None


class CommitSpecifierWire(WireModel):
    presentation_group_values: dict[str, str] | None = None
    pricing_group_values: dict[str, str] | None = None
    product_id: str | None = None
    product_tags: list[str] | None = None


class CreditWire(WireModel):
    access_schedule: AccessScheduleWire
    product_id: str
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    custom_fields: dict[str, str] | None = None
    description: str | None = None
    name: str | None = None
    priority: Number | None = None
    rate_type: RateTypeWire | None = None
    specifiers: list[CommitSpecifierWire] | None = None


class CommitWire(CreditWire):
    type: Annotated[Literal["PREPAID", "POSTPAID"], Upper]
    invoice_schedule: InvoiceScheduleWire | None = None
    rollover_fraction: Number | None = None
    temporary_id: str | None = None


class OverrideSpecifierWire(WireModel):
    any_commit_or_credit_ids: list[str] | None = None
    billing_frequency: BillingFrequencyWire | None = None
    commit_ids: list[str] | None = None
    presentation_group_values: dict[str, str] | None = None
    pricing_group_values: dict[str, str] | None = None
    product_id: str | None = None
    product_tags: list[str] | None = None
    recurring_commit_ids: list[str] | None = None


class TierWire(WireModel):
    price: Number
    size: Number | None = None


class OverwriteRateWire(WireModel):
    rate_type: Annotated[
        Literal["FLAT", "PERCENTAGE", "SUBSCRIPTION", "TIERED", "TIERED_PERCENTAGE", "CUSTOM"],
        Upper,
    ]
    credit_type_id: str | None = None
    custom_rate: dict[str, Any] | None = None
    is_prorated: bool | None = None
    price: Number | None = None
    quantity: Number | None = None
    tiers: list[TierWire] | None = None


class OverrideTierWire(WireModel):
    multiplier: Number
    size: Number | None = None


class _OverrideTerms(WireModel):
    override_specifiers: list[OverrideSpecifierWire]
    entitled: bool | None = None
    is_commit_specific: bool | None = None
    multiplier: Number | None = None
    overwrite_rate: OverwriteRateWire | None = None
    priority: Number | None = None
    target: RateTypeWire | None = None
    tiers: list[OverrideTierWire] | None = None
    type: Annotated[Literal["OVERWRITE", "MULTIPLIER", "TIERED"], Upper] | None = None


class OverrideWire(_OverrideTerms):
    starting_at_offset: OffsetWire
    duration: OffsetWire | None = None


class AbsoluteOverrideWire(_OverrideTerms):
    """Extension: an override over fixed dates for every contract on the package."""

    starting_at: Instant
    ending_before: Instant | None = None


class RecurringAccessAmountWire(WireModel):
    unit_price: Number
    access_type: AccessTypeWire | None = None
    credit_type_id: str | None = None
    quantity: Number | None = None


class CommitDurationWire(WireModel):
    value: Number
    unit: Annotated[Literal["PERIODS"], Upper] | None = None


class InvoiceAmountWire(WireModel):
    credit_type_id: str
    quantity: Number
    unit_price: Number


class RoundingWire(WireModel):
    decimal_places: Number
    rounding_method: RoundingMethodWire


class CreditProrationRoundingWire(WireModel):
    access: RoundingWire | None = None


class CommitProrationRoundingWire(CreditProrationRoundingWire):
    invoice: RoundingWire | None = None


class SeatIncreaseWire(WireModel):
    is_prorated: bool


class SubscriptionConfigWire(WireModel):
    apply_seat_increase_config: SeatIncreaseWire
    subscription_id: str
    allocation: Annotated[Literal["INDIVIDUAL", "POOLED"], Upper] | None = None


class RecurringCreditWire(WireModel):
    access_amount: RecurringAccessAmountWire
    commit_duration: CommitDurationWire
    priority: Number
    product_id: str
    starting_at_offset: OffsetWire
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    description: str | None = None
    duration: OffsetWire | None = None
    name: str | None = None
    proration: Annotated[Literal["NONE", "FIRST", "LAST", "FIRST_AND_LAST"], Upper] | None = None
    proration_rounding: CreditProrationRoundingWire | None = None
    rate_type: RateTypeWire | None = None
    recurrence_frequency: (
        Annotated[Literal["MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY", "DAILY"], Upper] | None
    ) = None
    rollover_fraction: Number | None = None
    specifiers: list[CommitSpecifierWire] | None = None
    subscription_config: SubscriptionConfigWire | None = None
    temporary_id: str | None = None


class RecurringCommitWire(RecurringCreditWire):
    invoice_amount: InvoiceAmountWire | None = None
    proration_rounding: CommitProrationRoundingWire | None = None


class ScheduledChargeWire(WireModel):
    product_id: str
    schedule: ChargeScheduleWire
    custom_fields: dict[str, str] | None = None
    name: str | None = None


class SubscriptionProrationWire(WireModel):
    invoice_behavior: (
        Annotated[Literal["BILL_IMMEDIATELY", "BILL_ON_NEXT_COLLECTION_DATE"], Upper] | None
    ) = None
    is_prorated: bool | None = None
    rounding: RoundingWire | None = None


class SubscriptionRateWire(WireModel):
    billing_frequency: BillingFrequencyWire
    product_id: str


class BillingCycleWire(WireModel):
    invoice_placement: (
        Annotated[Literal["ON_SCHEDULED_INVOICE", "ON_USAGE_INVOICE"], Upper] | None
    ) = None


class SeatConfigWire(WireModel):
    seat_group_key: str
    initial_unassigned_seats: Number | None = None


class SubscriptionWire(WireModel):
    collection_schedule: Annotated[Literal["ADVANCE", "ARREARS"], Upper]
    proration: SubscriptionProrationWire
    subscription_rate: SubscriptionRateWire
    billing_cycle_config: BillingCycleWire | None = None
    custom_fields: dict[str, str] | None = None
    description: str | None = None
    duration: OffsetWire | None = None
    initial_quantity: Number | None = None
    name: str | None = None
    quantity_management_mode: Annotated[Literal["SEAT_BASED", "QUANTITY_ONLY"], Upper] | None = None
    seat_config: SeatConfigWire | None = None
    starting_at_offset: OffsetWire | None = None
    temporary_id: str | None = None


class StatementScheduleWire(WireModel):
    frequency: BillingFrequencyWire
    day: Annotated[Literal["FIRST_OF_MONTH", "CONTRACT_START", "CUSTOM_DATE"], Upper] | None = None
    invoice_generation_starting_at_offset: OffsetWire | None = None


class PackageCreateBody(WireModel):
    name: str
    aliases: list[AliasWire] = Field(default_factory=list)
    billing_provider: (
        Literal["aws_marketplace", "azure_marketplace", "gcp_marketplace", "stripe", "netsuite"]
        | None
    ) = None
    commits: list[CommitWire] = Field(default_factory=list)
    contract_name: str | None = None
    credits: list[CreditWire] = Field(default_factory=list)
    delivery_method: (
        Literal["direct_to_billing_provider", "aws_sqs", "tackle", "aws_sns"] | None
    ) = None
    duration: OffsetWire | None = None
    multiplier_override_prioritization: (
        Annotated[Literal["LOWEST_MULTIPLIER", "EXPLICIT"], Upper] | None
    ) = None
    net_payment_terms_days: Number | None = None
    overrides: list[OverrideWire] = Field(default_factory=list)
    prepaid_balance_threshold_configuration: PrepaidThresholdIn | None = None  # --- thresholds
    rate_card_alias: str | None = None
    rate_card_id: str | None = None
    recurring_commits: list[RecurringCommitWire] = Field(default_factory=list)
    recurring_credits: list[RecurringCreditWire] = Field(default_factory=list)
    scheduled_charges: list[ScheduledChargeWire] = Field(default_factory=list)
    scheduled_charges_on_usage_invoices: Annotated[Literal["ALL"], Upper] | None = None
    spend_threshold_configuration: SpendThresholdIn | None = None  # --- thresholds ---
    spend_trackers: list[SpendTrackerIn] | None = None
    subscriptions: list[SubscriptionWire] = Field(default_factory=list)
    uniqueness_key: str | None = None
    usage_statement_schedule: StatementScheduleWire | None = None


class XPackageCreateBody(PackageCreateBody):
    """``/v1/packages/x-create``: Metronome's body plus overrides over fixed dates."""

    x_absolute_overrides: list[AbsoluteOverrideWire] = Field(default_factory=list)


# --- wire -> core ----------------------------------------------------------------------------


def offset(wire: OffsetWire) -> Offset:
    return Offset(OffsetUnit(wire.unit), wire.value)


def _opt_offset(wire: OffsetWire | None) -> Offset | None:
    return offset(wire) if wire is not None else None


def _frozen(values: dict[str, str] | None) -> MappingProxyType[str, str]:
    return MappingProxyType(dict(values or {}))


def _specifiers(wires: list[CommitSpecifierWire] | None) -> tuple[CommitSpecifier, ...]:
    return tuple(
        CommitSpecifier(
            product_id=s.product_id,
            product_tags=tuple(s.product_tags or ()),
            pricing_group_values=_frozen(s.pricing_group_values),
            presentation_group_values=_frozen(s.presentation_group_values),
        )
        for s in wires or ()
    )


def _access(wire: AccessScheduleWire, new_id: NewId) -> RelativeAccessSchedule:
    items = tuple(
        RelativeAccessItem(new_id(), i.amount, offset(i.starting_at_offset), offset(i.duration))
        for i in wire.schedule_items
    )
    return RelativeAccessSchedule(
        items, wire.credit_type_id or USD_CENTS, AccessType(wire.access_type or "SPEND")
    )


def _invoice(
    wire: InvoiceScheduleWire | ChargeScheduleWire, new_id: NewId
) -> RelativeInvoiceSchedule:
    items = tuple(
        RelativeInvoiceItem(new_id(), offset(i.date_offset), i.quantity, i.unit_price)
        for i in wire.schedule_items
    )
    do_not_invoice = getattr(wire, "do_not_invoice", None) or False
    return RelativeInvoiceSchedule(items, wire.credit_type_id or USD_CENTS, do_not_invoice)


def _commit(wire: CreditWire, kind: CommitKind, new_id: NewId) -> PackageCommit:
    invoice = wire.invoice_schedule if isinstance(wire, CommitWire) else None
    return PackageCommit(
        id=new_id(),
        kind=kind,
        product_id=wire.product_id,
        access_schedule=_access(wire.access_schedule, new_id),
        invoice_schedule=_invoice(invoice, new_id) if invoice is not None else None,
        name=wire.name,
        description=wire.description,
        priority=wire.priority,
        applicable_product_ids=tuple(wire.applicable_product_ids or ()),
        applicable_product_tags=tuple(wire.applicable_product_tags or ()),
        specifiers=_specifiers(wire.specifiers),
        rate_type=BalanceRateType(wire.rate_type or "LIST_RATE"),
        rollover_fraction=wire.rollover_fraction if isinstance(wire, CommitWire) else None,
        custom_fields=_frozen(wire.custom_fields),
        temporary_id=wire.temporary_id if isinstance(wire, CommitWire) else None,
    )


def _rounding(wire: RoundingWire | None, here: str) -> ProrationRoundingConfig | None:
    if wire is None:
        return None
    places = wire.decimal_places
    if places != places.to_integral_value():
        raise BadRequest(f"{here}.decimal_places: must be a whole number")
    return ProrationRoundingConfig(int(places), RoundingMethod(wire.rounding_method))


def _recurring(
    wire: RecurringCreditWire, kind: CommitKind, here: str, new_id: NewId
) -> PackageRecurringCommit:
    duration = wire.commit_duration.value
    if duration != duration.to_integral_value():
        raise BadRequest(f"{here}.commit_duration.value: must be a whole number of periods")
    invoice = wire.invoice_amount if isinstance(wire, RecurringCommitWire) else None
    rounding = wire.proration_rounding
    invoice_rounding = (
        rounding.invoice if isinstance(rounding, CommitProrationRoundingWire) else None
    )
    config = wire.subscription_config
    return PackageRecurringCommit(
        id=new_id(),
        kind=kind,
        product_id=wire.product_id,
        starting_at_offset=offset(wire.starting_at_offset),
        duration=_opt_offset(wire.duration),
        access_unit_price=wire.access_amount.unit_price,
        access_quantity=wire.access_amount.quantity,
        access_credit_type_id=wire.access_amount.credit_type_id or USD_CENTS,
        access_type=AccessType(wire.access_amount.access_type or "SPEND"),
        commit_duration=int(duration),
        priority=wire.priority,
        rate_type=BalanceRateType(wire.rate_type or "LIST_RATE"),
        invoice_unit_price=invoice.unit_price if invoice else None,
        invoice_quantity=invoice.quantity if invoice else None,
        invoice_credit_type_id=invoice.credit_type_id if invoice else None,
        proration=ProrationMode(wire.proration or "FIRST_AND_LAST"),
        access_rounding=_rounding(
            rounding.access if rounding else None, f"{here}.proration_rounding.access"
        ),
        invoice_rounding=_rounding(invoice_rounding, f"{here}.proration_rounding.invoice"),
        recurrence_frequency=Frequency(wire.recurrence_frequency)
        if wire.recurrence_frequency
        else None,
        rollover_fraction=wire.rollover_fraction,
        applicable_product_ids=tuple(wire.applicable_product_ids or ()),
        applicable_product_tags=tuple(wire.applicable_product_tags or ()),
        specifiers=_specifiers(wire.specifiers),
        subscription_template_id=config.subscription_id if config else None,
        allocation=config.allocation or "POOLED" if config else "POOLED",
        apply_seat_increase_is_prorated=config.apply_seat_increase_config.is_prorated
        if config
        else False,
        name=wire.name,
        description=wire.description,
        temporary_id=wire.temporary_id,
    )


def _subscription(wire: SubscriptionWire, here: str, new_id: NewId) -> PackageSubscription:
    proration = wire.proration
    behavior = proration.invoice_behavior
    if behavior is None:
        behavior = (
            "BILL_IMMEDIATELY"
            if wire.collection_schedule == "ADVANCE"
            else "BILL_ON_NEXT_COLLECTION_DATE"
        )
    placement = wire.billing_cycle_config.invoice_placement if wire.billing_cycle_config else None
    seats = wire.seat_config
    return PackageSubscription(
        id=new_id(),
        product_id=wire.subscription_rate.product_id,
        billing_frequency=BillingFrequency(wire.subscription_rate.billing_frequency),
        collection_schedule=CollectionSchedule(wire.collection_schedule),
        is_prorated=True if proration.is_prorated is None else proration.is_prorated,
        invoice_behavior=InvoiceBehavior(behavior),
        proration_rounding=_rounding(proration.rounding, f"{here}.proration.rounding"),
        starting_at_offset=_opt_offset(wire.starting_at_offset),
        duration=_opt_offset(wire.duration),
        invoice_placement=InvoicePlacement(placement) if placement else None,
        initial_quantity=wire.initial_quantity,
        quantity_management_mode=wire.quantity_management_mode or "QUANTITY_ONLY",
        seat_group_key=seats.seat_group_key if seats else None,
        initial_unassigned_seats=seats.initial_unassigned_seats if seats else None,
        name=wire.name,
        description=wire.description,
        custom_fields=_frozen(wire.custom_fields),
        temporary_id=wire.temporary_id,
    )


def _override_specifiers(wires: list[OverrideSpecifierWire]) -> tuple[OverrideSpecifier, ...]:
    return tuple(
        OverrideSpecifier(
            product_id=s.product_id,
            product_tags=frozenset(s.product_tags or ()),
            pricing_group_values=dict(s.pricing_group_values or {}),
            presentation_group_values=dict(s.presentation_group_values or {}),
            billing_frequency=BillingFrequency(s.billing_frequency)
            if s.billing_frequency
            else None,
            commit_ids=frozenset(s.commit_ids or ()),
            recurring_commit_ids=frozenset(s.recurring_commit_ids or ()),
            any_commit_or_credit_ids=frozenset(s.any_commit_or_credit_ids or ()),
        )
        for s in wires
    )


def _overwrite_rate(wire: OverwriteRateWire | None, here: str) -> Rate | None:
    if wire is None:
        return None
    if wire.rate_type == "CUSTOM" or wire.custom_rate is not None:
        raise BadRequest(f"{here}.overwrite_rate.rate_type: CUSTOM rates are not supported")
    return Rate(
        rate_type=RateType(wire.rate_type),
        price=wire.price,
        tiers=tuple(Tier(t.price, t.size) for t in wire.tiers or ()),
        is_prorated=wire.is_prorated,
        quantity=wire.quantity,
        credit_type_id=wire.credit_type_id,
    )


def _override(wire: _OverrideTerms, here: str, new_id: NewId) -> PackageOverride:
    relative = isinstance(wire, OverrideWire)
    absolute = wire if isinstance(wire, AbsoluteOverrideWire) else None
    return PackageOverride(
        id=new_id(),
        specifiers=_override_specifiers(wire.override_specifiers),
        starting_at_offset=offset(wire.starting_at_offset)
        if isinstance(wire, OverrideWire)
        else None,
        duration=_opt_offset(wire.duration) if isinstance(wire, OverrideWire) else None,
        absolute=AbsoluteWindow(absolute.starting_at, absolute.ending_before)
        if absolute and not relative
        else None,
        type=OverrideType(wire.type) if wire.type else None,
        multiplier=wire.multiplier,
        overwrite_rate=_overwrite_rate(wire.overwrite_rate, here),
        tiers=tuple(OverrideTier(t.multiplier, t.size) for t in wire.tiers or ()),
        priority=wire.priority,
        entitled=wire.entitled,
        is_commit_specific=bool(wire.is_commit_specific),
        target=OverrideTarget(wire.target or "LIST_RATE"),
    )


def _statement_schedule(wire: StatementScheduleWire | None) -> PackageStatementSchedule:
    if wire is None:
        return PackageStatementSchedule()
    return PackageStatementSchedule(
        frequency=Frequency(wire.frequency),
        day=StatementDay(wire.day or "FIRST_OF_MONTH"),
        invoice_generation_starting_at_offset=_opt_offset(
            wire.invoice_generation_starting_at_offset
        ),
    )


def _settings(body: PackageCreateBody) -> MappingProxyType[str, object]:
    blobs = {
        "spend_threshold_configuration": settings_value(body.spend_threshold_configuration),
        "prepaid_balance_threshold_configuration": settings_value(
            body.prepaid_balance_threshold_configuration
        ),
        "spend_trackers": settings_value(body.spend_trackers),
    }
    return MappingProxyType({key: value for key, value in blobs.items() if value is not None})


def to_draft(body: PackageCreateBody, new_id: NewId) -> Package:
    """The package the body describes (id and creation time are the service's to set)."""
    commits = tuple(_commit(c, CommitKind(c.type), new_id) for c in body.commits)
    credits = tuple(_commit(c, CommitKind.CREDIT, new_id) for c in body.credits)
    recurring = tuple(
        _recurring(r, CommitKind.PREPAID, f"recurring_commits[{i}]", new_id)
        for i, r in enumerate(body.recurring_commits)
    ) + tuple(
        _recurring(r, CommitKind.CREDIT, f"recurring_credits[{i}]", new_id)
        for i, r in enumerate(body.recurring_credits)
    )
    overrides = tuple(_override(o, f"overrides[{i}]", new_id) for i, o in enumerate(body.overrides))
    if isinstance(body, XPackageCreateBody):
        overrides += tuple(
            _override(o, f"x_absolute_overrides[{i}]", new_id)
            for i, o in enumerate(body.x_absolute_overrides)
        )
    prioritization = body.multiplier_override_prioritization
    return Package(
        id="",
        name=body.name,
        created_at=datetime.min.replace(tzinfo=UTC),
        contract_name=body.contract_name,
        duration=_opt_offset(body.duration),
        rate_card_id=body.rate_card_id,
        rate_card_alias=body.rate_card_alias,
        net_payment_terms_days=body.net_payment_terms_days,
        multiplier_override_prioritization=Prioritization(prioritization)
        if prioritization
        else None,
        scheduled_charges_on_usage_invoices=body.scheduled_charges_on_usage_invoices == "ALL",
        usage_statement_schedule=_statement_schedule(body.usage_statement_schedule),
        commits=commits + credits,
        recurring_commits=recurring,
        scheduled_charges=tuple(
            PackageScheduledCharge(
                id=new_id(),
                product_id=c.product_id,
                schedule=_invoice(c.schedule, new_id),
                name=c.name,
                custom_fields=_frozen(c.custom_fields),
            )
            for c in body.scheduled_charges
        ),
        subscriptions=tuple(
            _subscription(s, f"subscriptions[{i}]", new_id)
            for i, s in enumerate(body.subscriptions)
        ),
        overrides=overrides,
        aliases=tuple(PackageAlias(a.name, a.starting_at, a.ending_before) for a in body.aliases),
        uniqueness_key=body.uniqueness_key,
        billing_provider=body.billing_provider,
        delivery_method=body.delivery_method,
        settings=_settings(body),
    )
