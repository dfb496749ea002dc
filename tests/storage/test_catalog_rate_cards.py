"""Rate card repository on both backends: rates exact, aliases cut, product order kept."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine

from meterbill.core.catalog import (
    AliasWindow,
    CreditTypeConversion,
    ProductState,
    ProductType,
    RateCard,
)
from meterbill.core.pricing import (
    BillingFrequency,
    CommitRate,
    Rate,
    RateEntry,
    RateType,
    Tier,
)
from meterbill.storage.uow import UnitOfWork

USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def card(ident: str, *aliases: AliasWindow) -> RateCard:
    return RateCard(ident, ident, T0, "api", USD, aliases=aliases)


def test_rates_round_trip_exactly_in_the_order_they_were_added(engine: Engine) -> None:
    tiered = RateEntry(
        product_id="p",
        starting_at=T0,
        ending_before=datetime(2026, 7, 1, tzinfo=UTC),
        entitled=False,
        rate=Rate(
            RateType.TIERED,
            tiers=(
                Tier(Decimal("0.000000001"), Decimal("100.5")),
                Tier(Decimal("12345678901234567.123456789012")),
            ),
            credit_type_id=USD,
        ),
        pricing_group_values={"region": "eu"},
        commit_rate=CommitRate(RateType.FLAT, price=Decimal("0.25")),
    )
    subscription = RateEntry(
        product_id="p",
        starting_at=T0,
        rate=Rate(
            RateType.SUBSCRIPTION,
            price=Decimal("4999.99"),
            is_prorated=True,
            quantity=Decimal(3),
            credit_type_id=USD,
        ),
        billing_frequency=BillingFrequency.ANNUAL,
    )
    with UnitOfWork(engine) as uow:
        uow.products.add("p", ProductType.USAGE, ProductState("p", T0, "api"))
        uow.rate_cards.add(card("c"))
        uow.rate_cards.add_rates("c", [tiered, subscription], T0)
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.rate_cards.entries("c") == (tiered, subscription)
        assert uow.rate_cards.product_order("c") == ["p"]


def test_aliases_conversions_and_cuts_round_trip(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        unit = "custom-unit"
        uow.credit_types.add_custom(unit, "Tokens", T0)
        uow.rate_cards.add(card("a", AliasWindow("std")))
        uow.rate_cards.add_conversions("a", [CreditTypeConversion(unit, Decimal("0.125"))])
        uow.rate_cards.add(card("b"))
        (held,) = uow.rate_cards.alias_assignments(["std"])
        uow.rate_cards.lock_aliases(["std"])
        uow.rate_cards.set_alias_end(held, datetime(2026, 6, 1, tzinfo=UTC))
        uow.rate_cards.replace_aliases("b", [AliasWindow("std", datetime(2026, 6, 1, tzinfo=UTC))])
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        a = uow.rate_cards.get("a")
        assignments = uow.rate_cards.alias_assignments(["std"])
    assert a is not None
    assert a.aliases == (AliasWindow("std", None, datetime(2026, 6, 1, tzinfo=UTC)),)
    assert a.credit_type_conversions == (CreditTypeConversion("custom-unit", Decimal("0.125")),)
    assert [x.holder_id for x in assignments] == ["a", "b"]
