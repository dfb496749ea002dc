"""Stored responses for ``Idempotency-Key`` replays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from meterbill.storage.tables import idempotency_keys


@dataclass(frozen=True, slots=True)
class IdempotentRecord:
    """A request seen under a key: its body hash and, once finished, its response."""

    request_hash: str
    status_code: int | None
    response_body: bytes | None
    created_at: datetime


class IdempotencyRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def claim(self, scope: str, key: str, request_hash: str, now: datetime) -> bool:
        """Record that a request under ``key`` started; False when the key is already taken."""
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(idempotency_keys).values(
                        scope=scope, key=key, request_hash=request_hash, created_at=now
                    )
                )
        except IntegrityError:
            return False
        return True

    def get(self, scope: str, key: str) -> IdempotentRecord | None:
        row = self._conn.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
            )
        ).first()
        if row is None:
            return None
        return IdempotentRecord(
            row.request_hash, row.status_code, row.response_body, row.created_at
        )

    def complete(self, scope: str, key: str, status_code: int, body: bytes) -> None:
        self._conn.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
            .values(status_code=status_code, response_body=body)
        )

    def release(self, scope: str, key: str) -> None:
        """Forget a claim whose request failed before producing a response to replay."""
        self._conn.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
            )
        )

    def purge_older_than(self, cutoff: datetime) -> None:
        self._conn.execute(delete(idempotency_keys).where(idempotency_keys.c.created_at < cutoff))
