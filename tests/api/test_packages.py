"""Packages through the official SDK: create, retrieve, list, archive, aliases, refusals."""

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

from meterbill.clock import FixedClock
from tests.api.test_products import store_metric

USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"


def at(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def message_of(error: pytest.ExceptionInfo[metronome.APIStatusError]) -> str:
    body = error.value.body
    assert isinstance(body, dict)
    return str(body["message"])


def raw(http: TestClient, token: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    response = http.post(path, content=json.dumps(body), headers=headers)
    return response.status_code, json.loads(response.text, parse_float=Decimal)


@dataclass
class TokenCatalog:
    input_tokens: str
    output_tokens: str
    sign_up_credit: str
    platform: str
    onboarding: str
    rate_card: str


@pytest.fixture
def tokens(client: Metronome, engine: Engine) -> TokenCatalog:
    """Products and the "Tokens rate card" (by alias) of the Starter Plan story."""
    store_metric(engine, "metric-input-tokens")
    store_metric(engine, "metric-output-tokens")
    products = client.v1.contracts.products
    catalog_ids = {
        "input_tokens": products.create(
            name="Input tokens", type="USAGE", billable_metric_id="metric-input-tokens"
        ).data.id,
        "output_tokens": products.create(
            name="Output tokens", type="USAGE", billable_metric_id="metric-output-tokens"
        ).data.id,
        "sign_up_credit": products.create(name="Sign-up credit", type="FIXED").data.id,
        "platform": products.create(name="Platform fee", type="SUBSCRIPTION").data.id,
        "onboarding": products.create(name="Onboarding", type="FIXED").data.id,
    }
    card = client.v1.contracts.rate_cards.create(
        name="Tokens", aliases=[{"name": "Tokens rate card"}]
    ).data.id
    start = at(2025, 1)
    client.v1.contracts.rate_cards.rates.add_many(
        rate_card_id=card,
        rates=[
            {"product_id": catalog_ids["input_tokens"], "rate_type": "FLAT", "price": 0.2,
             "entitled": True, "starting_at": start},
            {"product_id": catalog_ids["output_tokens"], "rate_type": "FLAT", "price": 0.8,
             "entitled": True, "starting_at": start},
            {"product_id": catalog_ids["platform"], "rate_type": "SUBSCRIPTION", "price": 1000,
             "quantity": 1, "is_prorated": True, "billing_frequency": "MONTHLY",
             "entitled": True, "starting_at": start},
        ],  # type: ignore[list-item]
    )  # fmt: skip
    return TokenCatalog(rate_card=card, **catalog_ids)


def starter_plan(c: TokenCatalog, **extra: Any) -> dict[str, Any]:
    """ "Starter Plan - October 2025", as the packages guide describes it."""
    body: dict[str, Any] = {
        "name": "Starter Plan - October 2025",
        "contract_name": "Starter Plan",
        "rate_card_alias": "Tokens rate card",
        "net_payment_terms_days": 15,
        "duration": {"unit": "MONTHS", "value": 12},
        "aliases": [{"name": "Starter Plan"}],
        "recurring_credits": [
            {
                "product_id": c.sign_up_credit,
                "name": "Sign-up credit",
                "access_amount": {"unit_price": 1000, "quantity": 1, "credit_type_id": USD},
                "commit_duration": {"value": 1, "unit": "PERIODS"},
                "priority": 1,
                "starting_at_offset": {"unit": "MONTHS", "value": 0},
                "duration": {"unit": "MONTHS", "value": 3},
                "recurrence_frequency": "MONTHLY",
                "applicable_product_ids": [c.input_tokens, c.output_tokens],
            }
        ],
        "subscriptions": [
            {
                "collection_schedule": "ADVANCE",
                "proration": {"is_prorated": True, "invoice_behavior": "BILL_IMMEDIATELY"},
                "subscription_rate": {"billing_frequency": "MONTHLY", "product_id": c.platform},
                "initial_quantity": 1,
                "temporary_id": "platform-sub",
            }
        ],
        "usage_statement_schedule": {"frequency": "MONTHLY", "day": "FIRST_OF_MONTH"},
    }
    body.update(extra)
    return body


def create(client: Metronome, body: dict[str, Any]) -> str:
    return client.v1.packages.create(**body).data.id


# --- create and retrieve ---------------------------------------------------------------------


def test_the_starter_plan_is_created_and_retrieved_with_template_ids(
    client: Metronome, tokens: TokenCatalog, clock: FixedClock
) -> None:
    package_id = create(client, starter_plan(tokens, uniqueness_key="starter-oct-2025"))
    package = client.v1.packages.retrieve(package_id=package_id).data
    assert package.id == package_id
    assert package.name == "Starter Plan - October 2025"
    assert package.contract_name == "Starter Plan"
    assert package.created_at == clock.now()
    assert package.duration is not None and package.duration.unit == "MONTHS"
    assert package.net_payment_terms_days == 15
    assert package.uniqueness_key == "starter-oct-2025"
    assert package.aliases is not None and package.aliases[0].name == "Starter Plan"
    assert package.usage_statement_schedule.frequency == "MONTHLY"
    (credit,) = package.recurring_credits or []
    assert credit.id
    assert credit.product.name == "Sign-up credit"
    assert credit.access_amount.unit_price == 1000
    assert credit.duration is not None and credit.duration.value == 3
    assert credit.commit_duration.value == 1
    (subscription,) = package.subscriptions or []
    assert subscription.id and subscription.subscription_rate.product.name == "Platform fee"
    assert subscription.proration.invoice_behavior == "BILL_IMMEDIATELY"
    assert package.commits == [] and package.overrides == [] and package.scheduled_charges == []


def test_every_term_and_item_gets_an_id_and_temporary_ids_become_template_ids(
    client: Metronome, tokens: TokenCatalog
) -> None:
    c = tokens
    body = starter_plan(
        c,
        commits=[
            {
                "type": "PREPAID",
                "product_id": c.sign_up_credit,
                "temporary_id": "prepaid",
                "access_schedule": {
                    "schedule_items": [
                        {"amount": 50000, "starting_at_offset": {"unit": "DAYS", "value": 0},
                         "duration": {"unit": "MONTHS", "value": 12}}
                    ]
                },
                "invoice_schedule": {
                    "schedule_items": [
                        {"date_offset": {"unit": "DAYS", "value": 0}, "quantity": 1,
                         "unit_price": 50000}
                    ]
                },
                "rollover_fraction": 0.5,
                "custom_fields": {},
            }
        ],
        overrides=[
            {
                "override_specifiers": [{"product_id": c.input_tokens, "commit_ids": ["prepaid"]}],
                "starting_at_offset": {"unit": "MONTHS", "value": 0},
                "type": "MULTIPLIER",
                "multiplier": 0.5,
                "is_commit_specific": True,
            }
        ],
        recurring_commits=[
            {
                "product_id": c.sign_up_credit,
                "access_amount": {"unit_price": 100, "credit_type_id": USD},
                "commit_duration": {"value": 1},
                "priority": 2,
                "starting_at_offset": {"unit": "MONTHS", "value": 0},
                "subscription_config": {
                    "subscription_id": "platform-sub",
                    "apply_seat_increase_config": {"is_prorated": True},
                },
            }
        ],
    )  # fmt: skip
    package = client.v1.packages.retrieve(package_id=create(client, body)).data
    (commit,) = package.commits
    assert commit.access_schedule is not None and commit.access_schedule.schedule_items[0].id
    assert commit.invoice_schedule is not None
    assert commit.invoice_schedule.schedule_items[0].id
    assert commit.invoice_schedule.do_not_invoice is False
    assert commit.rollover_fraction == 0.5
    (override,) = package.overrides
    assert override.override_specifiers[0].commit_template_ids == [commit.id]
    (recurring,) = package.recurring_commits or []
    (subscription,) = package.subscriptions or []
    assert recurring.subscription_config is not None
    assert recurring.subscription_config.subscription_template_id == subscription.id


def test_decimals_survive_exactly(http: TestClient, token: str, tokens: TokenCatalog) -> None:
    body = starter_plan(tokens)
    text = json.dumps(body).replace('"unit_price": 1000', '"unit_price": 1000.123456789012345678')
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    created = http.post("/v1/packages/create", content=text, headers=headers).json()
    status, got = raw(http, token, "/v1/packages/get", {"package_id": created["data"]["id"]})
    assert status == 200
    price = got["data"]["recurring_credits"][0]["access_amount"]["unit_price"]
    assert price == Decimal("1000.123456789012345678")


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"usage_statement_schedule": {"frequency": "MONTHLY", "day": "CUSTOM_DATE"}},
         "usage_statement_schedule.day"),
        ({"rate_card_id": "x"}, "rate_card_alias"),
        ({"duration": {"unit": "MONTHS", "value": 0}}, "duration.value"),
        ({"duration": {"unit": "FORTNIGHTS", "value": 1}}, "duration.unit"),
        ({"customer_id": "c"}, "customer_id"),
        ({"starting_at": "2026-01-01T00:00:00Z"}, "starting_at"),
        ({"name": " "}, "name"),
    ],
)  # fmt: skip
def test_an_invalid_package_is_a_400_naming_the_field(
    http: TestClient, token: str, tokens: TokenCatalog, change: dict[str, Any], field: str
) -> None:
    status, answer = raw(http, token, "/v1/packages/create", starter_plan(tokens, **change))
    assert status == 400
    assert field in answer["message"]


def test_an_unknown_product_is_a_400_naming_the_term(
    client: Metronome, tokens: TokenCatalog
) -> None:
    body = starter_plan(tokens)
    body["subscriptions"][0]["subscription_rate"]["product_id"] = "missing"
    with pytest.raises(metronome.BadRequestError) as error:
        create(client, body)
    assert message_of(error).startswith("subscriptions[0].subscription_rate.product_id")


def test_a_reused_uniqueness_key_is_a_409(client: Metronome, tokens: TokenCatalog) -> None:
    create(client, starter_plan(tokens, uniqueness_key="once", aliases=[]))
    with pytest.raises(metronome.ConflictError):
        create(client, starter_plan(tokens, uniqueness_key="once", aliases=[]))


def test_an_unknown_package_is_a_404(client: Metronome) -> None:
    with pytest.raises(metronome.NotFoundError):
        client.v1.packages.retrieve(package_id="missing")


def test_packages_cannot_be_updated(http: TestClient, token: str) -> None:
    status, _ = raw(http, token, "/v1/packages/update", {"package_id": "x"})
    assert status == 404


# --- list and archive ------------------------------------------------------------------------


def test_list_pages_through_packages_and_filters_archived_ones(
    client: Metronome, tokens: TokenCatalog, clock: FixedClock
) -> None:
    ids = []
    for month in range(1, 6):
        clock.set(at(2026, month))
        ids.append(create(client, starter_plan(tokens, name=f"Plan {month}", aliases=[])))
    client.v1.packages.archive(package_id=ids[1])
    listed = [p.id for p in client.v1.packages.list(limit=2)]
    assert listed == [ids[0], ids[2], ids[3], ids[4]]
    first = client.v1.packages.list(limit=2)
    assert len(first.data) == 2 and first.next_page
    assert [p.id for p in client.v1.packages.list(archive_filter="ARCHIVED")] == [ids[1]]
    assert len(list(client.v1.packages.list(archive_filter="ALL"))) == 5
    archived = client.v1.packages.retrieve(package_id=ids[1]).data
    assert archived.archived_at == at(2026, 5)


def test_archive_is_final_and_idempotent(
    client: Metronome, tokens: TokenCatalog, clock: FixedClock
) -> None:
    package_id = create(client, starter_plan(tokens))
    assert client.v1.packages.archive(package_id=package_id).data.id == package_id
    clock.set(at(2026, 3))
    client.v1.packages.archive(package_id=package_id)
    assert client.v1.packages.retrieve(package_id=package_id).data.archived_at == at(2026, 1)


# --- aliases ---------------------------------------------------------------------------------


def test_a_new_package_taking_the_alias_from_a_later_date_cuts_the_previous_window(
    client: Metronome, tokens: TokenCatalog
) -> None:
    v1 = create(client, starter_plan(tokens))
    v2 = create(
        client,
        starter_plan(
            tokens,
            name="Starter Plan - March 2026",
            aliases=[{"name": "Starter Plan", "starting_at": "2026-03-01T00:00:00Z"}],
        ),
    )
    first = client.v1.packages.retrieve(package_id=v1).data.aliases or []
    second = client.v1.packages.retrieve(package_id=v2).data.aliases or []
    assert [(a.name, a.starting_at, a.ending_before) for a in first] == [
        ("Starter Plan", None, at(2026, 3))
    ]
    assert [(a.name, a.starting_at, a.ending_before) for a in second] == [
        ("Starter Plan", at(2026, 3), None)
    ]


def test_taking_a_held_alias_without_a_date_takes_it_from_now(
    client: Metronome, tokens: TokenCatalog, clock: FixedClock
) -> None:
    v1 = create(client, starter_plan(tokens))
    clock.set(at(2026, 2, 15))
    v2 = create(client, starter_plan(tokens, name="v2"))
    (old,) = client.v1.packages.retrieve(package_id=v1).data.aliases or []
    (new,) = client.v1.packages.retrieve(package_id=v2).data.aliases or []
    assert old.ending_before == at(2026, 2, 15) and new.starting_at == at(2026, 2, 15)
