"""Which charges a balance segment may pay for.

A segment applies to a charge when (1) the charge is in the segment's pricing unit (QUANTITY
balances count units and ignore it), (2) the charge's service window lies inside the segment's
access window, and (3) the charge's product matches the balance's applicability:

* no product ids, tags or specifiers: every *usage* product (usage and composite charges);
* ``applicable_product_ids`` / ``applicable_product_tags``: the product is listed or carries any
  listed tag;
* ``specifiers``: any specifier matches (OR across); within one, every given field must match
  (AND). A specifier naming group values only matches charges that carry those values, so
  subscriptions and composite products (no group values) never match one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from meterbill.core.contracts.terms import EMPTY, AccessType, CommitSpecifier
from meterbill.core.drawdown.segments import BalanceSegment

__all__ = ["DrawableCharge", "ProductFacts", "applicable_product_count", "applies"]


@dataclass(frozen=True, slots=True)
class DrawableCharge:
    """A priced charge that balances may pay for.

    ``amount`` is the charge at the rate the invoice shows without balances (the list rate after
    overrides); ``commit_rate_amount`` the same quantity at the commit rate (None = no commit
    rate: COMMIT_RATE balances fall back to ``amount``). ``starting_at``/``ending_before`` is the
    service window of the usage (an instant charge has a window of its own instant). ``is_usage``
    is False for subscription, scheduled and commit-purchase charges. ``sequence`` breaks ties
    between charges with the same window (the invoice line order).
    """

    id: str
    product_id: str
    starting_at: datetime
    ending_before: datetime
    amount: Decimal
    quantity: Decimal = Decimal(1)
    credit_type_id: str = ""
    product_tags: frozenset[str] = frozenset()
    pricing_group_values: Mapping[str, str | None] = field(default_factory=lambda: EMPTY)
    presentation_group_values: Mapping[str, str | None] = field(default_factory=lambda: EMPTY)
    commit_rate_amount: Decimal | None = None
    is_usage: bool = True
    sequence: int = 0


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """What the applicability count needs to know of a catalog product."""

    id: str
    tags: frozenset[str] = frozenset()
    is_usage: bool = True


def applies(segment: BalanceSegment, charge: DrawableCharge) -> bool:
    """Whether ``segment`` may pay for ``charge`` (pricing unit, window and product)."""
    if segment.access_type is AccessType.SPEND and segment.credit_type_id != charge.credit_type_id:
        return False
    if not segment.holds(charge.starting_at, charge.ending_before):
        return False
    return _product_matches(segment, charge)


def _product_matches(segment: BalanceSegment, charge: DrawableCharge) -> bool:
    if segment.applies_to_everything:
        return charge.is_usage
    if segment.specifiers:
        return any(_specifier_matches(s, charge) for s in segment.specifiers)
    if charge.product_id in segment.applicable_product_ids:
        return True
    return any(tag in charge.product_tags for tag in segment.applicable_product_tags)


def _specifier_matches(specifier: CommitSpecifier, charge: DrawableCharge) -> bool:
    if specifier.product_id is not None and specifier.product_id != charge.product_id:
        return False
    if not set(specifier.product_tags) <= charge.product_tags:
        return False
    return _groups_match(specifier.pricing_group_values, charge.pricing_group_values) and (
        _groups_match(specifier.presentation_group_values, charge.presentation_group_values)
    )


def _groups_match(wanted: Mapping[str, str], carried: Mapping[str, str | None]) -> bool:
    return all(key in carried and carried[key] == value for key, value in wanted.items())


def applicable_product_count(
    segment: BalanceSegment, products: Iterable[ProductFacts]
) -> int | None:
    """How many catalog products the balance applies to (None = all: no restriction).

    Specifiers with group values count the products they name (the group restriction narrows
    usage, not products).
    """
    if segment.applies_to_everything:
        return None
    return sum(1 for p in products if _counts(segment, p))


def _counts(segment: BalanceSegment, product: ProductFacts) -> bool:
    if segment.specifiers:
        return any(
            (s.product_id is None or s.product_id == product.id)
            and set(s.product_tags) <= product.tags
            for s in segment.specifiers
        )
    if product.id in segment.applicable_product_ids:
        return True
    return any(tag in product.tags for tag in segment.applicable_product_tags)
