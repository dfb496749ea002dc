"""``meterbill serve`` as a user runs it: a real process, real HTTP, the official SDK."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import metronome
import pytest
from metronome import Metronome

BIN = Path(sys.executable).parent / "meterbill"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "METERBILL_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    env["METERBILL_BILLING_WORKER"] = "off"
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("meterbill serve did not come up within 30 s")
            time.sleep(0.1)
        yield base_url, env
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_the_sdk_from_another_process_manages_customers(
    server: tuple[str, dict[str, str]],
) -> None:
    base_url, env = server
    token = _run(["token", "create", "--name", "e2e"], env).strip().splitlines()[-1]
    client = Metronome(base_url=base_url, bearer_token=token, max_retries=0)
    ids = [client.v1.customers.create(name=f"Customer {i}").data.id for i in range(5)]
    assert client.v1.customers.retrieve(customer_id=ids[0]).data.name == "Customer 0"
    assert sorted(c.id for c in client.v1.customers.list(limit=2)) == sorted(ids)
    client.v1.customers.archive(id=ids[0])
    assert ids[0] not in {c.id for c in client.v1.customers.list()}

    with pytest.raises(metronome.NotFoundError):
        client.v1.customers.retrieve(customer_id="missing")
    wrong = Metronome(base_url=base_url, bearer_token="wrong", max_retries=0)
    with pytest.raises(metronome.AuthenticationError):
        wrong.v1.customers.list()


def test_token_list_and_revoke(server: tuple[str, dict[str, str]]) -> None:
    base_url, env = server
    token = _run(["token", "create", "--name", "temp"], env).strip().splitlines()[-1]
    assert token.startswith("mb_")
    listing = _run(["token", "list"], env)
    assert "temp" in listing and token not in listing
    client = Metronome(base_url=base_url, bearer_token=token, max_retries=0)
    client.v1.customers.list()
    _run(["token", "revoke", "temp"], env)
    time.sleep(5.5)  # verified tokens are cached for 5 seconds
    with pytest.raises(metronome.AuthenticationError):
        client.v1.customers.list()
