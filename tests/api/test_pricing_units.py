"""Pricing units (``/v1/credit-types``) through the SDK."""

from __future__ import annotations

import metronome
import pytest
from metronome import Metronome

USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
FIAT = {"USD (cents)", "AUD", "BRL", "CAD", "CHF", "CZK", "EUR", "GBP", "INR", "MXN", "NGN",
        "NOK", "PLN", "SEK", "TRY", "ZAR", "NZD", "SGD"}  # fmt: skip


def test_fiat_currencies_are_built_in_with_usd_at_metronomes_id(client: Metronome) -> None:
    units = list(client.v1.pricing_units.list())
    assert units[0].id == USD
    assert units[0].name == "USD (cents)"
    assert {unit.name for unit in units if unit.is_currency} == FIAT


def test_custom_unit_is_listed_after_the_currencies_and_can_be_archived(
    client: Metronome,
) -> None:
    created = client.v1.pricing_units.create(name="cloud consumption units").data.id
    units = list(client.v1.pricing_units.list(limit=5))
    assert units[-1].id == created
    assert units[-1].is_currency is False
    assert client.v1.pricing_units.archive(id=created).data.id == created
    assert created not in {unit.id for unit in client.v1.pricing_units.list()}


def test_pages_cover_every_unit_once(client: Metronome) -> None:
    first = client.v1.pricing_units.list(limit=4)
    assert len(first.data) == 4 and first.next_page
    ids = [unit.id for unit in client.v1.pricing_units.list(limit=4)]
    assert len(ids) == len(set(ids)) == len(FIAT)


def test_currencies_cannot_be_archived(client: Metronome) -> None:
    with pytest.raises(metronome.BadRequestError):
        client.v1.pricing_units.archive(id=USD)


def test_archiving_an_unknown_unit_is_404(client: Metronome) -> None:
    with pytest.raises(metronome.NotFoundError):
        client.v1.pricing_units.archive(id="missing")
