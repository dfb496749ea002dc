"""Bearer-token authentication for every ``/v1`` and ``/v2`` route."""

from __future__ import annotations

import threading
import time

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from meterbill.api.context import AppContext
from meterbill.api.errors import ApiError
from meterbill.services.tokens import hash_token

# A verified token is trusted for this long before it is looked up again, so that ingest does
# not pay a database round trip per request; revocation takes effect within this window.
_CACHE_SECONDS = 5.0


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class TokenVerifier:
    """Checks tokens against the database, remembering good ones briefly."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._valid_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_valid(self, token: str) -> bool:
        digest = hash_token(token)
        now = time.monotonic()
        with self._lock:
            if self._valid_until.get(digest, 0.0) > now:
                return True
        with self._context.uow(read_only=True) as uow:
            found = uow.tokens.active_by_hash(digest) is not None
        if found:
            with self._lock:
                self._valid_until[digest] = now + _CACHE_SECONDS
        return found


async def require_token(request: Request) -> None:
    """Dependency of the API routers: 401 ``{"message": ...}`` without a valid token."""
    token = bearer_token(request)
    if token is None:
        raise ApiError(401, "missing bearer token: send 'Authorization: Bearer <token>'")
    verifier = request.app.state.token_verifier
    assert isinstance(verifier, TokenVerifier)
    if not await run_in_threadpool(verifier.is_valid, token):
        raise ApiError(401, "invalid or revoked API token")
