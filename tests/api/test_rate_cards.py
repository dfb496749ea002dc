"""Rate cards through the official SDK: rates over time, aliases, pricing units, refusals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import metronome
import pytest
from metronome import Metronome
from sqlalchemy import Engine
from starlette.testclient import TestClient

from meterbill.core.errors import DomainValidationError
from meterbill.core.pricing import RateType
from meterbill.services import rate_cards as rate_card_service
from meterbill.storage.uow import UnitOfWork
from tests.api.test_products import store_metric

USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
PATH = "/v1/contract-pricing/rate-cards"


def at(month: int, day: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def raw(http: TestClient, token: str, path: str, body: str) -> tuple[int, Any]:
    """A call with a JSON text body; the answer parsed exactly (decimals as ``Decimal``)."""
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    response = http.post(path, content=body, headers=headers)
    return response.status_code, json.loads(response.text, parse_float=Decimal)


def message_of(error: pytest.ExceptionInfo[metronome.APIStatusError]) -> str:
    body = error.value.body
    assert isinstance(body, dict)
    return str(body["message"])


@dataclass
class Catalog:
    calls: str  # USAGE, priced per region
    storage: str  # USAGE, tiered
    support: str  # COMPOSITE over usage-tagged products
    platform: str  # SUBSCRIPTION


@pytest.fixture
def catalog(client: Metronome, engine: Engine) -> Catalog:
    store_metric(engine, "metric-calls", ("region",))
    store_metric(engine, "metric-gb")
    products = client.v1.contracts.products
    return Catalog(
        calls=products.create(
            name="API calls",
            type="USAGE",
            billable_metric_id="metric-calls",
            pricing_group_key=["region"],
            tags=["usage"],
        ).data.id,
        storage=products.create(
            name="Storage", type="USAGE", billable_metric_id="metric-gb", tags=["usage"]
        ).data.id,
        support=products.create(name="Support", type="COMPOSITE", composite_tags=["usage"]).data.id,
        platform=products.create(name="Platform", type="SUBSCRIPTION").data.id,
    )


def price_list(catalog: Catalog) -> str:
    """The 2026 rates as JSON text: prices change on July 1st."""
    c = catalog
    rates = [
        f'{{"product_id": "{c.calls}", "rate_type": "FLAT", "price": 0.5, "entitled": true,'
        f' "starting_at": "2026-01-01T00:00:00Z", "ending_before": "2026-07-01T00:00:00Z"}}',
        f'{{"product_id": "{c.calls}", "rate_type": "FLAT", "price": 0.45, "entitled": true,'
        f' "starting_at": "2026-07-01T00:00:00Z"}}',
        f'{{"product_id": "{c.calls}", "rate_type": "FLAT", "price": 0.7, "entitled": true,'
        f' "starting_at": "2026-01-01T00:00:00Z", "pricing_group_values": {{"region": "eu"}}}}',
        f'{{"product_id": "{c.storage}", "rate_type": "TIERED", "entitled": true,'
        f' "starting_at": "2026-01-01T00:00:00Z",'
        f' "tiers": [{{"price": 10, "size": 100}}, {{"price": 8.25}}]}}',
        f'{{"product_id": "{c.support}", "rate_type": "PERCENTAGE", "price": 0.1,'
        f' "entitled": true, "starting_at": "2026-01-01T00:00:00Z"}}',
        f'{{"product_id": "{c.platform}", "rate_type": "SUBSCRIPTION", "price": 5000,'
        f' "quantity": 1, "is_prorated": true, "billing_frequency": "MONTHLY",'
        f' "entitled": true, "starting_at": "2026-01-01T00:00:00Z"}}',
        f'{{"product_id": "{c.platform}", "rate_type": "SUBSCRIPTION", "price": 6000,'
        f' "quantity": 1, "is_prorated": true, "billing_frequency": "MONTHLY",'
        f' "entitled": true, "starting_at": "2026-07-01T00:00:00Z"}}',
    ]
    return "[" + ", ".join(rates) + "]"


def rates_at(http: TestClient, token: str, card: str, when: str) -> list[dict[str, Any]]:
    status, page = raw(
        http, token, f"{PATH}/getRates", json.dumps({"rate_card_id": card, "at": when})
    )
    assert status == 200, page
    return list(page["data"])


def summary(rows: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
    return [
        (
            row["product_name"],
            row["rate"].get("price") or [(t["price"], t.get("size")) for t in row["rate"]["tiers"]],
            row.get("pricing_group_values"),
        )
        for row in rows
    ]


def test_a_pricing_team_builds_a_card_moves_its_alias_and_reads_rates_at_any_time(
    client: Metronome, http: TestClient, token: str, catalog: Catalog, engine: Engine
) -> None:
    old = client.v1.contracts.rate_cards.create(
        name="Standard 2026", aliases=[{"name": "standard"}], description="list prices"
    ).data.id
    status, answer = raw(
        http,
        token,
        f"{PATH}/addRates",
        f'{{"rate_card_id": "{old}", "rates": {price_list(catalog)}}}',
    )
    assert status == 200, answer
    assert answer == {"data": {"id": old}}

    march = rates_at(http, token, old, "2026-03-01T00:00:00Z")
    assert summary(march) == [
        ("API calls", Decimal("0.5"), None),
        ("API calls", Decimal("0.7"), {"region": "eu"}),
        ("Storage", [(10, 100), (Decimal("8.25"), None)], None),
        ("Support", Decimal("0.1"), None),
        ("Platform", 5000, None),
    ]
    assert march[0]["starting_at"] == "2026-01-01T00:00:00.000Z"
    assert march[0]["ending_before"] == "2026-07-01T00:00:00.000Z"
    assert march[0]["rate"]["credit_type"] == {"id": USD, "name": "USD (cents)"}
    assert "credit_type" not in march[3]["rate"]  # a percentage takes its charges' unit
    assert march[4]["billing_frequency"] == "MONTHLY"
    assert march[4]["rate"]["quantity"] == 1
    assert march[4]["ending_before"] == "2026-07-01T00:00:00.000Z"  # cut by the July price

    august = rates_at(http, token, old, "2026-08-01T00:00:00Z")
    assert [(name, price) for name, price, _ in summary(august)] == [
        ("API calls", Decimal("0.45")),
        ("API calls", Decimal("0.7")),
        ("Storage", [(10, 100), (Decimal("8.25"), None)]),
        ("Support", Decimal("0.1")),
        ("Platform", 6000),
    ]

    # A new card takes the alias from a future date; the old card's window is cut there.
    new = client.v1.contracts.rate_cards.create(
        name="Standard 2027", aliases=[{"name": "standard", "starting_at": at(1, 1, 2027)}]
    ).data.id
    old_aliases = client.v1.contracts.rate_cards.retrieve(id=old).data.aliases
    assert old_aliases is not None
    assert [(a.name, a.starting_at, a.ending_before) for a in old_aliases] == [
        ("standard", None, at(1, 1, 2027))
    ]
    with UnitOfWork(engine) as uow:
        assert rate_card_service.resolve_alias(uow, "standard", at(12, 31)) == old
        assert rate_card_service.resolve_alias(uow, "standard", at(1, 1, 2027)) == new
        schedule = rate_card_service.load_rate_schedule(uow, old)
    assert len(schedule.entries) == 7
    assert schedule.entries[0].rate.price == Decimal("0.5")
    assert schedule.entries[3].rate.rate_type is RateType.TIERED


def test_the_rate_schedule_lists_segments_with_their_windows(
    client: Metronome, catalog: Catalog
) -> None:
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    client.v1.contracts.rate_cards.rates.add_many(
        rate_card_id=card,
        rates=[
            {"product_id": catalog.storage, "rate_type": "FLAT", "price": 3, "entitled": True,
             "starting_at": at(1)},
            {"product_id": catalog.storage, "rate_type": "FLAT", "price": 2, "entitled": True,
             "starting_at": at(4), "ending_before": at(5)},
        ],
    )  # fmt: skip
    schedule = client.v1.contracts.rate_cards.retrieve_rate_schedule(
        rate_card_id=card, starting_at=at(1)
    ).data
    assert [(row.rate.price, row.starting_at, row.ending_before) for row in schedule] == [
        (3, at(1), at(4)),
        (2, at(4), at(5)),
        (3, at(5), None),
    ]
    later = client.v1.contracts.rate_cards.retrieve_rate_schedule(
        rate_card_id=card, starting_at=at(4, 15), ending_before=at(5)
    ).data
    assert [row.rate.price for row in later] == [2]


def test_selectors_filter_rates_by_product_tags_groups_and_frequency(
    client: Metronome, catalog: Catalog, http: TestClient, token: str
) -> None:
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    raw(
        http,
        token,
        f"{PATH}/addRates",
        f'{{"rate_card_id": "{card}", "rates": {price_list(catalog)}}}',
    )
    rates = client.v1.contracts.rate_cards.rates

    def names(**kwargs: Any) -> list[str]:
        return [r.product_name for r in rates.list(rate_card_id=card, at=at(3), **kwargs)]

    assert names(selectors=[{"product_id": catalog.storage}]) == ["Storage"]
    assert names(selectors=[{"product_tags": ["usage"]}]) == ["API calls", "API calls", "Storage"]
    assert names(selectors=[{"pricing_group_values": {"region": "eu"}}]) == ["API calls"]
    assert names(selectors=[{"partial_pricing_group_values": {"region": "eu"}}]) == ["API calls"]
    assert names(selectors=[{"billing_frequency": "MONTHLY"}]) == ["Platform"]
    assert names(selectors=[{"product_id": catalog.support}, {"billing_frequency": "MONTHLY"}]) == [
        "Support",
        "Platform",
    ]
    page = rates.list(rate_card_id=card, at=at(3), limit=2)
    assert len(page.data) == 2
    assert len(list(rates.list(rate_card_id=card, at=at(3), limit=2))) == 5


def test_add_rate_returns_the_stored_rate(client: Metronome, catalog: Catalog) -> None:
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    added = client.v1.contracts.rate_cards.rates.add(
        rate_card_id=card,
        product_id=catalog.storage,
        rate_type="tiered",  # type: ignore[arg-type]  # enums are case-insensitive on input
        entitled=True,
        starting_at=at(1),
        tiers=[{"price": 10, "size": 100}, {"price": 5}],
        commit_rate={"rate_type": "FLAT", "price": 4},
    ).data
    assert added.rate_type == "TIERED"
    assert added.tiers is not None
    assert [(t.price, t.size) for t in added.tiers] == [(10, 100), (5, None)]
    assert added.credit_type is not None
    assert added.credit_type.id == USD
    assert added.commit_rate is not None
    assert added.commit_rate.price == 4


def test_custom_pricing_units_need_a_conversion_on_the_card(
    client: Metronome, catalog: Catalog
) -> None:
    tokens = client.v1.pricing_units.create(name="Tokens").data.id
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.rates.add(
            rate_card_id=card, product_id=catalog.storage, rate_type="FLAT", price=1,
            entitled=True, starting_at=at(1), credit_type_id=tokens,
        )  # fmt: skip
    assert message_of(error).startswith("credit_type_id:")
    client.v1.contracts.rate_cards.update(
        rate_card_id=card,
        add_credit_type_conversions=[
            {"custom_credit_type_id": tokens, "fiat_per_custom_credit": 0.25}
        ],
    )
    client.v1.contracts.rate_cards.rates.add(
        rate_card_id=card, product_id=catalog.storage, rate_type="FLAT", price=1,
        entitled=True, starting_at=at(1), credit_type_id=tokens,
    )  # fmt: skip
    fetched = client.v1.contracts.rate_cards.retrieve(id=card).data
    assert fetched.credit_type_conversions is not None
    conversion = fetched.credit_type_conversions[0]
    assert conversion.custom_credit_type.id == tokens
    assert conversion.fiat_per_custom_credit == "0.25"
    assert fetched.fiat_credit_type is not None
    assert fetched.fiat_credit_type.id == USD
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.update(
            rate_card_id=card,
            add_credit_type_conversions=[
                {"custom_credit_type_id": tokens, "fiat_per_custom_credit": 1}
            ],
        )
    assert "cannot be modified" in message_of(error)


# --- invalid combinations: a 400 naming the problem, and nothing changes -----------------


def test_a_rate_for_an_archived_product_is_refused(client: Metronome, catalog: Catalog) -> None:
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    client.v1.contracts.products.archive(product_id=catalog.storage)
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.rates.add(
            rate_card_id=card, product_id=catalog.storage, rate_type="FLAT", price=1,
            entitled=True, starting_at=at(1),
        )  # fmt: skip
    assert message_of(error).startswith("product_id:")
    assert "archived" in message_of(error)
    assert list(client.v1.contracts.rate_cards.rates.list(rate_card_id=card, at=at(2))) == []


def test_an_empty_alias_window_is_refused(client: Metronome) -> None:
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.create(
            name="Card", aliases=[{"name": "std", "starting_at": at(3), "ending_before": at(3)}]
        )
    assert message_of(error).startswith("aliases[0].ending_before:")
    assert list(client.v1.contracts.rate_cards.list()) == []


def test_taking_an_alias_that_would_empty_the_holders_window_is_refused(
    client: Metronome,
) -> None:
    first = client.v1.contracts.rate_cards.create(
        name="First", aliases=[{"name": "std", "starting_at": at(3)}]
    ).data.id
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.create(
            name="Second", aliases=[{"name": "std", "starting_at": at(2)}]
        )
    assert message_of(error).startswith("aliases[0].starting_at:")
    assert [c.id for c in client.v1.contracts.rate_cards.list()] == [first]
    aliases = client.v1.contracts.rate_cards.retrieve(id=first).data.aliases
    assert aliases is not None
    assert aliases[0].ending_before is None


def test_an_alias_moved_by_update_cuts_the_previous_holder(
    client: Metronome, engine: Engine
) -> None:
    first = client.v1.contracts.rate_cards.create(name="A", aliases=[{"name": "std"}]).data.id
    second = client.v1.contracts.rate_cards.create(name="B").data.id
    client.v1.contracts.rate_cards.update(
        rate_card_id=second, aliases=[{"name": "std", "starting_at": at(6)}], name="B2"
    )
    assert client.v1.contracts.rate_cards.retrieve(id=second).data.name == "B2"
    with UnitOfWork(engine) as uow:
        assert rate_card_service.resolve_alias(uow, "std", at(5)) == first
        assert rate_card_service.resolve_alias(uow, "std", at(6)) == second
        with pytest.raises(DomainValidationError, match="'nobody'"):
            rate_card_service.resolve_alias(uow, "nobody", at(6))


@pytest.mark.parametrize(
    ("rate", "field"),
    [
        ('"rate_type": "TIERED", "tiers": [{"price": 10, "size": 100}, {"price": 8, "size": 50}]',
         "tiers[1].size"),
        ('"rate_type": "FLAT", "price": -1', "price"),
        ('"rate_type": "CUSTOM", "custom_rate": {"x": 1}', "rate_type"),
        ('"rate_type": "FLAT", "price": 1, "billing_frequency": "MONTHLY"', "billing_frequency"),
        ('"rate_type": "PERCENTAGE", "price": 0.1', "rate_type"),
        ('"rate_type": "FLAT", "price": 1, "ending_before": "2026-01-01T00:00:00Z"',
         "ending_before"),
    ],
)  # fmt: skip
def test_invalid_usage_rates_are_refused_by_field_and_nothing_is_added(
    client: Metronome, http: TestClient, token: str, catalog: Catalog, rate: str, field: str
) -> None:
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    good = (
        f'{{"product_id": "{catalog.calls}", "rate_type": "FLAT", "price": 1,'
        f' "entitled": true, "starting_at": "2026-01-01T00:00:00Z"}}'
    )
    bad = (
        f'{{"product_id": "{catalog.storage}", "entitled": true,'
        f' "starting_at": "2026-01-01T00:00:00Z", {rate}}}'
    )
    status, answer = raw(
        http, token, f"{PATH}/addRates", f'{{"rate_card_id": "{card}", "rates": [{good}, {bad}]}}'
    )
    assert status == 400
    assert answer["message"].startswith(f"rates[1].{field}:"), answer
    assert list(client.v1.contracts.rate_cards.rates.list(rate_card_id=card, at=at(2))) == []


def test_a_percentage_outside_0_to_1_is_refused(client: Metronome, catalog: Catalog) -> None:
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.rates.add(
            rate_card_id=card, product_id=catalog.support, rate_type="PERCENTAGE", price=1.5,
            entitled=True, starting_at=at(1),
        )  # fmt: skip
    assert message_of(error).startswith("price:")


def test_subscription_rates_need_a_billing_frequency(client: Metronome, catalog: Catalog) -> None:
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.rates.add(
            rate_card_id=card, product_id=catalog.platform, rate_type="SUBSCRIPTION",
            price=100, entitled=True, starting_at=at(1),
        )  # fmt: skip
    assert message_of(error).startswith("billing_frequency:")


def test_pricing_group_values_must_use_the_products_group_keys(
    client: Metronome, catalog: Catalog
) -> None:
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.rates.add(
            rate_card_id=card, product_id=catalog.calls, rate_type="FLAT", price=1,
            entitled=True, starting_at=at(1), pricing_group_values={"zone": "x"},
        )  # fmt: skip
    assert message_of(error).startswith("pricing_group_values.zone:")


def test_fixed_products_are_not_priced_on_rate_cards(client: Metronome) -> None:
    fixed = client.v1.contracts.products.create(name="Commit", type="FIXED").data.id
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.rates.add(
            rate_card_id=card, product_id=fixed, rate_type="FLAT", price=1,
            entitled=True, starting_at=at(1),
        )  # fmt: skip
    assert message_of(error).startswith("product_id:")


def test_an_unknown_fiat_credit_type_is_refused(client: Metronome) -> None:
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.create(name="Card", fiat_credit_type_id="nope")
    assert message_of(error).startswith("fiat_credit_type_id:")


# --- card lifecycle -----------------------------------------------------------------------


def test_archive_hides_the_card_and_blocks_new_rates(client: Metronome, catalog: Catalog) -> None:
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    client.v1.contracts.rate_cards.archive(id=card)
    assert list(client.v1.contracts.rate_cards.list()) == []
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.rate_cards.rates.add(
            rate_card_id=card, product_id=catalog.storage, rate_type="FLAT", price=1,
            entitled=True, starting_at=at(1),
        )  # fmt: skip
    assert "archived" in message_of(error)


def test_list_paginates_and_carries_custom_fields(client: Metronome) -> None:
    client.v1.custom_fields.add_key(entity="rate_card", key="team", enforce_uniqueness=False)
    ids = [
        client.v1.contracts.rate_cards.create(name=f"c{i}", custom_fields={"team": "t"}).data.id
        for i in range(3)
    ]
    first = client.v1.contracts.rate_cards.list(limit=2)
    assert len(first.data) == 2
    assert first.next_page
    listed = list(client.v1.contracts.rate_cards.list(limit=2))
    assert sorted(c.id for c in listed) == sorted(ids)  # same instant: ties broken by id
    assert all(c.custom_fields == {"team": "t"} for c in listed)


def test_product_order_can_be_moved_and_set(client: Metronome, catalog: Catalog) -> None:
    card = client.v1.contracts.rate_cards.create(name="Card").data.id
    for product in (catalog.calls, catalog.storage):
        client.v1.contracts.rate_cards.rates.add(
            rate_card_id=card, product_id=product, rate_type="FLAT", price=1,
            entitled=True, starting_at=at(1),
        )  # fmt: skip
    rates = client.v1.contracts.rate_cards.rates

    def order() -> list[str]:
        return [r.product_id for r in rates.list(rate_card_id=card, at=at(2))]

    assert order() == [catalog.calls, catalog.storage]
    client.v1.contracts.rate_cards.product_orders.update(
        rate_card_id=card, product_moves=[{"product_id": catalog.storage, "position": 0}]
    )
    assert order() == [catalog.storage, catalog.calls]
    client.v1.contracts.rate_cards.product_orders.set(
        rate_card_id=card, product_order=[catalog.calls]
    )
    assert order() == [catalog.calls, catalog.storage]


def test_unknown_rate_card_is_404(client: Metronome) -> None:
    with pytest.raises(metronome.NotFoundError):
        client.v1.contracts.rate_cards.retrieve(id="nope")
    with pytest.raises(metronome.NotFoundError):
        client.v1.contracts.rate_cards.rates.list(rate_card_id="nope", at=at(1))
