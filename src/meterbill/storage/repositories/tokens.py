"""API tokens, stored as SHA-256 hashes only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from meterbill.storage.tables import api_tokens


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A token's record: never its clear text."""

    id: str
    name: str
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None


class TokenRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, token: StoredToken) -> None:
        self._conn.execute(
            insert(api_tokens).values(
                id=token.id,
                name=token.name,
                token_hash=token.token_hash,
                created_at=token.created_at,
                revoked_at=token.revoked_at,
            )
        )

    def active_by_hash(self, token_hash: str) -> StoredToken | None:
        row = self._conn.execute(
            select(api_tokens).where(
                api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            return None
        return StoredToken(row.id, row.name, row.token_hash, row.created_at, row.revoked_at)

    def list_all(self) -> list[StoredToken]:
        rows = self._conn.execute(select(api_tokens).order_by(api_tokens.c.created_at))
        return [
            StoredToken(row.id, row.name, row.token_hash, row.created_at, row.revoked_at)
            for row in rows
        ]

    def revoke(self, id_or_name: str, revoked_at: datetime) -> int:
        """Revoke the active tokens whose id or name is ``id_or_name``; how many were revoked."""
        result = self._conn.execute(
            update(api_tokens)
            .where(
                (api_tokens.c.id == id_or_name) | (api_tokens.c.name == id_or_name),
                api_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=revoked_at)
        )
        return int(result.rowcount)
