"""Group commit of ingest batches: concurrent batches share one transaction, exactly as if they
had committed one after another in arrival order, and a failing batch fails alone."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from meterbill.clock import FixedClock
from meterbill.core.errors import DomainValidationError
from meterbill.core.metering import UsageEvent
from meterbill.services import ingest as ingest_service
from meterbill.services.ingest import IngestResult, IngestWriter, PreparedBatch
from meterbill.storage.uow import UnitOfWork

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def raw(transaction_id: str, customer_id: str = "cust-1", **properties: object) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "customer_id": customer_id,
        "event_type": "api_call",
        "timestamp": "2025-12-31T12:00:00Z",
        "properties": properties,
    }


def prepared(engine: Engine, body: list[dict[str, Any]]) -> PreparedBatch:
    return ingest_service.prepare(
        body, FixedClock(NOW), backdate_days=34, sqlite=engine.dialect.name == "sqlite"
    )


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class _Writes:
    """Runs ``writer.write`` for several batches in threads, keeping each outcome."""

    def __init__(self, engine: Engine, writer: IngestWriter) -> None:
        self._engine = engine
        self._writer = writer
        self.outcomes: dict[str, IngestResult | BaseException] = {}
        self._threads: list[threading.Thread] = []

    def start(self, name: str, batch: PreparedBatch) -> None:
        def run() -> None:
            try:
                self.outcomes[name] = self._writer.write(UnitOfWork(self._engine), batch)
            except BaseException as error:
                self.outcomes[name] = error

        thread = threading.Thread(target=run)
        thread.start()
        self._threads.append(thread)

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=60)


def _blocked_group(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, batches: dict[str, PreparedBatch]
) -> tuple[dict[str, IngestResult | BaseException], list[int]]:
    """Write ``lead`` while another transaction holds it up, queue the other batches behind
    it, then release: they are written as one group. Returns the outcomes and group sizes."""
    sizes: list[int] = []
    write_group = ingest_service._write_group

    def recording(uow: UnitOfWork, group: Any) -> Any:
        sizes.append(len(group))
        return write_group(uow, group)

    monkeypatch.setattr(ingest_service, "_write_group", recording)
    writer = IngestWriter()
    writes = _Writes(engine, writer)
    blocker = UnitOfWork(engine)
    with blocker:
        # Holds the write lock (SQLite) or the row "lead-1" (PostgreSQL) until rolled back.
        blocker.events.add_new([_event("lead-1")], NOW)
        writes.start("lead", batches.pop("lead"))
        _wait_for(lambda: bool(sizes))
        for queued, (name, batch) in enumerate(batches.items(), start=1):
            writes.start(name, batch)
            _wait_for(lambda queued=queued: len(writer._queue) == queued)
    writes.join()
    return writes.outcomes, sizes


def _event(transaction_id: str) -> UsageEvent:
    return UsageEvent(transaction_id, "blocker", "api_call", NOW)


def test_batches_queued_behind_a_commit_are_written_together_first_come_first_counted(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes, sizes = _blocked_group(
        engine,
        monkeypatch,
        {
            "lead": prepared(engine, [raw("lead-1"), raw("lead-2")]),
            "second": prepared(
                engine,
                [raw("b-1", "cust-2", n=1), raw("shared", "cust-2", n=2), raw("b-1", n=3)],
            ),
            "third": prepared(engine, [raw("shared", "cust-3", n=4), raw("c-1", "cust-3")]),
        },
    )
    assert sizes == [1, 2]
    assert outcomes == {
        "lead": IngestResult(2, 0, frozenset({"cust-1"})),
        "second": IngestResult(2, 1, frozenset({"cust-2"})),
        "third": IngestResult(1, 1, frozenset({"cust-3"})),
    }
    with UnitOfWork(engine, read_only=True) as uow:
        shared = uow.events.find(["shared", "b-1"])
    assert [(s.event.transaction_id, s.event.customer_id, s.is_duplicate) for s in shared] == [
        ("shared", "cust-2", False),
        ("shared", "cust-3", True),
        ("b-1", "cust-2", False),
        ("b-1", "cust-1", True),
    ]


def test_a_batch_failing_in_the_database_fails_alone(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = prepared(engine, [raw("ok-1")])
    row = list(prepared(engine, [raw("bad-1")]).accepted[0])
    row[2] = None  # event_type is NOT NULL: the insert fails after validation
    bad = PreparedBatch([tuple(row)], ())  # type: ignore[list-item]
    outcomes, sizes = _blocked_group(
        engine,
        monkeypatch,
        {"lead": prepared(engine, [raw("lead-1")]), "bad": bad, "good": good},
    )
    assert sizes == [1, 2, 1, 1]  # the group failed, then each batch alone
    assert outcomes["lead"] == IngestResult(1, 0, frozenset({"cust-1"}))
    assert outcomes["good"] == IngestResult(1, 0, frozenset({"cust-1"}))
    assert isinstance(outcomes["bad"], Exception)
    with UnitOfWork(engine, read_only=True) as uow:
        found = {s.event.transaction_id for s in uow.events.find(["ok-1", "bad-1", "lead-1"])}
    assert found == {"ok-1", "lead-1"}


def test_a_transaction_id_already_stored_is_a_duplicate_in_a_later_group(engine: Engine) -> None:
    writer = IngestWriter()
    clock = FixedClock(NOW)
    first = ingest_service.ingest(
        UnitOfWork(engine), clock, [raw("x-1"), raw("x-2")], backdate_days=34, writer=writer
    )
    again = ingest_service.ingest(
        UnitOfWork(engine), clock, [raw("x-2", "cust-9"), raw("x-3")], backdate_days=34
    )
    assert first == IngestResult(2, 0, frozenset({"cust-1"}))
    assert again == IngestResult(1, 1, frozenset({"cust-1"}))


def test_an_unstorable_event_is_refused_before_anything_is_queued(engine: Engine) -> None:
    writer = IngestWriter()
    with pytest.raises(DomainValidationError) as refused:
        ingest_service.ingest(
            UnitOfWork(engine),
            FixedClock(NOW),
            [raw("ok"), raw("nul", region="a\x00b")],
            backdate_days=34,
            writer=writer,
        )
    assert refused.value.message.startswith("events[1].properties.region: must not contain NUL")
    assert writer._queue == []
