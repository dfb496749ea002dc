"""Contract overrides: matching, prioritisation and pricing with them (decisions.md §5)."""

from meterbill.core.pricing.overrides.matching import applies_to, specifier_matches
from meterbill.core.pricing.overrides.model import (
    DrawnBalance,
    Override,
    OverrideSpecifier,
    OverrideTarget,
    OverrideTier,
    OverrideType,
    Prioritization,
    Usage,
    specifiers_for,
)
from meterbill.core.pricing.overrides.resolve import (
    PricedPiece,
    PricedUsage,
    RateSource,
    is_entitled,
    price_usage,
)
from meterbill.core.pricing.overrides.validation import validate_override, validate_override_tiers

__all__ = [
    "DrawnBalance",
    "Override",
    "OverrideSpecifier",
    "OverrideTarget",
    "OverrideTier",
    "OverrideType",
    "PricedPiece",
    "PricedUsage",
    "Prioritization",
    "RateSource",
    "Usage",
    "applies_to",
    "is_entitled",
    "price_usage",
    "specifier_matches",
    "specifiers_for",
    "validate_override",
    "validate_override_tiers",
]
