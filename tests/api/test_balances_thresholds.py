"""Threshold configurations: a STRIPE payment gate is refused with a 400 naming the field."""

from __future__ import annotations

from typing import Any

import metronome
import pytest
from metronome import Metronome
from starlette.testclient import TestClient

from tests.api.contract_fixtures import Catalog, at, catalog, message_of, raw

__all__ = ["catalog"]


def _spend_threshold(gate: str, product_id: str) -> dict[str, Any]:
    return {
        "commit": {"product_id": product_id},
        "is_enabled": True,
        "payment_gate_config": {"payment_gate_type": gate},
        "threshold_amount": 10_000,
    }


def test_a_stripe_gate_on_a_spend_threshold_is_refused(client: Metronome, catalog: Catalog) -> None:
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.create(
            customer_id=catalog.customer,
            starting_at=at(2026, 1),
            rate_card_id=catalog.card,
            spend_threshold_configuration=_spend_threshold("STRIPE", catalog.fixed),  # type: ignore[arg-type]
        )
    message = message_of(error)
    assert message.startswith("spend_threshold_configuration.payment_gate_config:")
    assert "payment_gate_type STRIPE" in message


def test_a_stripe_gate_on_a_recharge_is_refused(client: Metronome, catalog: Catalog) -> None:
    config = {
        "commit": {"product_id": catalog.fixed},
        "is_enabled": True,
        "payment_gate_config": {"payment_gate_type": "stripe"},
        "threshold_amount": 1_000,
        "recharge_to_amount": 5_000,
    }
    with pytest.raises(metronome.BadRequestError) as error:
        client.v1.contracts.create(
            customer_id=catalog.customer,
            starting_at=at(2026, 1),
            rate_card_id=catalog.card,
            prepaid_balance_threshold_configuration=config,  # type: ignore[arg-type]
        )
    assert message_of(error).startswith(
        "prepaid_balance_threshold_configuration.payment_gate_config:"
    )


def test_an_external_gate_is_kept(client: Metronome, catalog: Catalog) -> None:
    created = client.v1.contracts.create(
        customer_id=catalog.customer,
        starting_at=at(2026, 1),
        rate_card_id=catalog.card,
        spend_threshold_configuration=_spend_threshold("EXTERNAL", catalog.fixed),  # type: ignore[arg-type]
    )
    assert created.data.id


def test_a_stripe_gate_on_a_package_is_refused(
    http: TestClient, token: str, catalog: Catalog
) -> None:
    body = {
        "name": "PLG",
        "spend_threshold_configuration": _spend_threshold("STRIPE", catalog.fixed),
    }
    status, answer = raw(http, token, "/v1/packages/create", body)
    assert status == 400
    assert (
        "spend_threshold_configuration.payment_gate_config: payment_gate_type STRIPE"
        in (answer["message"])
    )
