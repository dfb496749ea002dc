"""``Idempotency-Key``: the first answer is replayed; another body under the key is a 409."""

from __future__ import annotations

from datetime import timedelta

from metronome import Metronome
from starlette.testclient import TestClient

from meterbill.clock import FixedClock


def _post(http: TestClient, token: str, key: str, body: dict[str, object]) -> tuple[int, dict]:
    response = http.post(
        "/v1/customers",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )
    return response.status_code, response.json()


def test_a_retry_with_the_same_body_replays_the_first_answer(
    http: TestClient, token: str, client: Metronome
) -> None:
    first = _post(http, token, "k-1", {"name": "Acme"})
    again = _post(http, token, "k-1", {"name": "Acme"})
    assert first == again
    assert first[0] == 200
    assert len(list(client.v1.customers.list())) == 1


def test_the_same_key_with_another_body_is_a_conflict(http: TestClient, token: str) -> None:
    assert _post(http, token, "k-2", {"name": "Acme"})[0] == 200
    status, body = _post(http, token, "k-2", {"name": "Other"})
    assert status == 409
    assert "different" in body["message"]


def test_client_errors_are_replayed_too(http: TestClient, token: str) -> None:
    first = _post(http, token, "k-3", {})
    assert first[0] == 400
    assert _post(http, token, "k-3", {}) == first


def test_keys_expire_after_24_hours(
    http: TestClient, token: str, client: Metronome, clock: FixedClock
) -> None:
    _post(http, token, "k-4", {"name": "A"})
    clock.set(clock.now() + timedelta(hours=24, seconds=1))
    assert _post(http, token, "k-4", {"name": "A"})[0] == 200
    assert len(list(client.v1.customers.list())) == 2


def test_the_sdk_can_send_the_header(client: Metronome) -> None:
    options = {"extra_headers": {"Idempotency-Key": "sdk-1"}}
    first = client.v1.customers.create(name="Acme", **options)  # type: ignore[arg-type]
    second = client.v1.customers.create(name="Acme", **options)  # type: ignore[arg-type]
    assert first.data.id == second.data.id
