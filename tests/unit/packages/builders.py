"""Packages for tests: the Starter Plan of the docs, and small pieces to build others."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from meterbill.core.contracts.terms import (
    BillingFrequency,
    CollectionSchedule,
    CommitKind,
    Frequency,
)
from meterbill.core.packages import (
    Package,
    PackageCommit,
    PackageOverride,
    PackageRecurringCommit,
    PackageScheduledCharge,
    PackageSubscription,
    RelativeAccessItem,
    RelativeAccessSchedule,
    RelativeInvoiceItem,
    RelativeInvoiceSchedule,
)
from meterbill.core.periods import Offset, OffsetUnit
from meterbill.core.pricing.overrides.model import OverrideSpecifier, OverrideType

INPUT_TOKENS = "product-input-tokens"
OUTPUT_TOKENS = "product-output-tokens"
SIGN_UP_CREDIT = "product-sign-up-credit"
PLATFORM_FEE = "product-platform-fee"
ONBOARDING = "product-onboarding"
PREPAID = "product-prepaid"
CREATED = datetime(2025, 9, 1, tzinfo=UTC)


def months(n: int) -> Offset:
    return Offset(OffsetUnit.MONTHS, n)


def days(n: int) -> Offset:
    return Offset(OffsetUnit.DAYS, n)


def counter(prefix: str = "id") -> Callable[[], str]:
    """A deterministic id factory: ``prefix-1``, ``prefix-2``, ..."""
    numbers = itertools.count(1)
    return lambda: f"{prefix}-{next(numbers)}"


def starter_plan(package_id: str = "pkg-starter") -> Package:
    """ "Starter Plan - October 2025": a $10 monthly sign-up credit on input and output tokens
    for the first 3 months, a $10 monthly subscription, a year long, on the token rate card."""
    return Package(
        id=package_id,
        name="Starter Plan - October 2025",
        contract_name="Starter Plan",
        created_at=CREATED,
        duration=months(12),
        rate_card_alias="Tokens rate card",
        net_payment_terms_days=Decimal(15),
        recurring_commits=(
            PackageRecurringCommit(
                id="tpl-signup",
                kind=CommitKind.CREDIT,
                product_id=SIGN_UP_CREDIT,
                starting_at_offset=months(0),
                duration=months(3),
                access_unit_price=Decimal(1000),
                access_quantity=Decimal(1),
                commit_duration=1,
                priority=Decimal(1),
                recurrence_frequency=Frequency.MONTHLY,
                applicable_product_ids=(INPUT_TOKENS, OUTPUT_TOKENS),
                name="Sign-up credit",
            ),
        ),
        subscriptions=(
            PackageSubscription(
                id="tpl-platform",
                product_id=PLATFORM_FEE,
                billing_frequency=BillingFrequency.MONTHLY,
                collection_schedule=CollectionSchedule.ADVANCE,
                initial_quantity=Decimal(1),
                custom_fields={"tier": "starter"},
            ),
        ),
    )


def full_package(package_id: str = "pkg-full") -> Package:
    """A package with one of every term, for materialisation checks."""
    return Package(
        id=package_id,
        name="Everything",
        created_at=CREATED,
        duration=months(12),
        rate_card_id="rate-card-1",
        commits=(
            PackageCommit(
                id="tpl-prepaid",
                kind=CommitKind.PREPAID,
                product_id=PREPAID,
                access_schedule=RelativeAccessSchedule(
                    (
                        RelativeAccessItem("tpl-prepaid-a1", Decimal(5000), months(0), months(3)),
                        RelativeAccessItem("tpl-prepaid-a2", Decimal(5000), months(1), months(1)),
                    )
                ),
                invoice_schedule=RelativeInvoiceSchedule(
                    (RelativeInvoiceItem("tpl-prepaid-i1", days(0), Decimal(2), Decimal(5000)),)
                ),
                custom_fields={"deal": "q4"},
            ),
            PackageCommit(
                id="tpl-credit",
                kind=CommitKind.CREDIT,
                product_id=PREPAID,
                access_schedule=RelativeAccessSchedule(
                    (RelativeAccessItem("tpl-credit-a1", Decimal(700), days(7), months(3)),)
                ),
            ),
        ),
        scheduled_charges=(
            PackageScheduledCharge(
                id="tpl-onboarding",
                product_id=ONBOARDING,
                schedule=RelativeInvoiceSchedule(
                    (RelativeInvoiceItem("tpl-onb-i1", months(1), Decimal(1), Decimal(25000)),)
                ),
                custom_fields={"kind": "setup"},
            ),
        ),
        overrides=(
            PackageOverride(
                id="tpl-discount",
                specifiers=(OverrideSpecifier(product_id=INPUT_TOKENS),),
                starting_at_offset=months(1),
                duration=months(2),
                type=OverrideType.MULTIPLIER,
                multiplier=Decimal("0.8"),
            ),
            PackageOverride(
                id="tpl-commit-rate",
                specifiers=(
                    OverrideSpecifier(
                        product_id=INPUT_TOKENS, commit_ids=frozenset({"tpl-prepaid"})
                    ),
                ),
                starting_at_offset=months(0),
                type=OverrideType.MULTIPLIER,
                multiplier=Decimal("0.5"),
                is_commit_specific=True,
            ),
        ),
        subscriptions=starter_plan().subscriptions,
        recurring_commits=starter_plan().recurring_commits,
    )
