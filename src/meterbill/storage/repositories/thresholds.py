"""The watch list of contracts with an enabled threshold configuration."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, select

from meterbill.storage.tables import customer_ingest_aliases as aliases_t
from meterbill.storage.tables import threshold_contracts as watch_t


class ThresholdRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def watch(self, contract_id: str, customer_id: str, at: datetime) -> None:
        """List ``contract_id`` (idempotent)."""
        self.unwatch(contract_id)
        self._conn.execute(
            watch_t.insert().values(contract_id=contract_id, customer_id=customer_id, updated_at=at)
        )

    def unwatch(self, contract_id: str) -> None:
        self._conn.execute(delete(watch_t).where(watch_t.c.contract_id == contract_id))

    def watched(self) -> list[str]:
        """Every listed contract id."""
        rows = self._conn.execute(select(watch_t.c.contract_id).order_by(watch_t.c.contract_id))
        return [row.contract_id for row in rows]

    def watched_for(self, refs: Iterable[str]) -> list[str]:
        """Listed contracts of the customers ``refs`` name: customer ids or active ingest
        aliases (as events name them)."""
        wanted = list(set(refs))
        if not wanted:
            return []
        by_alias = select(aliases_t.c.customer_id).where(
            aliases_t.c.alias.in_(wanted), aliases_t.c.active.is_(True)
        )
        rows = self._conn.execute(
            select(watch_t.c.contract_id)
            .where(watch_t.c.customer_id.in_(wanted) | watch_t.c.customer_id.in_(by_alias))
            .order_by(watch_t.c.contract_id)
        )
        return [row.contract_id for row in rows]
