"""The spend a composite product's PERCENTAGE rate applies to.

A spend line counts when its product is named in ``composite_product_ids`` or carries any of
``composite_tags`` (docs/decisions/pricing-composite-spend.md). The composite never counts
itself; other composites count only with ``include_composite_spend``; $0 lines are skipped
with ``exclude_free_usage`` (which changes no sum, only which lines are listed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from meterbill.core.pricing._exact import total
from meterbill.core.pricing.product import ProductPricing


@dataclass(frozen=True, slots=True)
class ProductSpend:
    """The amount charged for one product in the period (one pricing unit, after overrides)."""

    product_id: str
    amount: Decimal
    tags: frozenset[str] = frozenset()
    is_composite: bool = False


def counts_towards(composite: ProductPricing, spend: ProductSpend) -> bool:
    """Whether ``spend`` is part of the base of ``composite``'s percentage."""
    if spend.product_id == composite.product_id:
        return False
    if spend.is_composite and not composite.include_composite_spend:
        return False
    if composite.exclude_free_usage and spend.amount == 0:
        return False
    return spend.product_id in composite.composite_product_ids or bool(
        spend.tags & composite.composite_tags
    )


def referenced_spend(
    composite: ProductPricing, spends: Iterable[ProductSpend]
) -> tuple[ProductSpend, ...]:
    """The spend lines ``composite`` takes a percentage of, in input order."""
    return tuple(spend for spend in spends if counts_towards(composite, spend))


def composite_spend(composite: ProductPricing, spends: Iterable[ProductSpend]) -> Decimal:
    """The exact total spend ``composite``'s PERCENTAGE rate is a fraction of."""
    return total(spend.amount for spend in referenced_spend(composite, spends))
