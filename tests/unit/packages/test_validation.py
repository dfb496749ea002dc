"""Which packages are refused, and with which field named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from meterbill.core.contracts.terms import CommitKind, StatementDay
from meterbill.core.errors import DomainValidationError
from meterbill.core.packages import (
    Package,
    PackageAlias,
    PackageCommit,
    PackageOverride,
    PackageStatementSchedule,
    RelativeAccessItem,
    RelativeAccessSchedule,
    link_templates,
    validate_package,
)
from meterbill.core.periods import Offset, OffsetUnit
from meterbill.core.pricing.overrides.model import OverrideSpecifier, OverrideType
from tests.unit.packages.builders import INPUT_TOKENS, PREPAID, full_package, months, starter_plan


def _refused(package: Package, field: str) -> None:
    with pytest.raises(DomainValidationError) as error:
        validate_package(link_templates(package))
    assert error.value.message.startswith(field), error.value.message


def test_the_starter_plan_and_a_full_package_are_valid() -> None:
    validate_package(link_templates(starter_plan()))
    validate_package(
        link_templates(replace(full_package(), overrides=full_package().overrides[:1]))
    )


def test_custom_date_statement_schedule_has_no_anchor_on_a_package() -> None:
    schedule = PackageStatementSchedule(day=StatementDay.CUSTOM_DATE)
    _refused(
        replace(starter_plan(), usage_statement_schedule=schedule), "usage_statement_schedule.day"
    )


def test_rate_card_id_and_alias_together_are_refused() -> None:
    _refused(replace(starter_plan(), rate_card_id="rc"), "rate_card_alias")


def test_a_zero_duration_is_refused() -> None:
    _refused(replace(starter_plan(), duration=months(0)), "duration.value")


def test_a_negative_starting_offset_is_refused() -> None:
    credit = PackageCommit(
        id="tpl",
        kind=CommitKind.CREDIT,
        product_id=PREPAID,
        access_schedule=RelativeAccessSchedule(
            (RelativeAccessItem("a", Decimal(1), Offset(OffsetUnit.DAYS, -1), months(1)),)
        ),
    )
    _refused(
        replace(starter_plan(), commits=(credit,)),
        "credits[0].access_schedule.schedule_items[0].starting_at_offset.value",
    )


def test_an_unknown_temporary_id_in_an_override_is_refused() -> None:
    override = PackageOverride(
        id="tpl-o",
        specifiers=(OverrideSpecifier(product_id=INPUT_TOKENS, commit_ids=frozenset({"nope"})),),
        starting_at_offset=months(0),
        type=OverrideType.MULTIPLIER,
        multiplier=Decimal("0.5"),
        is_commit_specific=True,
    )
    _refused(
        replace(starter_plan(), overrides=(override,)),
        "overrides[0].override_specifiers[0].commit_ids",
    )


def test_temporary_ids_become_template_ids() -> None:
    package = full_package()
    commits = (replace(package.commits[0], temporary_id="mine"), package.commits[1])
    override = replace(
        package.overrides[1],
        specifiers=(OverrideSpecifier(product_id=INPUT_TOKENS, commit_ids=frozenset({"mine"})),),
    )
    linked = link_templates(replace(package, commits=commits, overrides=(override,)))
    assert linked.overrides[0].specifiers[0].commit_ids == frozenset({"tpl-prepaid"})


def test_tiered_overrides_need_explicit_prioritization() -> None:
    override = PackageOverride(
        id="tpl-o",
        specifiers=(OverrideSpecifier(product_id=INPUT_TOKENS),),
        starting_at_offset=months(0),
        type=OverrideType.TIERED,
        priority=Decimal(1),
    )
    _refused(replace(starter_plan(), overrides=(override,)), "overrides[0].type")


def test_overlapping_windows_of_one_alias_are_refused() -> None:
    aliases = (
        PackageAlias("Starter", datetime(2025, 1, 1, tzinfo=UTC)),
        PackageAlias("Starter", datetime(2025, 6, 1, tzinfo=UTC)),
    )
    _refused(replace(starter_plan(), aliases=aliases), "aliases[1]")


def test_quantity_only_subscription_needs_an_initial_quantity() -> None:
    package = starter_plan()
    subscription = replace(package.subscriptions[0], initial_quantity=None)
    _refused(replace(package, subscriptions=(subscription,)), "subscriptions[0].initial_quantity")


def test_recurring_commit_without_quantity_or_subscription_is_refused() -> None:
    package = starter_plan()
    recurring = replace(package.recurring_commits[0], access_quantity=None)
    _refused(
        replace(package, recurring_commits=(recurring,)),
        "recurring_credits[0].access_amount.quantity",
    )
