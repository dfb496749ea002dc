"""Request shapes of ``/v1/contracts/create`` terms, shared by ``amend`` and ``/v2/contracts/edit``.

Field names and enums are the SDK's (``types/v1/contract_create_params.py``,
``types/v2/contract_edit_params.py``). Fields meterbill does not implement are declared as
``Any`` so the converter can refuse them with a 400 naming the field; integration settings are
kept verbatim.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from meterbill.api.wire import Instant, NonEmptyStr, Number, Upper, WireModel

RateTypeName = Annotated[
    Literal["FLAT", "PERCENTAGE", "SUBSCRIPTION", "TIERED", "TIERED_PERCENTAGE", "CUSTOM"], Upper
]
BalanceRate = Annotated[Literal["COMMIT_RATE", "LIST_RATE"], Upper]
AccessTypeName = Annotated[Literal["SPEND", "QUANTITY"], Upper]
BillingFrequencyName = Annotated[Literal["MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY"], Upper]
ScheduleFrequency = Annotated[
    Literal["MONTHLY", "QUARTERLY", "SEMI_ANNUAL", "ANNUAL", "WEEKLY"], Upper
]
RecurrenceFrequency = Annotated[Literal["MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY", "DAILY"], Upper]
RoundingMethodName = Annotated[Literal["HALF_UP", "FLOOR", "CEILING"], Upper]


# --- thresholds: threshold configurations are validated here and kept in ``Contract.settings``
# as sent (``core.drawdown.thresholds`` reads them). meterbill takes no payments itself: a
# STRIPE payment gate and Stripe/Anrok tax are refused with a 400 naming the field.


class PrecalculatedTaxIn(WireModel):
    tax_amount: Number
    tax_name: str | None = None


class StripeGateIn(WireModel):
    payment_type: Annotated[Literal["INVOICE", "PAYMENT_INTENT"], Upper]
    invoice_metadata: dict[str, str] | None = None


def _supported_gate(gate: PaymentGateIn) -> PaymentGateIn:
    if gate.payment_gate_type == "STRIPE":
        raise ValueError(
            "payment_gate_type STRIPE is not supported by meterbill (use NONE or EXTERNAL)"
        )
    if gate.tax_type not in (None, "NONE"):
        raise ValueError(f"tax_type {gate.tax_type} is not supported by meterbill (use NONE)")
    if gate.stripe_config is not None:
        raise ValueError("stripe_config is not supported by meterbill")
    if gate.precalculated_tax_config is not None:
        raise ValueError("precalculated_tax_config is not supported by meterbill")
    return gate


class PaymentGateIn(WireModel):
    payment_gate_type: Annotated[Literal["NONE", "STRIPE", "EXTERNAL"], Upper]
    precalculated_tax_config: PrecalculatedTaxIn | None = None
    stripe_config: StripeGateIn | None = None
    tax_type: Annotated[Literal["NONE", "STRIPE", "ANROK", "PRECALCULATED"], Upper] | None = None


SupportedGate = Annotated[PaymentGateIn, AfterValidator(_supported_gate)]


class ThresholdCommitIn(WireModel):
    product_id: str
    name: str | None = None
    description: str | None = None
    priority: Number | None = None


class ThresholdDurationIn(WireModel):
    unit: Annotated[Literal["DAYS", "WEEKS", "MONTHS", "YEARS"], Upper]
    value: Annotated[int, Field(gt=0)]


class RechargeCommitIn(ThresholdCommitIn):
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    duration: ThresholdDurationIn | None = None
    rate_type: BalanceRate | None = None
    rollover_fraction: Annotated[Number, Field(ge=0, le=1)] | None = None
    specifiers: list[SpecifierIn] | None = None


class DiscountCapIn(WireModel):
    amount: Annotated[Number, Field(ge=0)]
    spend_tracker_alias: str


class DiscountIn(WireModel):
    payment_fraction: Annotated[Number, Field(ge=0, le=1)]
    cap: DiscountCapIn | None = None


class CustomFieldFilterIn(WireModel):
    entity: Literal["Commit", "ContractCredit", "ContractCreditOrCommit"]
    key: str
    value: str


class BalanceExcludeIn(WireModel):
    custom_field_filters: list[CustomFieldFilterIn]


class BalanceSpecifierIn(WireModel):
    exclude: list[BalanceExcludeIn]


class SpendThresholdIn(WireModel):
    commit: ThresholdCommitIn
    is_enabled: bool
    payment_gate_config: SupportedGate
    threshold_amount: Annotated[Number, Field(gt=0)]
    discount_configuration: DiscountIn | None = None


class PrepaidThresholdIn(WireModel):
    commit: RechargeCommitIn
    is_enabled: bool
    payment_gate_config: SupportedGate
    recharge_to_amount: Number
    threshold_amount: Number
    custom_credit_type_id: str | None = None
    discount_configuration: DiscountIn | None = None
    threshold_balance_specifiers: list[BalanceSpecifierIn] | None = None


class SpendSpecifierIn(WireModel):
    sources: list[Annotated[Literal["THRESHOLD_RECHARGE", "MANUAL"], Upper]]
    spend_type: Annotated[Literal["COMMIT_PURCHASE"], Upper]
    discounted: Annotated[Literal["ANY", "DISCOUNTED_ONLY", "UNDISCOUNTED_ONLY"], Upper] | None = (
        None
    )


class SpendTrackerIn(WireModel):
    alias: NonEmptyStr
    applicable_spend_specifiers: list[SpendSpecifierIn]
    credit_type_id: str
    reset_frequency: Annotated[Literal["BILLING_PERIOD"], Upper]


def settings_value(value: Any) -> Any:
    """A validated settings field as stored: wire models become plain JSON-shaped values."""
    if isinstance(value, WireModel):
        return value.model_dump(exclude_none=True)
    if isinstance(value, list):
        return [settings_value(item) for item in value]
    return value


class AccessItemIn(WireModel):
    amount: Number
    starting_at: Instant
    ending_before: Instant


class AccessScheduleIn(WireModel):
    schedule_items: list[AccessItemIn]
    access_type: AccessTypeName | None = None
    credit_type_id: str | None = None


class InvoiceItemIn(WireModel):
    timestamp: Instant
    amount: Number | None = None
    quantity: Number | None = None
    unit_price: Number | None = None


class RecurringScheduleIn(WireModel):
    amount_distribution: Annotated[Literal["DIVIDED", "DIVIDED_ROUNDED", "EACH"], Upper]
    starting_at: Instant
    ending_before: Instant
    frequency: ScheduleFrequency
    amount: Number | None = None
    quantity: Number | None = None
    unit_price: Number | None = None


class InvoiceScheduleIn(WireModel):
    credit_type_id: str | None = None
    do_not_invoice: bool | None = None
    recurring_schedule: RecurringScheduleIn | None = None
    schedule_items: list[InvoiceItemIn] | None = None


class SpecifierIn(WireModel):
    presentation_group_values: dict[str, str] | None = None
    pricing_group_values: dict[str, str] | None = None
    product_id: str | None = None
    product_tags: list[str] | None = None


class CommitIn(WireModel):
    product_id: NonEmptyStr
    type: Annotated[Literal["PREPAID", "POSTPAID"], Upper]
    access_schedule: AccessScheduleIn | None = None
    amount: Number | None = None
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    custom_fields: dict[str, str] | None = None
    description: str | None = None
    hierarchy_configuration: Any = None
    invoice_schedule: InvoiceScheduleIn | None = None
    name: str | None = None
    netsuite_sales_order_id: str | None = None
    payment_gate_config: Any = None
    priority: Number | None = None
    rate_type: BalanceRate | None = None
    rollover_fraction: Number | None = None
    specifiers: list[SpecifierIn] | None = None
    spend_tracker_attributes: dict[str, Any] | None = None
    temporary_id: str | None = None


class CreditIn(WireModel):
    product_id: NonEmptyStr
    access_schedule: AccessScheduleIn
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    custom_fields: dict[str, str] | None = None
    description: str | None = None
    hierarchy_configuration: Any = None
    name: str | None = None
    netsuite_sales_order_id: str | None = None
    priority: Number | None = None
    rate_type: BalanceRate | None = None
    rollover_fraction: Number | None = None
    specifiers: list[SpecifierIn] | None = None


class OverrideSpecifierIn(WireModel):
    any_commit_or_credit_ids: list[str] | None = None
    billing_frequency: BillingFrequencyName | None = None
    commit_ids: list[str] | None = None
    presentation_group_values: dict[str, str | None] | None = None
    pricing_group_values: dict[str, str] | None = None
    product_id: str | None = None
    product_tags: list[str] | None = None
    recurring_commit_ids: list[str] | None = None


class TierIn(WireModel):
    price: Number
    size: Number | None = None


class OverwriteRateIn(WireModel):
    rate_type: RateTypeName
    credit_type_id: str | None = None
    custom_rate: Any = None
    is_prorated: bool | None = None
    price: Number | None = None
    quantity: Number | None = None
    tiers: list[TierIn] | None = None


class OverrideTierIn(WireModel):
    multiplier: Number
    size: Number | None = None


class OverrideIn(WireModel):
    starting_at: Instant
    applicable_product_tags: list[str] | None = None
    ending_before: Instant | None = None
    entitled: bool | None = None
    is_commit_specific: bool | None = None
    multiplier: Number | None = None
    override_specifiers: list[OverrideSpecifierIn] | None = None
    overwrite_rate: OverwriteRateIn | None = None
    priority: Number | None = None
    product_id: str | None = None
    target: BalanceRate | None = None
    tiers: list[OverrideTierIn] | None = None
    type: Annotated[Literal["OVERWRITE", "MULTIPLIER", "TIERED"], Upper] | None = None


class RoundingIn(WireModel):
    decimal_places: Number
    rounding_method: RoundingMethodName


class ProrationRoundingIn(WireModel):
    access: RoundingIn | None = None
    invoice: RoundingIn | None = None


class AccessAmountIn(WireModel):
    unit_price: Number
    access_type: AccessTypeName | None = None
    credit_type_id: str | None = None
    quantity: Number | None = None


class CommitDurationIn(WireModel):
    value: Number
    unit: Annotated[Literal["PERIODS"], Upper] | None = None


class InvoiceAmountIn(WireModel):
    credit_type_id: str
    quantity: Number
    unit_price: Number


class SeatIncreaseIn(WireModel):
    is_prorated: bool


class RecurringSubscriptionConfigIn(WireModel):
    apply_seat_increase_config: SeatIncreaseIn
    subscription_id: NonEmptyStr
    allocation: Annotated[Literal["INDIVIDUAL", "POOLED"], Upper] | None = None


class RecurringCommitIn(WireModel):
    access_amount: AccessAmountIn
    commit_duration: CommitDurationIn
    priority: Number
    product_id: NonEmptyStr
    starting_at: Instant
    applicable_product_ids: list[str] | None = None
    applicable_product_tags: list[str] | None = None
    description: str | None = None
    ending_before: Instant | None = None
    hierarchy_configuration: Any = None
    invoice_amount: InvoiceAmountIn | None = None
    name: str | None = None
    netsuite_sales_order_id: str | None = None
    proration: Annotated[Literal["NONE", "FIRST", "LAST", "FIRST_AND_LAST"], Upper] | None = None
    proration_rounding: ProrationRoundingIn | None = None
    rate_type: BalanceRate | None = None
    recurrence_frequency: RecurrenceFrequency | None = None
    rollover_fraction: Number | None = None
    specifiers: list[SpecifierIn] | None = None
    subscription_config: RecurringSubscriptionConfigIn | None = None
    temporary_id: str | None = None


class ScheduledChargeIn(WireModel):
    product_id: NonEmptyStr
    schedule: InvoiceScheduleIn
    custom_fields: dict[str, str] | None = None
    name: str | None = None
    netsuite_sales_order_id: str | None = None


class SubscriptionProrationIn(WireModel):
    invoice_behavior: (
        Annotated[Literal["BILL_IMMEDIATELY", "BILL_ON_NEXT_COLLECTION_DATE"], Upper] | None
    ) = None
    is_prorated: bool | None = None
    rounding: RoundingIn | None = None


class SubscriptionRateIn(WireModel):
    billing_frequency: BillingFrequencyName
    product_id: NonEmptyStr


class BillingCycleConfigIn(WireModel):
    anchor_date: Instant | None = None
    invoice_placement: (
        Annotated[Literal["ON_SCHEDULED_INVOICE", "ON_USAGE_INVOICE"], Upper] | None
    ) = None


class SeatConfigIn(WireModel):
    initial_seat_ids: list[str]
    seat_group_key: NonEmptyStr
    initial_unassigned_seats: Number | None = None


class SubscriptionIn(WireModel):
    collection_schedule: Annotated[Literal["ADVANCE", "ARREARS"], Upper]
    proration: SubscriptionProrationIn
    subscription_rate: SubscriptionRateIn
    billing_cycle_config: BillingCycleConfigIn | None = None
    custom_fields: dict[str, str] | None = None
    description: str | None = None
    ending_before: Instant | None = None
    initial_quantity: Number | None = None
    name: str | None = None
    quantity_management_mode: Annotated[Literal["SEAT_BASED", "QUANTITY_ONLY"], Upper] | None = None
    seat_config: SeatConfigIn | None = None
    starting_at: Instant | None = None
    temporary_id: str | None = None


class TransitionIn(WireModel):
    from_contract_id: NonEmptyStr
    type: Annotated[Literal["RENEWAL", "SUPERSEDE"], Upper]
    future_invoice_behavior: dict[str, str | None] | None = None


class UsageFilterIn(WireModel):
    group_key: str
    group_values: list[str]
    starting_at: Instant | None = None


class UsageStatementScheduleIn(WireModel):
    frequency: Annotated[Literal["MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY"], Upper]
    billing_anchor_date: Instant | None = None
    day: Annotated[Literal["FIRST_OF_MONTH", "CONTRACT_START", "CUSTOM_DATE"], Upper] | None = None
    invoice_generation_starting_at: Instant | None = None


class ContractCreateIn(WireModel):
    """``/v1/contracts/create``."""

    customer_id: NonEmptyStr
    starting_at: Instant
    billing_provider_configuration: dict[str, Any] | None = None
    commits: list[CommitIn] | None = None
    credits: list[CreditIn] | None = None
    custom_fields: dict[str, str] | None = None
    discounts: Any = None
    ending_before: Instant | None = None
    hierarchy_configuration: Any = None
    multiplier_override_prioritization: (
        Annotated[Literal["LOWEST_MULTIPLIER", "EXPLICIT"], Upper] | None
    ) = None
    name: str | None = None
    net_payment_terms_days: Number | None = None
    netsuite_sales_order_id: str | None = None
    overrides: list[OverrideIn] | None = None
    package_alias: str | None = None
    package_id: str | None = None
    prepaid_balance_threshold_configuration: PrepaidThresholdIn | None = None  # --- thresholds
    professional_services: Any = None
    rate_card_alias: str | None = None
    rate_card_id: str | None = None
    recurring_commits: list[RecurringCommitIn] | None = None
    recurring_credits: list[RecurringCommitIn] | None = None
    reseller_royalties: Any = None
    revenue_system_configuration: dict[str, Any] | None = None
    salesforce_opportunity_id: str | None = None
    scheduled_charges: list[ScheduledChargeIn] | None = None
    scheduled_charges_on_usage_invoices: Annotated[Literal["ALL"], Upper] | None = None
    spend_threshold_configuration: SpendThresholdIn | None = None  # --- thresholds ---
    spend_trackers: list[SpendTrackerIn] | None = None
    subscriptions: list[SubscriptionIn] | None = None
    total_contract_value: Number | None = None
    transition: TransitionIn | None = None
    uniqueness_key: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    usage_filter: UsageFilterIn | None = None
    usage_statement_schedule: UsageStatementScheduleIn | None = None


# Kept verbatim in ``Contract.settings`` (stored and returned, not interpreted).
SETTINGS_FIELDS = (
    "billing_provider_configuration",
    "netsuite_sales_order_id",
    "salesforce_opportunity_id",
    "revenue_system_configuration",
    "total_contract_value",
    "spend_trackers",
    "spend_threshold_configuration",
    "prepaid_balance_threshold_configuration",
)

# Refused with a 400 naming the field (see docs/api-coverage.md).
REFUSED_CREATE_FIELDS = (
    "hierarchy_configuration",
    "reseller_royalties",
    "discounts",
    "professional_services",
)

# With package_id / package_alias, only these may be given (spec §1.6).
PACKAGE_FIELDS = frozenset(
    {
        "customer_id", "starting_at", "package_id", "package_alias", "uniqueness_key",
        "transition", "custom_fields",
    }
)  # fmt: skip
