"""Which rates, tiers and quantities are allowed. Each check raises ``PricingValidationError``
naming the offending field in wire terms, and returns ``None`` when the value is fine.

``prefix`` arguments let a caller place the field inside a larger payload
(``"overwrite_rate"``, ``"rates[3]"``). The rules come from the SDK field docs, see
docs/decisions/pricing-tier-validation.md for those the spec leaves open.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from meterbill.core.pricing.errors import PricingValidationError
from meterbill.core.pricing.product import ProductPricing
from meterbill.core.pricing.values import CommitRate, Rate, RateEntry, RateType, Tier

_TIERED_TYPES = frozenset({RateType.TIERED, RateType.TIERED_PERCENTAGE})
_ONE = Decimal(1)


def at(prefix: str, name: str) -> str:
    """The field path ``name`` inside ``prefix`` (``name`` alone when there is no prefix)."""
    return f"{prefix}.{name}" if prefix else name


def require_non_negative(value: Decimal, field: str) -> None:
    """Refuse a negative (or NaN) ``value``."""
    if not value.is_finite() or value < 0:
        raise PricingValidationError(field, f"must be a finite number >= 0, got {value}")


def require_fraction(value: Decimal, field: str) -> None:
    """Refuse a percentage outside 0..1 (0.1 means 10%)."""
    if not value.is_finite() or not 0 <= value <= _ONE:
        raise PricingValidationError(field, f"must be a fraction between 0 and 1, got {value}")


def required_price(rate: Rate, prefix: str = "") -> Decimal:
    """``rate.price``, refusing its absence."""
    if rate.price is None:
        raise PricingValidationError(at(prefix, "price"), f"is required for {rate.rate_type.value}")
    return rate.price


def validate_tiers(
    tiers: tuple[Tier, ...], field: str = "tiers", *, fractions: bool = False
) -> None:
    """Graduated tiers: at least one; every band but the last has a size > 0; the last is open.

    Prices are >= 0, and fractions in 0..1 when ``fractions`` (TIERED_PERCENTAGE).
    """
    if not tiers:
        raise PricingValidationError(field, "needs at least one tier")
    for index, tier in enumerate(tiers):
        here = f"{field}[{index}]"
        _validate_tier_price(tier.price, f"{here}.price", fractions)
        if tier.size is None and index < len(tiers) - 1:
            raise PricingValidationError(f"{here}.size", "only the last tier may omit its size")
        if tier.size is not None:
            _validate_tier_size(tier.size, f"{here}.size")
    if tiers[-1].size is not None:
        raise PricingValidationError(
            f"{field}[{len(tiers) - 1}].size", "the last tier must be open (no size)"
        )


def _validate_tier_price(price: Decimal, field: str, fractions: bool) -> None:
    if fractions:
        require_fraction(price, field)
    else:
        require_non_negative(price, field)


def _validate_tier_size(size: Decimal, field: str) -> None:
    """A band width: positive, so cumulative bounds strictly increase."""
    if not size.is_finite() or size <= 0:
        raise PricingValidationError(field, f"must be greater than 0, got {size}")


def validate_rate(rate: Rate, prefix: str = "") -> None:
    """A rate as ``addRate`` or an ``overwrite_rate`` carries it; CUSTOM is refused."""
    _validate_priced_shape(rate.rate_type, rate.price, rate.tiers, prefix)
    is_subscription = rate.rate_type is RateType.SUBSCRIPTION
    if rate.is_prorated is not None and not (is_subscription and rate.is_prorated):
        raise PricingValidationError(
            at(prefix, "is_prorated"), "is only valid for SUBSCRIPTION and must be true"
        )
    if rate.quantity is not None:
        if not is_subscription:
            raise PricingValidationError(at(prefix, "quantity"), "is only valid for SUBSCRIPTION")
        require_non_negative(rate.quantity, at(prefix, "quantity"))


def validate_commit_rate(commit_rate: CommitRate, prefix: str = "commit_rate") -> None:
    """A ``commit_rate``: the same price and tier rules as a rate; CUSTOM is refused."""
    _validate_priced_shape(commit_rate.rate_type, commit_rate.price, commit_rate.tiers, prefix)


def validate_rate_entry(entry: RateEntry, prefix: str = "") -> None:
    """A scheduled rate: a valid rate and commit rate in a non-empty UTC-aware window."""
    validate_window(entry.starting_at, entry.ending_before, prefix)
    validate_rate(entry.rate, prefix)
    if entry.commit_rate is not None:
        validate_commit_rate(entry.commit_rate, at(prefix, "commit_rate"))


def validate_window(
    starting_at: datetime, ending_before: datetime | None, prefix: str = ""
) -> None:
    """``starting_at`` and ``ending_before`` are aware datetimes and the window is not empty."""
    for name, value in (("starting_at", starting_at), ("ending_before", ending_before)):
        if value is not None and value.utcoffset() is None:
            raise PricingValidationError(at(prefix, name), "must carry a time zone (UTC)")
    if ending_before is not None and ending_before <= starting_at:
        raise PricingValidationError(at(prefix, "ending_before"), "must be after starting_at")


def validate_quantity(quantity: Decimal, field: str = "quantity") -> None:
    """A quantity to price: finite and >= 0 (docs/decisions/pricing-tier-validation.md)."""
    require_non_negative(quantity, field)


def validate_product_pricing(product: ProductPricing) -> None:
    """A positive ``quantity_conversion.conversion_factor`` and whole ``decimal_places``."""
    conversion = product.quantity_conversion
    if conversion is not None:
        _validate_tier_size(conversion.conversion_factor, "quantity_conversion.conversion_factor")
    rounding = product.quantity_rounding
    if rounding is not None and rounding.decimal_places < 0:
        raise PricingValidationError("quantity_rounding.decimal_places", "must be >= 0")


def _validate_priced_shape(
    rate_type: RateType, price: Decimal | None, tiers: tuple[Tier, ...], prefix: str
) -> None:
    """``price`` for single-price types, ``tiers`` for tiered ones, never both; no CUSTOM."""
    if rate_type is RateType.CUSTOM:
        raise PricingValidationError(at(prefix, "rate_type"), "CUSTOM rates are not supported")
    if rate_type in _TIERED_TYPES:
        if price is not None:
            raise PricingValidationError(at(prefix, "price"), f"is not used by {rate_type.value}")
        fractions = rate_type is RateType.TIERED_PERCENTAGE
        validate_tiers(tiers, at(prefix, "tiers"), fractions=fractions)
        return
    if tiers:
        raise PricingValidationError(at(prefix, "tiers"), f"are not used by {rate_type.value}")
    if price is None:
        raise PricingValidationError(at(prefix, "price"), f"is required for {rate_type.value}")
    if rate_type is RateType.PERCENTAGE:
        require_fraction(price, at(prefix, "price"))
    else:
        require_non_negative(price, at(prefix, "price"))
