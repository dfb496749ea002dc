"""API tokens: minted once, shown once, stored hashed."""

from __future__ import annotations

import hashlib
import secrets

from meterbill.clock import Clock
from meterbill.core.errors import DomainValidationError, NotFound
from meterbill.services.ids import new_id
from meterbill.storage.repositories.tokens import StoredToken
from meterbill.storage.uow import UnitOfWork

TOKEN_PREFIX = "mb_"


def hash_token(token: str) -> str:
    """Tokens are long random strings, so an unsalted SHA-256 is a sound way to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def create(uow: UnitOfWork, clock: Clock, name: str) -> tuple[StoredToken, str]:
    """Mint a token named ``name``; returns the record and the clear token (never stored)."""
    if not name.strip() or len(name) > 200:
        raise DomainValidationError("name: must be 1 to 200 characters")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = StoredToken(new_id(), name, hash_token(clear), clock.now(), None)
    with uow:
        uow.tokens.add(record)
        uow.commit()
    return record, clear


def list_all(uow: UnitOfWork) -> list[StoredToken]:
    with uow:
        return uow.tokens.list_all()


def revoke(uow: UnitOfWork, clock: Clock, id_or_name: str) -> int:
    """Revoke active tokens by id or name; a 404-style error when none matched."""
    with uow:
        count = uow.tokens.revoke(id_or_name, clock.now())
        if count == 0:
            raise NotFound(f"no active token with id or name {id_or_name!r}")
        uow.commit()
    return count
