"""The pure pricing core: rates, their schedule, quantity conversion and overrides.

Public surface (everything exact ``Decimal``, datetimes UTC-aware, no clock):

* values: ``Rate``, ``Tier``, ``CommitRate``, ``RateEntry``, ``RateType``, ``BillingFrequency``
* ``price_rate(rate, quantity, already=0) -> Charge`` (with ``TierBand`` breakdown)
* ``rate_in_force(entries, product_id, at, ...) -> RateEntry | None``, ``rate_segments``
* ``ProductPricing``, ``billable_quantity`` (convert, then round), ``composite_spend``
* overrides: ``price_usage(entry, overrides, usage, quantity, ...) -> PricedUsage``
* validation helpers raising ``PricingValidationError`` (a ``DomainValidationError``)
"""

from meterbill.core.pricing.charge import Charge, TierBand
from meterbill.core.pricing.composite import ProductSpend, composite_spend, referenced_spend
from meterbill.core.pricing.errors import PricingValidationError
from meterbill.core.pricing.overrides import (
    DrawnBalance,
    Override,
    OverrideSpecifier,
    OverrideTarget,
    OverrideTier,
    OverrideType,
    PricedPiece,
    PricedUsage,
    Prioritization,
    RateSource,
    Usage,
    price_usage,
    specifiers_for,
    validate_override,
)
from meterbill.core.pricing.pricing import price_rate
from meterbill.core.pricing.product import (
    ConversionOperation,
    ProductPricing,
    QuantityConversion,
    QuantityRounding,
    billable_quantity,
    convert_quantity,
)
from meterbill.core.pricing.rate_types import PRICERS
from meterbill.core.pricing.schedule import (
    RateSegment,
    rate_in_force,
    rate_segments,
    rates_in_force,
)
from meterbill.core.pricing.validation import (
    validate_commit_rate,
    validate_product_pricing,
    validate_rate,
    validate_rate_entry,
    validate_tiers,
)
from meterbill.core.pricing.values import (
    USD_CENTS_CREDIT_TYPE_ID,
    BillingFrequency,
    CommitRate,
    Rate,
    RateEntry,
    RateType,
    Tier,
)

__all__ = [
    "PRICERS",
    "USD_CENTS_CREDIT_TYPE_ID",
    "BillingFrequency",
    "Charge",
    "CommitRate",
    "ConversionOperation",
    "DrawnBalance",
    "Override",
    "OverrideSpecifier",
    "OverrideTarget",
    "OverrideTier",
    "OverrideType",
    "PricedPiece",
    "PricedUsage",
    "PricingValidationError",
    "Prioritization",
    "ProductPricing",
    "ProductSpend",
    "QuantityConversion",
    "QuantityRounding",
    "Rate",
    "RateEntry",
    "RateSegment",
    "RateSource",
    "RateType",
    "Tier",
    "TierBand",
    "Usage",
    "billable_quantity",
    "composite_spend",
    "convert_quantity",
    "price_rate",
    "price_usage",
    "rate_in_force",
    "rate_segments",
    "rates_in_force",
    "referenced_spend",
    "specifiers_for",
    "validate_commit_rate",
    "validate_override",
    "validate_product_pricing",
    "validate_rate",
    "validate_rate_entry",
    "validate_tiers",
]
