"""Catalog pages show real data created through the SDK; the forms call the same services."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from metronome import Metronome
from starlette.testclient import TestClient

from meterbill.core.pricing import USD_CENTS_CREDIT_TYPE_ID as USD
from tests.web.conftest import submit


def at(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def metric(client: Metronome, name: str = "API requests") -> str:
    return client.v1.billable_metrics.create(
        name=name,
        aggregation_type="COUNT",
        event_type_filter={"in_values": ["api_request"]},
        property_filters=[{"name": "region", "exists": True}],
        group_keys=[["region"]],
    ).data.id


def usage_product(client: Metronome, name: str = "API calls") -> str:
    return client.v1.contracts.products.create(
        name=name, type="USAGE", billable_metric_id=metric(client, f"{name} metric")
    ).data.id


def section(html: str, heading: str) -> str:
    """The page from ``<h2 id="heading">`` to the next ``<h2``."""
    start = html.index(f'<h2 id="{heading}">')
    end = html.find("<h2", start + 1)
    return html[start : end if end != -1 else len(html)]


# --- customers, metrics, pricing units -------------------------------------------------------


def test_customers_are_listed_a_page_at_a_time(ui: TestClient, client: Metronome) -> None:
    for index in range(27):
        client.v1.customers.create(name=f"Customer {index:02d}")
    first = ui.get("/ui/customers").text
    assert first.count('href="/ui/customers/') == 25
    found = re.search(r'href="\?cursor=([^"]+)"', first)
    assert found is not None
    second = ui.get(f"/ui/customers?cursor={found.group(1)}").text
    assert second.count('href="/ui/customers/') == 2
    assert "Next page" not in second


def test_a_customer_shows_its_aliases_and_custom_fields(ui: TestClient, client: Metronome) -> None:
    customer = client.v1.customers.create(name="Acme & Sons", ingest_aliases=["acme-prod"]).data
    page = ui.get(f"/ui/customers/{customer.id}")
    assert page.status_code == 200
    assert "Acme &amp; Sons" in page.text
    assert "acme-prod" in page.text
    assert "No contracts." in page.text


def test_an_unknown_customer_is_a_404_page(ui: TestClient) -> None:
    page = ui.get("/ui/customers/nope")
    assert page.status_code == 404
    assert "no customer with id" in page.text


def test_billable_metrics_are_listed_and_shown(ui: TestClient, client: Metronome) -> None:
    ident = metric(client)
    assert "API requests" in ui.get("/ui/billable-metrics").text
    page = ui.get(f"/ui/billable-metrics/{ident}").text
    assert "COUNT" in page and "api_request" in page and "[region]" in page


def test_pricing_units_list_the_built_in_currencies_and_custom_units(
    ui: TestClient, client: Metronome
) -> None:
    client.v1.contracts.products.list()  # the SDK is up
    page = ui.get("/ui/pricing-units").text
    assert "USD (cents)" in page and USD in page


# --- products --------------------------------------------------------------------------------


def test_a_product_shows_its_current_state_and_scheduled_updates(
    ui: TestClient, client: Metronome
) -> None:
    product = usage_product(client, "Storage")
    client.v1.contracts.products.update(
        product_id=product, starting_at=at(2026, 3), name="Storage (GB)"
    )
    listed = ui.get("/ui/products").text
    assert "Storage" in listed and "USAGE" in listed
    page = ui.get(f"/ui/products/{product}").text
    assert "<h1>Storage <span" in page  # the name in force now (2026-01-01)
    assert "2026-03-01" in page and "Storage (GB)" in page and "scheduled" in page


def test_the_product_form_creates_a_product(ui: TestClient, client: Metronome) -> None:
    ident = metric(client)
    status, _, location = submit(
        ui,
        "/ui/products/new",
        "/ui/products/new",
        {"name": "API calls", "type": "USAGE", "billable_metric_id": ident, "tags": "api, usage"},
    )
    assert status == 303 and location is not None
    page = ui.get(location).text
    assert "API calls" in page and "api, usage" in page
    (created,) = client.v1.contracts.products.list().data
    assert created.current.billable_metric_id == ident
    assert created.current.tags == ["api", "usage"]


def test_a_bad_product_shows_the_services_message_on_the_form_and_creates_nothing(
    ui: TestClient, client: Metronome
) -> None:
    status, html, _ = submit(
        ui, "/ui/products/new", "/ui/products/new", {"name": "Calls <b>", "type": "USAGE"}
    )
    assert status == 400
    assert "billable_metric_id: is required for USAGE products" in html
    assert 'value="Calls &lt;b&gt;"' in html  # what was typed is kept, escaped
    assert client.v1.contracts.products.list().data == []


# --- rate cards ------------------------------------------------------------------------------


def test_a_rate_card_shows_rates_in_force_at_the_chosen_date_and_the_full_schedule(
    ui: TestClient, client: Metronome
) -> None:
    calls = usage_product(client)
    cards = client.v1.contracts.rate_cards
    card = cards.create(name="Standard", aliases=[{"name": "standard"}]).data.id
    cards.rates.add_many(
        rate_card_id=card,
        rates=[
            {"product_id": calls, "rate_type": "FLAT", "price": 0.5, "entitled": True,
             "starting_at": at(2025, 1), "ending_before": at(2026, 6)},
            {"product_id": calls, "rate_type": "TIERED", "entitled": True,
             "tiers": [{"price": 3, "size": 1000}, {"price": 1.25}], "starting_at": at(2026, 6)},
        ],  # type: ignore[list-item]
    )  # fmt: skip
    today = ui.get(f"/ui/rate-cards/{card}").text
    in_force = section(today, "in-force")
    assert "$0.005" in in_force and "$0.03" not in in_force
    later = section(ui.get(f"/ui/rate-cards/{card}?at=2026-07-01").text, "in-force")
    assert "$0.03 for the next 1000; $0.0125 thereafter" in later
    assert "$0.005" not in later
    schedule = section(today, "schedule")
    assert "2025-01-01" in schedule and "2026-06-01" in schedule and "open-ended" in schedule
    aliases = section(today, "aliases")
    assert "standard" in aliases and "the beginning" in aliases


def test_a_bad_date_is_a_400_page(ui: TestClient, client: Metronome) -> None:
    card = client.v1.contracts.rate_cards.create(name="Standard").data.id
    page = ui.get(f"/ui/rate-cards/{card}?at=yesterday")
    assert page.status_code == 400
    assert "at: must be a date" in page.text


def test_the_rate_card_form_creates_a_card_and_shows_service_errors(
    ui: TestClient, client: Metronome
) -> None:
    status, html, _ = submit(
        ui, "/ui/rate-cards/new", "/ui/rate-cards/new",
        {"name": "Bad", "fiat_credit_type_id": "XYZ"},
    )  # fmt: skip
    assert status == 400
    assert "fiat_credit_type_id: &#39;XYZ&#39; is not a fiat credit type" in html
    assert client.v1.contracts.rate_cards.list().data == []
    status, _, location = submit(
        ui, "/ui/rate-cards/new", "/ui/rate-cards/new",
        {"name": "Standard", "fiat_credit_type_id": USD, "alias": "standard",
         "alias_starting_at": "2026-02-01"},
    )  # fmt: skip
    assert status == 303 and location is not None
    (card,) = client.v1.contracts.rate_cards.list().data
    assert card.name == "Standard"
    assert card.aliases is not None and card.aliases[0].name == "standard"


def test_adding_a_flat_rate_in_dollars_stores_exact_cents_and_shows_it(
    ui: TestClient, client: Metronome
) -> None:
    calls = usage_product(client)
    card = client.v1.contracts.rate_cards.create(name="Standard").data.id
    page = f"/ui/rate-cards/{card}"
    status, _, location = submit(
        ui, page, f"{page}/rates",
        {"product_id": calls, "starting_at": "2026-01-01", "rate_type": "FLAT",
         "credit_type_id": USD, "price": "0.005"},
    )  # fmt: skip
    assert status == 303 and location is not None
    (rate,) = client.v1.contracts.rate_cards.rates.list(rate_card_id=card, at=at(2026, 1)).data
    assert Decimal(str(rate.rate.price)) == Decimal("0.5")
    assert "$0.005" in section(ui.get(location).text, "in-force")


def test_adding_a_tiered_rate_from_a_date(ui: TestClient, client: Metronome) -> None:
    calls = usage_product(client)
    card = client.v1.contracts.rate_cards.create(name="Standard").data.id
    page = f"/ui/rate-cards/{card}"
    status, _, _ = submit(
        ui, page, f"{page}/rates",
        {"product_id": calls, "starting_at": "2026-02-01", "rate_type": "TIERED",
         "credit_type_id": USD, "tiers[0].size": "100", "tiers[0].price": "1",
         "tiers[1].price": "0.5"},
    )  # fmt: skip
    assert status == 303
    html = ui.get(f"{page}?at=2026-02-01").text
    assert "$1.00 for the next 100; $0.50 thereafter" in section(html, "in-force")
    assert "No rate in force" in section(ui.get(page).text, "in-force")


def test_a_refused_rate_shows_the_message_and_adds_nothing(
    ui: TestClient, client: Metronome
) -> None:
    calls = usage_product(client)
    card = client.v1.contracts.rate_cards.create(name="Standard").data.id
    page = f"/ui/rate-cards/{card}"
    status, html, _ = submit(
        ui, page, f"{page}/rates",
        {"product_id": calls, "starting_at": "2026-01-01", "rate_type": "TIERED",
         "credit_type_id": USD, "price": "2"},
    )  # fmt: skip
    assert status == 400
    assert 'class="error"' in section(html, "add-rate")
    assert client.v1.contracts.rate_cards.rates.list(rate_card_id=card, at=at(2026, 1)).data == []
    status, html, _ = submit(
        ui, page, f"{page}/rates",
        {"product_id": calls, "starting_at": "soon", "rate_type": "FLAT", "price": "2"},
    )  # fmt: skip
    assert status == 400 and "starting_at: must be a date" in html


def test_assigning_an_alias_from_a_date_ends_the_previous_holders_window(
    ui: TestClient, client: Metronome
) -> None:
    cards = client.v1.contracts.rate_cards
    old = cards.create(name="2025 prices", aliases=[{"name": "standard"}]).data.id
    new = cards.create(name="2026 prices").data.id
    page = f"/ui/rate-cards/{new}"
    status, _, _ = submit(
        ui, page, f"{page}/aliases", {"name": "standard", "starting_at": "2026-03-01"}
    )
    assert status == 303
    new_aliases = section(ui.get(page).text, "aliases")
    assert "standard" in new_aliases and "2026-03-01" in new_aliases
    old_aliases = section(ui.get(f"/ui/rate-cards/{old}").text, "aliases")
    assert "the beginning" in old_aliases and "2026-03-01" in old_aliases


def test_a_refused_alias_shows_the_message(ui: TestClient, client: Metronome) -> None:
    card = client.v1.contracts.rate_cards.create(name="Standard").data.id
    page = f"/ui/rate-cards/{card}"
    status, html, _ = submit(
        ui, page, f"{page}/aliases",
        {"name": "standard", "starting_at": "2026-03-01", "ending_before": "2026-02-01"},
    )  # fmt: skip
    assert status == 400
    assert "ending_before: must be after starting_at" in section(html, "assign-alias")


def test_the_dashboard_counts_and_lists_rate_cards(ui: TestClient, client: Metronome) -> None:
    client.v1.contracts.rate_cards.create(name="Standard <2026>")
    client.v1.customers.create(name="Acme")
    page = ui.get("/ui/").text
    assert "Standard &lt;2026&gt;" in page
    assert "<script" not in page
