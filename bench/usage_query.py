"""A month aggregate over many events: ``POST /v1/usage`` against one hand-written SQL statement.

    python -m bench.usage_query [--quick] [--backend postgresql|sqlite|both] [--events N]

For each backend (PostgreSQL, then SQLite): a fresh database, ``meterbill serve`` on loopback,
one customer and 20 billable metrics (COUNT and SUM of ``value`` for each of 10 event types),
and N events (10 million; ``--quick``: 200,000) in one customer-month, generated inside the
database. Then the month aggregate of all 20 metrics through ``POST /v1/usage`` (window NONE)
and the same numbers from one hand-written ``GROUP BY event_type`` statement, each timed as the
median of 3 runs after a warm-up. The server's peak memory is read from ``/proc``. The last line
reads ``events=... api_ms=... raw_sql_ms=... ratio=...``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench._server import HOST, Server, fresh_database, serve
from meterbill.storage.database import make_engine

EVENT_TYPES = 10
MONTH_START = datetime(2026, 1, 1, tzinfo=UTC)
MONTH_END = datetime(2026, 2, 1, tzinfo=UTC)
MONTH_SECONDS = int((MONTH_END - MONTH_START).total_seconds())
CHUNK = 1_000_000

_PG_FILL = """
INSERT INTO usage_events (transaction_id, customer_ref, event_type, "timestamp", properties,
                          texts, numbers, processed_at)
SELECT 'tx-' || g, :customer, 'type_' || (g % 10),
       :start + ((g::bigint * 7919) % :seconds) * interval '1 second',
       '{"value":' || (g % 1000) || ',"region":"r' || (g % 4) || '","user_id":"u' || (g % 5000)
         || '","endpoint":"/v1/e' || (g % 7) || '","method":"GET","status":"200","bytes":"'
         || (g % 100000) || '","cpu":"0.' || (g % 97) || '"}',
       jsonb_build_object('value', (g % 1000)::text, 'region', 'r' || (g % 4),
         'user_id', 'u' || (g % 5000), 'endpoint', '/v1/e' || (g % 7), 'method', 'GET',
         'status', '200', 'bytes', (g % 100000)::text, 'cpu', '0.' || (g % 97)),
       jsonb_build_object('value', (g % 1000)::text, 'status', '200',
         'bytes', (g % 100000)::text, 'cpu', '0.' || (g % 97)),
       now()
FROM generate_series(:first, :last) AS g
"""

_SQLITE_FILL = """
WITH RECURSIVE s(g) AS (SELECT :first UNION ALL SELECT g + 1 FROM s WHERE g < :last)
INSERT INTO usage_events (transaction_id, customer_ref, event_type, "timestamp", properties,
                          texts, numbers, processed_at)
SELECT 'tx-' || g, :customer, 'type_' || (g % 10),
       strftime('%Y-%m-%d %H:%M:%S', :start_epoch + ((g * 7919) % :seconds), 'unixepoch')
         || '.000000',
       '{"value":' || (g % 1000) || ',"region":"r' || (g % 4) || '","user_id":"u' || (g % 5000)
         || '","endpoint":"/v1/e' || (g % 7) || '","method":"GET","status":"200","bytes":"'
         || (g % 100000) || '","cpu":"0.' || (g % 97) || '"}',
       json_object('value', CAST(g % 1000 AS TEXT), 'region', 'r' || (g % 4),
         'user_id', 'u' || (g % 5000), 'endpoint', '/v1/e' || (g % 7), 'method', 'GET',
         'status', '200', 'bytes', CAST(g % 100000 AS TEXT), 'cpu', '0.' || (g % 97)),
       json_object('value', CAST(g % 1000 AS TEXT), 'status', '200',
         'bytes', CAST(g % 100000 AS TEXT), 'cpu', '0.' || (g % 97)),
       '2026-02-01 00:00:00.000000'
FROM s
"""

_PG_RAW = """
SELECT event_type, count(*), sum((numbers ->> 'value')::numeric)
FROM usage_events
WHERE customer_ref = :customer AND "timestamp" >= :start AND "timestamp" < :end
GROUP BY event_type
"""

_SQLITE_RAW = """
SELECT event_type, count(*), sum(json_extract(numbers, '$.value'))
FROM usage_events
WHERE customer_ref = :customer AND "timestamp" >= :start AND "timestamp" < :end
GROUP BY event_type
"""


def _metrics(server: Server) -> list[str]:
    ids = []
    for index in range(EVENT_TYPES):
        event_type = {"in_values": [f"type_{index}"]}
        ids.append(
            server.post(
                "/v1/billable-metrics/create",
                {"name": f"count {index}", "aggregation_type": "COUNT",
                 "event_type_filter": event_type},
            )["data"]["id"]
        )  # fmt: skip
        ids.append(
            server.post(
                "/v1/billable-metrics/create",
                {"name": f"sum {index}", "aggregation_type": "SUM", "aggregation_key": "value",
                 "event_type_filter": event_type,
                 "property_filters": [{"name": "value", "exists": True}]},
            )["data"]["id"]
        )  # fmt: skip
    return ids


def _fill(engine: Engine, customer: str, events: int) -> float:
    sqlite = engine.dialect.name == "sqlite"
    started = time.perf_counter()
    for first in range(1, events + 1, CHUNK):
        last = min(events, first + CHUNK - 1)
        params: dict[str, Any] = {"customer": customer, "first": first, "last": last,
                                  "seconds": MONTH_SECONDS}  # fmt: skip
        if sqlite:
            params["start_epoch"] = int(MONTH_START.timestamp())
        else:
            params["start"] = MONTH_START
        with engine.begin() as connection:
            connection.execute(text(_SQLITE_FILL if sqlite else _PG_FILL), params)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _api_ms(server: Server, customer: str, metric_ids: list[str]) -> tuple[float, Any]:
    body = json.dumps(
        {
            "starting_on": "2026-01-01T00:00:00Z",
            "ending_before": "2026-02-01T00:00:00Z",
            "window_size": "NONE",
            "customer_ids": [customer],
            "billable_metrics": [{"id": ident} for ident in metric_ids],
        }
    )
    connection = http.client.HTTPConnection(HOST, server.port, timeout=3600)
    started = time.perf_counter()
    connection.request("POST", "/v1/usage", body, server.headers())
    response = connection.getresponse()
    raw = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"/v1/usage: {response.status} {raw[:300]!r}")
    return elapsed, json.loads(raw)["data"]


def _raw_ms(engine: Engine, customer: str) -> tuple[float, Any]:
    sqlite = engine.dialect.name == "sqlite"
    params: dict[str, Any] = {"customer": customer}
    if sqlite:
        params |= {"start": "2026-01-01 00:00:00.000000", "end": "2026-02-01 00:00:00.000000"}
    else:
        params |= {"start": MONTH_START, "end": MONTH_END}
    with engine.connect() as connection:
        started = time.perf_counter()
        rows = connection.execute(text(_SQLITE_RAW if sqlite else _PG_RAW), params).all()
        return (time.perf_counter() - started) * 1000, rows


def _peak_rss_mb(port: int) -> float:
    """Peak resident memory of the process listening on ``port`` (Linux ``/proc``)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
            inode = fields[9]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(
                link.readlink().name == f"[{inode}]" or str(link.readlink()) == f"socket:[{inode}]"
                for link in (proc / "fd").iterdir()
            ):
                for line in (proc / "status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            continue
    return float("nan")


def run(backend: str, events: int) -> str:
    with fresh_database(backend) as url, serve(url, workers=1) as server:
        customer = server.post("/v1/customers", {"name": "bench"})["data"]["id"]
        metric_ids = _metrics(server)
        engine = make_engine(url)
        fill_s = _fill(engine, customer, events)
        _api_ms(server, customer, metric_ids)
        _raw_ms(engine, customer)
        api_runs, raw_runs = [], []
        for _ in range(3):
            api_runs.append(_api_ms(server, customer, metric_ids))
            raw_runs.append(_raw_ms(engine, customer))
        rss = _peak_rss_mb(server.port)
        engine.dispose()
    api_ms = statistics.median(ms for ms, _ in api_runs)
    raw_ms = statistics.median(ms for ms, _ in raw_runs)
    _check_same(api_runs[0][1], raw_runs[0][1], metric_ids)
    print(
        f"{backend}: {events:,} events loaded in {fill_s:.1f} s; month aggregate of 20 metrics: "
        f"POST /v1/usage {api_ms:.0f} ms, raw SQL {raw_ms:.0f} ms (medians of 3); "
        f"server peak RSS {rss:.0f} MB"
    )
    ratio = api_ms / raw_ms
    return f"events={events} api_ms={api_ms:.0f} raw_sql_ms={raw_ms:.0f} ratio={ratio:.3f}"


def _check_same(api_rows: list[Any], raw_rows: list[Any], metric_ids: list[str]) -> None:
    """The API's numbers are the raw statement's (the raw SQLite sum is a float)."""
    values = {row["billable_metric_id"]: row["value"] for row in api_rows}
    for event_type, count, total in raw_rows:
        index = int(event_type.split("_")[1])
        assert values[metric_ids[2 * index]] == count, event_type
        assert float(values[metric_ids[2 * index + 1]]) == float(total), event_type


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a run of well under 60 seconds")
    parser.add_argument("--backend", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--events", type=int, default=None, help="events in the month")
    args = parser.parse_args()
    events = args.events or (200_000 if args.quick else 10_000_000)
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    lines = [run(backend, events) for backend in backends]
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
