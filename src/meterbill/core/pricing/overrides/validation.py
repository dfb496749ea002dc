"""Which overrides are allowed; each check raises ``PricingValidationError`` naming the field."""

from __future__ import annotations

from meterbill.core.pricing.errors import PricingValidationError
from meterbill.core.pricing.overrides.model import (
    Override,
    OverrideSpecifier,
    OverrideTarget,
    OverrideTier,
    OverrideType,
    Prioritization,
)
from meterbill.core.pricing.validation import (
    at,
    require_non_negative,
    validate_rate,
    validate_window,
)


def validate_override(override: Override, prioritization: Prioritization, prefix: str = "") -> None:
    """An override as ``contracts/create`` or ``edit`` carries it, for a contract with
    ``prioritization``."""
    validate_window(override.starting_at, override.ending_before, prefix)
    _validate_priority(override, prioritization, prefix)
    _validate_by_type(override, prioritization, prefix)
    if override.target is OverrideTarget.COMMIT_RATE and not override.is_commit_specific:
        raise PricingValidationError(
            at(prefix, "target"), "COMMIT_RATE is only valid for commit-specific overrides"
        )
    if not override.specifiers:
        raise PricingValidationError(
            at(prefix, "override_specifiers"),
            "give product_id, applicable_product_tags or override_specifiers",
        )
    for index, specifier in enumerate(override.specifiers):
        field = at(prefix, f"override_specifiers[{index}]")
        _validate_specifier(specifier, override.is_commit_specific, field)


def _validate_priority(override: Override, prioritization: Prioritization, prefix: str) -> None:
    field = at(prefix, "priority")
    if override.priority is not None and not (
        override.priority.is_finite() and override.priority > 0
    ):
        raise PricingValidationError(field, f"must be greater than 0, got {override.priority}")
    needs_priority = override.type is OverrideType.TIERED or (
        override.type is OverrideType.MULTIPLIER and prioritization is Prioritization.EXPLICIT
    )
    if needs_priority and override.priority is None:
        raise PricingValidationError(field, f"is required for this {override.type} override")


def _validate_by_type(override: Override, prioritization: Prioritization, prefix: str) -> None:
    if override.type is OverrideType.MULTIPLIER:
        if override.multiplier is None:
            raise PricingValidationError(at(prefix, "multiplier"), "is required for MULTIPLIER")
        require_non_negative(override.multiplier, at(prefix, "multiplier"))
    elif override.type is OverrideType.OVERWRITE:
        if override.overwrite_rate is None:
            raise PricingValidationError(at(prefix, "overwrite_rate"), "is required for OVERWRITE")
        validate_rate(override.overwrite_rate, at(prefix, "overwrite_rate"))
    elif override.type is OverrideType.TIERED:
        if prioritization is not Prioritization.EXPLICIT:
            raise PricingValidationError(
                at(prefix, "type"), "TIERED overrides need EXPLICIT prioritization"
            )
        validate_override_tiers(override.tiers, at(prefix, "tiers"))


def validate_override_tiers(tiers: tuple[OverrideTier, ...], field: str = "tiers") -> None:
    """At least one band; multipliers >= 0; sizes > 0; only the last band may be open.

    Unlike rate tiers the last band may have a size: units past it fall through to the next
    override (decisions.md §5).
    """
    if not tiers:
        raise PricingValidationError(field, "needs at least one tier")
    for index, tier in enumerate(tiers):
        here = f"{field}[{index}]"
        require_non_negative(tier.multiplier, f"{here}.multiplier")
        if tier.size is None and index < len(tiers) - 1:
            raise PricingValidationError(f"{here}.size", "only the last tier may omit its size")
        if tier.size is not None and not (tier.size.is_finite() and tier.size > 0):
            raise PricingValidationError(f"{here}.size", f"must be greater than 0, got {tier.size}")


def _validate_specifier(specifier: OverrideSpecifier, commit_specific: bool, field: str) -> None:
    if not specifier.names_balances:
        return
    if not commit_specific:
        raise PricingValidationError(
            at(field, "commit_ids"), "commit fields are only valid for commit-specific overrides"
        )
    if specifier.any_commit_or_credit_ids and (
        specifier.commit_ids or specifier.recurring_commit_ids
    ):
        raise PricingValidationError(
            at(field, "any_commit_or_credit_ids"),
            "replaces commit_ids and recurring_commit_ids; do not combine them",
        )
    if not (
        specifier.product_id
        or specifier.product_tags
        or specifier.pricing_group_values
        or specifier.presentation_group_values
    ):
        raise PricingValidationError(
            at(field, "commit_ids"),
            "must be combined with product_id, product_tags or group values",
        )
