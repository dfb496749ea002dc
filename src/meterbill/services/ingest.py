"""``POST /v1/ingest``: validate a batch whole, store new events, acknowledge duplicates.

The batch is checked by the core (:func:`parse_ingest_batch`): one bad event rejects it all and
nothing is stored. It is then encoded into rows in one pass that also refuses what the database
cannot hold (:func:`meterbill.storage.repositories.events.encode_events`), before any
connection is taken. Within the batch the first event of a transaction id wins
(:func:`split_duplicates`); against events already stored, the table's unique key decides, so a
concurrent duplicate is never counted twice. The function returns only after the commit: a 200
means the events are durable.

Group commit: given an :class:`IngestWriter`, concurrent batches (already validated) are written
together, in one transaction and one commit, as if committed one after the other in arrival
order: a transaction id sent by two of them counts for the first. Every waiting request
returns only after that commit; if the group's statements fail, each batch is retried alone so
that one batch's failure is never another's.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from meterbill.clock import Clock
from meterbill.core.errors import DomainValidationError
from meterbill.core.metering import UsageEvent, parse_ingest_batch, split_duplicates
from meterbill.storage.repositories.events import (
    MAX_CUSTOMER_REF_LENGTH,
    EventRow,
    UnstorableEvent,
    encode_events,
)
from meterbill.storage.uow import UnitOfWork

MAX_CUSTOMER_ID_LENGTH = MAX_CUSTOMER_REF_LENGTH
"""An ingest alias is at most 255 characters and an id 36: a longer one could never match."""

MAX_GROUP_EVENTS = 5_000
"""At most this many events (50 full batches) are written in one group transaction."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    """How many events of the batch were stored and how many were duplicates, and the
    ``customer_id`` values (ids or ingest aliases) of the events stored: threshold billing
    evaluates those customers after the commit."""

    accepted: int
    duplicates: int
    customer_ids: frozenset[str] = frozenset()


def ingest(
    uow: UnitOfWork,
    clock: Clock,
    body: object,
    *,
    backdate_days: int,
    writer: IngestWriter | None = None,
) -> IngestResult:
    """Validate and store one batch (a parsed JSON body, numbers as ``int``/``Decimal``).

    With a ``writer``, the batch is committed together with concurrent ones (group commit);
    either way this returns only after the batch is durable.
    """
    batch = prepare(body, clock, backdate_days=backdate_days, sqlite=uow.dialect == "sqlite")
    if writer is not None:
        return writer.write(uow, batch)
    try:
        return _write_group(uow, [batch])[0]
    except _CommitFailed as failed:
        raise failed.error from None


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """A validated batch, encoded: ``accepted`` are the rows of its first events per
    transaction id (in order), ``duplicates`` the rows of its repeats."""

    accepted: Sequence[EventRow]
    duplicates: Sequence[EventRow]


def prepare(body: object, clock: Clock, *, backdate_days: int, sqlite: bool) -> PreparedBatch:
    """Validate a batch whole (400 naming the first bad event) and encode its rows."""
    now = clock.now()
    events = parse_ingest_batch(body, now=now, backdate_days=backdate_days)
    try:
        rows = encode_events(events, now, sqlite=sqlite)
    except UnstorableEvent as error:
        raise DomainValidationError(str(error)) from None
    split = split_duplicates(events)
    if not split.duplicates:
        return PreparedBatch(rows, ())
    first = {id(event) for event in split.accepted}
    accepted: list[EventRow] = []
    duplicates: list[EventRow] = []
    for event, row in zip(events, rows, strict=True):
        (accepted if id(event) in first else duplicates).append(row)
    return PreparedBatch(accepted, duplicates)


def check_storable(events: Sequence[UsageEvent]) -> None:
    """Refuse what the database cannot hold: NUL characters and unpaired surrogates.

    PostgreSQL text cannot contain NUL, and no UTF-8 can encode a lone surrogate (JSON lets
    ``"\\ud800"`` through). Also refuses a ``customer_id`` longer than any id or alias.
    """
    if not events:
        return
    try:
        encode_events(events, events[0].timestamp, sqlite=False)
    except UnstorableEvent as error:
        raise DomainValidationError(str(error)) from None


class IngestWriter:
    """Group commit for one database: batches of concurrent requests share one transaction.

    The first request to find the writer idle writes every batch queued so far (up to
    :data:`MAX_GROUP_EVENTS` events) with its own unit of work; batches arriving meanwhile
    queue and are written by the next request to take over. Each caller of :meth:`write`
    returns (or raises) only once its own batch's transaction has ended.
    """

    def __init__(self, *, max_events: int = MAX_GROUP_EVENTS) -> None:
        self._max_events = max_events
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: list[_Pending] = []
        self._writing = False

    def write(self, uow: UnitOfWork, batch: PreparedBatch) -> IngestResult:
        """Store ``batch`` (in a group with concurrent ones); return after the commit."""
        pending = _Pending(batch)
        with self._lock:
            self._queue.append(pending)
        while True:
            with self._lock:
                while pending.outcome is None and self._writing:
                    self._changed.wait()
                if pending.outcome is not None:
                    return pending.result()
                self._writing = True
                group = self._take()
            self._lead(uow, group)

    def _take(self) -> list[_Pending]:
        count, events = 0, 0
        for pending in self._queue:
            events += len(pending.batch.accepted) + len(pending.batch.duplicates)
            if count and events > self._max_events:
                break
            count += 1
        group, self._queue = self._queue[:count], self._queue[count:]
        return group

    def _lead(self, uow: UnitOfWork, group: list[_Pending]) -> None:
        outcomes: Sequence[IngestResult | BaseException] = ()
        try:
            outcomes = _write_batches(uow, [pending.batch for pending in group])
        finally:
            with self._lock:
                for index, pending in enumerate(group):
                    pending.outcome = (
                        outcomes[index]
                        if index < len(outcomes)
                        else RuntimeError("ingest group commit interrupted")
                    )
                self._writing = False
                self._changed.notify_all()


class _Pending:
    __slots__ = ("batch", "outcome")

    def __init__(self, batch: PreparedBatch) -> None:
        self.batch = batch
        self.outcome: IngestResult | BaseException | None = None

    def result(self) -> IngestResult:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        assert self.outcome is not None
        return self.outcome


class _CommitFailed(Exception):
    """The commit itself failed: whether it took effect is unknown, so it is not retried."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _write_batches(
    uow: UnitOfWork, batches: Sequence[PreparedBatch]
) -> Sequence[IngestResult | BaseException]:
    """Write ``batches`` in one transaction; on a failure before the commit, each alone."""
    try:
        return _write_group(uow, batches)
    except _CommitFailed as failed:
        return [failed.error] * len(batches)
    except Exception as error:
        if len(batches) == 1:
            return [error]
        return [_write_alone(uow, batch) for batch in batches]


def _write_alone(uow: UnitOfWork, batch: PreparedBatch) -> IngestResult | BaseException:
    try:
        return _write_group(uow, [batch])[0]
    except _CommitFailed as failed:
        return failed.error
    except Exception as error:
        return error


def _write_group(uow: UnitOfWork, batches: Sequence[PreparedBatch]) -> list[IngestResult]:
    """Store ``batches`` in one transaction, as if committed one after another in order."""
    claimed: set[str] = set()
    new_rows: list[EventRow] = []
    firsts: list[list[bool]] = []  # per accepted row: the group's first of its transaction id
    for batch in batches:
        first: list[bool] = []
        for row in batch.accepted:
            new = row[0] not in claimed
            if new:
                claimed.add(row[0])
                new_rows.append(row)
            first.append(new)
        firsts.append(first)
    results: list[IngestResult] = []
    with uow:
        inserted = uow.events.insert_new(new_rows)
        duplicate_rows: list[EventRow] = []
        for batch, first in zip(batches, firsts, strict=True):
            stored: list[EventRow] = []
            taken: list[EventRow] = []
            for row, new in zip(batch.accepted, first, strict=True):
                (stored if new and row[0] in inserted else taken).append(row)
            duplicate_rows += batch.duplicates
            duplicate_rows += taken
            results.append(
                IngestResult(
                    accepted=len(stored),
                    duplicates=len(batch.duplicates) + len(taken),
                    customer_ids=frozenset(row[1] for row in stored),
                )
            )
        uow.events.insert_duplicates(duplicate_rows)
        try:
            uow.commit()
        except Exception as error:
            raise _CommitFailed(error) from error
    return results
