"""``Idempotency-Key`` on POST: the first response is replayed for 24 hours.

A retried POST with the same key and the same body gets the stored answer back without running
again; the same key with a different body is a 409; so is a key whose first request is still
running. Keys are scoped to the API token that sent them. Only answers below 500 are stored
(a failed request may be retried), and 401s are never stored.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meterbill.api.context import AppContext
from meterbill.api.json import dumps
from meterbill.storage.repositories.idempotency import IdempotentRecord

REPLAY_WINDOW = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyMiddleware:
    """Pure ASGI middleware wrapping the API routes."""

    def __init__(self, app: ASGIApp, context: AppContext) -> None:
        self._app = app
        self._context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self._app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key_raw = headers.get(b"idempotency-key")
        if key_raw is None:
            await self._app(scope, receive, send)
            return
        key = key_raw.decode("latin-1")
        if not key or len(key) > MAX_KEY_LENGTH:
            await _send_message(send, 400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} chars")
            return
        body = await _read_body(receive)
        auth = headers.get(b"authorization", b"")
        token_scope = hashlib.sha256(auth).hexdigest()
        request_hash = hashlib.sha256(
            scope["path"].encode() + b"?" + scope.get("query_string", b"") + b"\n" + body
        ).hexdigest()
        await self._handle(scope, send, body, token_scope, key, request_hash)

    async def _handle(
        self, scope: Scope, send: Send, body: bytes, token_scope: str, key: str, digest: str
    ) -> None:
        claimed = await run_in_threadpool(self._claim, token_scope, key, digest)
        if not claimed:
            record = await run_in_threadpool(self._lookup, token_scope, key)
            if record is None:
                await _send_message(send, 409, "Idempotency-Key is in use; retry")
            elif record.request_hash != digest:
                await _send_message(
                    send, 409, "Idempotency-Key was already used with a different request body"
                )
            elif record.status_code is None or record.response_body is None:
                await _send_message(
                    send, 409, "a request with this Idempotency-Key is still in progress"
                )
            else:
                await _send_raw(send, record.status_code, record.response_body, replayed=True)
            return
        status, response_body, sent = await self._run(scope, body, send)
        if status is not None and status < 500 and status != 401 and sent:
            await run_in_threadpool(self._complete, token_scope, key, status, response_body)
        else:
            await run_in_threadpool(self._release, token_scope, key)

    async def _run(self, scope: Scope, body: bytes, send: Send) -> tuple[int | None, bytes, bool]:
        delivered = False
        status: int | None = None
        chunks: list[bytes] = []

        async def replay_receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def capture_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self._app(scope, replay_receive, capture_send)
        return status, b"".join(chunks), status is not None

    def _claim(self, token_scope: str, key: str, digest: str) -> bool:
        now = self._context.clock.now()
        with self._context.uow() as uow:
            existing = uow.idempotency.get(token_scope, key)
            if existing is not None and now - existing.created_at >= REPLAY_WINDOW:
                uow.idempotency.release(token_scope, key)
            uow.idempotency.purge_older_than(now - REPLAY_WINDOW)
            claimed = uow.idempotency.claim(token_scope, key, digest, now)
            uow.commit()
        return claimed

    def _lookup(self, token_scope: str, key: str) -> IdempotentRecord | None:
        with self._context.uow(read_only=True) as uow:
            return uow.idempotency.get(token_scope, key)

    def _complete(self, token_scope: str, key: str, status: int, body: bytes) -> None:
        with self._context.uow() as uow:
            uow.idempotency.complete(token_scope, key, status, body)
            uow.commit()

    def _release(self, token_scope: str, key: str) -> None:
        with self._context.uow() as uow:
            uow.idempotency.release(token_scope, key)
            uow.commit()


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_message(send: Send, status: int, message: str) -> None:
    await _send_raw(send, status, dumps({"message": message}).encode(), replayed=False)


async def _send_raw(send: Send, status: int, body: bytes, *, replayed: bool) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
