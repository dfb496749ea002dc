"""Override resolution: matching, prioritisation, entitlement, commit-specific overrides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from meterbill.core.pricing import (
    BillingFrequency,
    DrawnBalance,
    Override,
    OverrideSpecifier,
    OverrideTarget,
    OverrideTier,
    OverrideType,
    PricingValidationError,
    Prioritization,
    RateEntry,
    RateSource,
    Usage,
    price_usage,
    specifiers_for,
    validate_override,
)

from .builders import FEB, JAN, MID_FEB, MID_JAN, d, entry, flat, tiered

EXPLICIT = Prioritization.EXPLICIT
LIST = entry("api", flat(10))
USAGE = Usage("api", MID_JAN, product_tags=frozenset({"ai", "beta"}))


def multiplier(id_: str, value: str, priority: int | None = None, **kwargs: object) -> Override:
    return Override(
        id_,
        JAN,
        kwargs.pop("specifiers", specifiers_for("api")),  # type: ignore[arg-type]
        OverrideType.MULTIPLIER,
        multiplier=d(value),
        priority=None if priority is None else d(priority),
        **kwargs,  # type: ignore[arg-type]
    )


def tiered_override(id_: str, priority: int, *tiers: tuple[str, int | None]) -> Override:
    bands = tuple(OverrideTier(d(m), None if s is None else d(s)) for m, s in tiers)
    return Override(
        id_, JAN, specifiers_for("api"), OverrideType.TIERED, tiers=bands, priority=d(priority)
    )


def overwrite(id_: str, price: int) -> Override:
    return Override(
        id_, JAN, specifiers_for("api"), OverrideType.OVERWRITE, overwrite_rate=flat(price)
    )


def amount(*overrides: Override, quantity: int = 10, **kwargs: object) -> Decimal:
    return price_usage(LIST, overrides, USAGE, d(quantity), **kwargs).amount  # type: ignore[arg-type]


def test_without_overrides_usage_is_priced_at_the_list_rate() -> None:
    priced = price_usage(LIST, (), USAGE, d(3))

    assert (priced.amount, priced.source, priced.pieces[0].override_id) == (
        d(30),
        RateSource.LIST_RATE,
        None,
    )


def test_a_multiplier_scales_the_list_rate() -> None:
    priced = price_usage(LIST, (multiplier("m", "0.9"),), USAGE, d(10))

    assert priced.amount == d(90)
    assert (
        priced.pieces[0].unit_price,
        priced.pieces[0].multiplier,
        priced.pieces[0].override_id,
    ) == (d(9), d("0.9"), "m")


def test_lowest_multiplier_wins_by_default() -> None:
    assert amount(multiplier("a", "0.9"), multiplier("b", "0.7"), multiplier("c", "0.8")) == d(70)


def test_overwrite_beats_multipliers() -> None:
    assert amount(multiplier("m", "0.5"), overwrite("o", 7)) == d(70)
    assert amount(
        multiplier("m", "0.5", priority=1), overwrite("o", 7), prioritization=EXPLICIT
    ) == d(70)


def test_overwrite_pieces_name_the_overwrite() -> None:
    priced = price_usage(LIST, (overwrite("o", 7),), USAGE, d(2))

    assert priced.source is RateSource.OVERWRITE
    assert [(p.override_id, p.unit_price) for p in priced.pieces] == [("o", d(7))]


def test_explicit_prioritisation_applies_the_lowest_priority_number_first() -> None:
    assert amount(
        multiplier("a", "0.5", 2), multiplier("b", "0.9", 1), prioritization=EXPLICIT
    ) == d(90)


def test_explicit_multipliers_do_not_compound() -> None:
    assert amount(
        multiplier("a", "0.5", 1), multiplier("b", "0.5", 2), prioritization=EXPLICIT
    ) == d(50)


def test_tiered_override_discounts_only_the_first_units_of_the_period() -> None:
    # 10% off the first 5 units; the rest fall through to the list rate.
    priced = price_usage(
        LIST, (tiered_override("t", 1, ("0.9", 5)),), USAGE, d(8), prioritization=EXPLICIT
    )

    assert priced.amount == d(45) + d(30)
    assert [(p.quantity, p.multiplier, p.override_tier_level) for p in priced.pieces] == [
        (d(5), d("0.9"), 1),
        (d(3), None, None),
    ]


def test_units_past_the_last_tiered_band_fall_through_to_the_next_override() -> None:
    overrides = (tiered_override("t", 1, ("0.5", 4), ("0.8", 2)), multiplier("m", "0.9", 2))

    priced = price_usage(LIST, overrides, USAGE, d(10), prioritization=EXPLICIT)

    assert [(p.quantity, p.override_id, p.multiplier) for p in priced.pieces] == [
        (d(4), "t", d("0.5")),
        (d(2), "t", d("0.8")),
        (d(4), "m", d("0.9")),
    ]
    assert priced.amount == d(20) + d(16) + d(36)


def test_tiered_override_bands_count_from_the_start_of_the_period() -> None:
    priced = price_usage(
        LIST,
        (tiered_override("t", 1, ("0.5", 5)),),
        USAGE,
        d(4),
        already=d(3),
        prioritization=EXPLICIT,
    )

    assert [(p.quantity, p.multiplier) for p in priced.pieces] == [(d(2), d("0.5")), (d(2), None)]


def test_a_multiplier_ahead_of_a_tiered_override_takes_every_unit() -> None:
    overrides = (multiplier("m", "0.9", 1), tiered_override("t", 2, ("0.5", 5)))

    assert amount(*overrides, prioritization=EXPLICIT) == d(90)


def test_multiplier_on_graduated_list_rate_scales_each_band() -> None:
    graduated = entry("api", tiered((1, 10000), ("0.5", None)))

    priced = price_usage(graduated, (multiplier("m", "0.5"),), USAGE, d(15000))

    assert priced.amount == d(6250)
    assert [p.band.level for p in priced.pieces] == [1, 2]


def test_tiered_override_under_lowest_multiplier_is_refused() -> None:
    with pytest.raises(PricingValidationError):
        amount(tiered_override("t", 1, ("0.5", 5)))


def test_overrides_outside_their_window_do_not_apply() -> None:
    later = Override("m", FEB, specifiers_for("api"), OverrideType.MULTIPLIER, multiplier=d("0.5"))
    ended = Override(
        "e",
        JAN,
        specifiers_for("api"),
        OverrideType.MULTIPLIER,
        multiplier=d("0.1"),
        ending_before=MID_JAN,
    )

    assert amount(later, ended) == d(100)


def test_specifier_fields_are_anded_and_specifiers_ored() -> None:
    both_tags = OverrideSpecifier(product_tags=frozenset({"ai", "beta"}))
    missing_tag = OverrideSpecifier(product_tags=frozenset({"ai", "gpu"}))

    assert amount(multiplier("m", "0.5", specifiers=(missing_tag,))) == d(100)
    assert amount(multiplier("m", "0.5", specifiers=(missing_tag, both_tags))) == d(50)


def test_applicable_product_tags_match_any_tag() -> None:
    assert amount(multiplier("m", "0.5", specifiers=specifiers_for(None, ["gpu", "beta"]))) == d(50)


def test_group_value_specifiers_need_the_usage_to_carry_the_value() -> None:
    eu = OverrideSpecifier(product_id="api", pricing_group_values={"region": "eu"})
    shown = OverrideSpecifier(presentation_group_values={"team": None})
    in_eu = Usage("api", MID_JAN, pricing_group_values={"region": "eu"})
    no_team = Usage("api", MID_JAN, presentation_group_values={"team": None})

    assert price_usage(LIST, (multiplier("m", "0.5", specifiers=(eu,)),), USAGE, d(1)).amount == d(
        10
    )
    assert price_usage(LIST, (multiplier("m", "0.5", specifiers=(eu,)),), in_eu, d(1)).amount == d(
        5
    )
    assert price_usage(
        LIST, (multiplier("m", "0.5", specifiers=(shown,)),), no_team, d(1)
    ).amount == d(5)


def test_billing_frequency_specifier() -> None:
    annual = OverrideSpecifier(product_id="seat", billing_frequency=BillingFrequency.ANNUAL)
    seat = entry("seat", flat(100), billing_frequency=BillingFrequency.ANNUAL)
    override = multiplier("m", "0.5", specifiers=(annual,))

    for frequency, expected in ((BillingFrequency.ANNUAL, 50), (BillingFrequency.MONTHLY, 100)):
        usage = Usage("seat", MID_JAN, billing_frequency=frequency)
        assert price_usage(seat, (override,), usage, d(1)).amount == d(expected)


def test_an_override_can_entitle_a_product_the_rate_card_does_not() -> None:
    hidden = RateEntry("api", JAN, flat(10), entitled=False)
    entitle = Override("e", JAN, specifiers_for("api"), entitled=True)

    assert price_usage(hidden, (), USAGE, d(1)).entitled is False
    assert price_usage(hidden, (), USAGE, d(1)).amount == d(0)
    assert price_usage(hidden, (entitle,), USAGE, d(1)).amount == d(10)


def test_an_override_can_withdraw_entitlement() -> None:
    revoke = Override("r", MID_JAN, specifiers_for("api"), entitled=False)

    priced = price_usage(LIST, (revoke,), Usage("api", MID_FEB), d(5))
    assert (priced.entitled, priced.amount, priced.pieces) == (False, d(0), ())


def test_commit_specific_overrides_apply_only_while_drawing_a_balance() -> None:
    while_drawing = multiplier("c", "0.5", is_commit_specific=True)
    drawing = Usage("api", MID_JAN, balance=DrawnBalance("any-commit"))

    assert price_usage(LIST, (while_drawing,), USAGE, d(1)).amount == d(10)
    assert price_usage(LIST, (while_drawing,), drawing, d(1)).amount == d(5)


def test_commit_specific_overrides_can_name_recurring_commits() -> None:
    spec = OverrideSpecifier(product_id="api", recurring_commit_ids=frozenset({"rc-1"}))
    override = multiplier("c", "0.5", specifiers=(spec,), is_commit_specific=True)
    from_recurring = Usage("api", MID_JAN, balance=DrawnBalance("commit-7", recurring_id="rc-1"))
    from_other = Usage("api", MID_JAN, balance=DrawnBalance("commit-8", recurring_id="rc-2"))

    assert price_usage(LIST, (override,), from_recurring, d(1)).amount == d(5)
    assert price_usage(LIST, (override,), from_other, d(1)).amount == d(10)


def test_without_a_commit_rate_a_commit_rate_balance_uses_the_overridden_list_rate() -> None:
    balance = DrawnBalance("c", rate_type=OverrideTarget.COMMIT_RATE)
    priced = price_usage(
        LIST, (multiplier("m", "0.8"),), Usage("api", MID_JAN, balance=balance), d(1)
    )

    assert (priced.amount, priced.source) == (d(8), RateSource.LIST_RATE)


def test_override_validation_names_the_field() -> None:
    cases = {
        "multiplier": Override(
            "x", JAN, specifiers_for("api"), OverrideType.MULTIPLIER, priority=d(1)
        ),
        "priority": Override(
            "x", JAN, specifiers_for("api"), OverrideType.MULTIPLIER, multiplier=d(1)
        ),
        "overwrite_rate.price": Override(
            "x", JAN, specifiers_for("api"), OverrideType.OVERWRITE, overwrite_rate=flat(-1)
        ),
        "tiers": Override("x", JAN, specifiers_for("api"), OverrideType.TIERED, priority=d(1)),
        "target": Override("x", JAN, specifiers_for("api"), target=OverrideTarget.COMMIT_RATE),
        "override_specifiers": Override("x", JAN, ()),
        "override_specifiers[0].commit_ids": Override(
            "x", JAN, (OverrideSpecifier(commit_ids=frozenset({"c"})),), is_commit_specific=True
        ),
    }
    for field, override in cases.items():
        with pytest.raises(PricingValidationError) as caught:
            validate_override(override, EXPLICIT)
        assert caught.value.field == field


def test_tiered_overrides_need_explicit_prioritisation() -> None:
    with pytest.raises(PricingValidationError) as caught:
        validate_override(tiered_override("t", 1, ("0.5", 5)), Prioritization.LOWEST_MULTIPLIER)
    assert caught.value.field == "type"
    validate_override(tiered_override("t", 1, ("0.5", 5)), EXPLICIT)
