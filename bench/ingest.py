"""Ingest throughput over HTTP against ``meterbill serve``, and the raw insert of the same rows.

    python -m bench.ingest [--quick] [--backend postgresql|sqlite|both] [--workers N]

For each backend (PostgreSQL, then SQLite): a fresh database, ``meterbill serve`` on loopback,
and a load generator in a separate process posting 100-event batches (8 properties per event,
1% of transaction ids repeated) over keep-alive connections, bounded in batches and seconds.
Then, in the same run, the same rows are bulk-inserted into the same table (in a fresh
database): COPY on PostgreSQL, executemany on SQLite, 10,000 rows per transaction. The last
line reads
``backend=... events_per_s=... raw_events_per_s=... ratio=...``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench._server import HOST, Server, fresh_database, serve
from meterbill.core.metering import parse_ingest_batch
from meterbill.storage.database import make_engine
from meterbill.storage.migrate import upgrade
from meterbill.storage.repositories.events import encode_properties

BATCH = 100
RAW_CHUNK = 10_000
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-south-1")
ENDPOINTS = ("/v1/users", "/v1/orders", "/v1/search", "/v1/login", "/v1/items")


def _events(count: int, customer: str, seed: int) -> list[dict[str, Any]]:
    """Realistic events: 8 properties, numbers as JSON numbers and strings, 1% duplicate ids."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    events: list[dict[str, Any]] = []
    for _ in range(count):
        duplicate = events and rng.random() < 0.01
        tx = events[rng.randrange(len(events))]["transaction_id"] if duplicate else None
        events.append(
            {
                "transaction_id": tx or str(uuid.UUID(int=rng.getrandbits(128))),
                "customer_id": customer,
                "event_type": rng.choice(("api_request", "storage", "compute")),
                "timestamp": (now - timedelta(seconds=rng.randrange(86_400 * 7))).strftime(
                    "%Y-%m-%dT%H:%M:%S.%fZ"
                ),
                "properties": {
                    "region": rng.choice(REGIONS),
                    "endpoint": rng.choice(ENDPOINTS),
                    "method": rng.choice(("GET", "POST")),
                    "status": rng.choice(("200", "200", "200", "404", "500")),
                    "latency_ms": rng.randrange(1, 2000),
                    "bytes": str(rng.randrange(1, 10_000_000)),
                    "cpu_seconds": f"{rng.random() * 10:.4f}",
                    "user_id": f"user-{rng.randrange(10_000)}",
                },
            }
        )
    return events


def _load(port: int, token: str, bodies: list[bytes], connections: int, seconds: float) -> Any:
    """The load generator (runs in its own process): post every body, bounded in time."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    cursor = iter(range(len(bodies)))
    lock = threading.Lock()
    done = {"ok": 0, "failed": 0}
    deadline = time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=120)
        while time.monotonic() < deadline:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            connection.request("POST", "/v1/ingest", bodies[index], headers)
            response = connection.getresponse()
            response.read()
            with lock:
                done["ok" if response.status == 200 else "failed"] += 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {**done, "seconds": time.perf_counter() - started}


def _run_load(server: Server, bodies: list[bytes], connections: int, seconds: float) -> Any:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_load, (server.port, server.token, bodies, connections, seconds))


def _raw_rows(events: list[dict[str, Any]], sqlite: bool) -> list[tuple[Any, ...]]:
    """The rows ingest would store (first of each transaction id), encoded the same way."""
    seen: set[str] = set()
    rows = []
    now = datetime.now(UTC)
    for start in range(0, len(events), BATCH):
        for event in parse_ingest_batch(events[start : start + BATCH], now=now):
            if event.transaction_id in seen:
                continue
            seen.add(event.transaction_id)
            properties, texts, numbers = encode_properties(event.properties, sqlite=sqlite)
            timestamp: Any = event.timestamp
            if sqlite:
                timestamp = event.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f")
            row = (event.transaction_id, event.customer_id, event.event_type, timestamp)
            rows.append((*row, properties, texts, numbers, now if not sqlite else str(now)))
    return rows


_COLUMNS = (
    'transaction_id, customer_ref, event_type, "timestamp", properties, texts, numbers, '
    "processed_at"
)


def _raw_insert(url: str, rows: list[tuple[Any, ...]]) -> float:
    """Seconds to bulk-insert ``rows`` into the emptied ``usage_events`` table."""
    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM usage_events")
    started = time.perf_counter()
    for start in range(0, len(rows), RAW_CHUNK):
        chunk = rows[start : start + RAW_CHUNK]
        with engine.begin() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            if sqlite:
                raw.executemany(
                    f"INSERT INTO usage_events ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)", chunk
                )
            else:
                with raw.cursor() as cursor:
                    copy_sql = f"COPY usage_events ({_COLUMNS}) FROM STDIN"
                    with cursor.copy(copy_sql) as copy:  # type: ignore[attr-defined]
                        for row in chunk:
                            copy.write_row(row)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def _count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM usage_events").scalar_one()
    engine.dispose()
    return int(count)


def run(backend: str, *, batches: int, seconds: float, workers: int, connections: int) -> str:
    with fresh_database(backend) as url, serve(url, workers=workers) as server:
        customer = server.post("/v1/customers", {"name": "bench"})["data"]["id"]
        events = _events(batches * BATCH, customer, seed=7)
        bodies = [json.dumps(events[i : i + BATCH]).encode() for i in range(0, len(events), BATCH)]
        server.post("/v1/ingest", events[:1])  # warm up (the token cache, the pool)
        result = _run_load(server, bodies, connections, seconds)
        sent = result["ok"] * BATCH
        stored = _count(url)
        rate = sent / result["seconds"]
        rows = _raw_rows(events, backend == "sqlite")
    raw_seconds = _raw_insert_fresh(backend, rows)
    raw_rate = len(rows) / raw_seconds
    print(
        f"{backend}: {result['ok']} batches ({sent} events, {stored} stored after dedup, "
        f"{result['failed']} failed) in {result['seconds']:.2f} s over HTTP with "
        f"{connections} connections and {workers} server worker(s): {rate:,.0f} events/s; "
        f"raw insert of {len(rows)} rows: {raw_seconds:.2f} s, {raw_rate:,.0f} rows/s"
    )
    return (
        f"backend={backend} events_per_s={rate:.0f} raw_events_per_s={raw_rate:.0f} "
        f"ratio={rate / raw_rate:.3f}"
    )


def _raw_insert_fresh(backend: str, rows: list[tuple[Any, ...]]) -> float:
    with fresh_database(backend) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        return _raw_insert(url, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a run of well under 60 seconds")
    parser.add_argument("--backend", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="meterbill serve --workers")
    parser.add_argument("--connections", type=int, default=8, help="concurrent HTTP clients")
    args = parser.parse_args()
    batches, seconds = (150, 12.0) if args.quick else (3000, 120.0)
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    lines = [
        run(b, batches=batches, seconds=seconds, workers=args.workers, connections=args.connections)
        for b in backends
    ]
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
