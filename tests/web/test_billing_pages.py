"""Contracts, invoices and packages as the UI shows them, from data made through the SDK."""

from __future__ import annotations

from typing import Any

import pytest
from metronome import Metronome
from sqlalchemy import Engine
from starlette.testclient import TestClient

from meterbill.clock import FixedClock
from tests.scenarios.conftest import Billing, at


@pytest.fixture
def billing(client: Metronome, clock: FixedClock, engine: Engine) -> Billing:
    setup = Billing(client, clock, engine)
    setup.customer("Acme")
    return setup


def _calls_card(billing: Billing) -> tuple[str, str]:
    calls = billing.usage_product("Calls", billing.metric("call"))
    card = billing.rate_card(
        {"product_id": calls, "rate_type": "FLAT", "price": 0.5, "entitled": True,
         "starting_at": at(1)},
    )  # fmt: skip
    return calls, card


def _contract(billing: Billing) -> str:
    _, card = _calls_card(billing)
    fee = billing.product("Setup fee", "FIXED")
    charge = {
        "product_id": fee,
        "schedule": {"schedule_items": [{"timestamp": at(1, 15), "amount": 5000}]},
    }
    contract = billing.contract(card, at(1), name="Acme 2026", scheduled_charges=[charge])
    billing.send("call", at(1, 10), count=3)
    billing.close(at(2, 5))
    return contract


def test_a_customer_lists_its_contracts_and_its_draft_and_finalised_invoices(
    ui: TestClient, billing: Billing
) -> None:
    _contract(billing)
    page = ui.get(f"/ui/customers/{billing.customer_id}").text
    assert "Acme 2026" in page
    assert "FINALIZED" in page and "DRAFT" in page
    assert "$0.015" in page  # January: 3 calls at 0.5 cents
    assert "$50.00" in page  # the scheduled setup fee


def test_a_contract_shows_its_terms_and_invoices(ui: TestClient, billing: Billing) -> None:
    contract = _contract(billing)
    page = ui.get(f"/ui/customers/{billing.customer_id}/contracts/{contract}")
    assert page.status_code == 200
    assert "Acme 2026" in page.text
    assert "Setup fee" in page.text and "$50.00" in page.text and "2026-01-15" in page.text
    assert "FINALIZED" in page.text and "DRAFT" in page.text


def test_an_invoice_shows_its_line_items_exactly(ui: TestClient, billing: Billing) -> None:
    _contract(billing)
    (january,) = [i for i in billing.invoices(type="USAGE") if i.start_timestamp == at(1)]
    page = ui.get(f"/ui/customers/{billing.customer_id}/invoices/{january.id}")
    assert page.status_code == 200
    html = page.text
    assert "FINALIZED" in html and "Calls" in html
    assert "$0.005" in html  # unit price: 0.5 cents
    assert "$0.015" in html  # total: 1.5 cents, never rounded for display


def test_an_unknown_contract_is_a_404_page(ui: TestClient, billing: Billing) -> None:
    page = ui.get(f"/ui/customers/{billing.customer_id}/contracts/nope")
    assert page.status_code == 404


def _package(client: Metronome, card: str, fee: str) -> str:
    body: dict[str, Any] = {
        "name": "Starter <2026>",
        "rate_card_id": card,
        "duration": {"unit": "MONTHS", "value": 12},
        "scheduled_charges": [
            {"product_id": fee,
             "schedule": {"schedule_items": [
                 {"date_offset": {"unit": "MONTHS", "value": 1}, "quantity": 1,
                  "unit_price": 2500}]}},
        ],
    }  # fmt: skip
    return client.v1.packages.create(**body).data.id


def test_a_package_shows_its_relative_terms_and_its_cohort(
    ui: TestClient, billing: Billing, client: Metronome
) -> None:
    _, card = _calls_card(billing)
    package = _package(client, card, billing.product("Onboarding", "FIXED"))
    contract = client.v1.contracts.create(
        customer_id=billing.customer_id, package_id=package, starting_at=at(1)
    ).data.id
    assert "Starter &lt;2026&gt;" in ui.get("/ui/packages").text
    page = ui.get(f"/ui/packages/{package}")
    assert page.status_code == 200
    html = page.text
    assert "Onboarding" in html and "+1 months" in html and "$25.00" in html
    assert "+12 months" in html
    assert contract in html
    assert "1 unarchived contract(s)" in html
