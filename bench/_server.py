"""Shared by the metering benchmarks: fresh databases and a real ``meterbill serve`` process.

Everything stays on 127.0.0.1. PostgreSQL databases are created on the local server
(``METERBILL_BENCH_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)
and dropped afterwards; SQLite files live in a temporary directory.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get(
    "METERBILL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """The URL of a new, empty database on ``backend`` (``postgresql`` or ``sqlite``)."""
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="meterbill-bench-")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"meterbill_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class Server:
    port: int
    token: str

    def post(self, path: str, body: Any) -> Any:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=600)
        try:
            connection.request("POST", path, json.dumps(body), self.headers())
            response = connection.getresponse()
            raw = response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status} {raw[:500]!r}")
            return json.loads(raw) if raw else None
        finally:
            connection.close()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}


@contextmanager
def serve(database_url: str, *, workers: int) -> Iterator[Server]:
    """``meterbill serve`` on a free loopback port, with a fresh API token."""
    env = {**os.environ, "METERBILL_DATABASE_URL": database_url, "METERBILL_BILLING_WORKER": "off"}
    minted = subprocess.run(
        [str(BIN / "meterbill"), "token", "create", "--name", "bench"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    token = minted.stdout.strip().splitlines()[-1]
    port = _free_port()
    command = [str(BIN / "meterbill"), "serve", "--host", HOST, "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(port, process)
        yield Server(port, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("meterbill serve exited during start-up")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("meterbill serve did not become healthy within 60 s")
