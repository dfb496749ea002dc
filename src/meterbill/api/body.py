"""Reading a request body into a wire model: exact JSON, gzip, 400 on anything wrong."""

from __future__ import annotations

import gzip
import zlib
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from meterbill.api import json as wire_json
from meterbill.api.errors import BadRequest
from meterbill.api.validation import describe_errors

M = TypeVar("M", bound=BaseModel)

MAX_BODY_BYTES = 8 * 1024 * 1024


async def read_json(request: Request, *, allow_empty: bool = False) -> Any:
    """The parsed JSON body (decimals exact). An empty body is ``{}`` when ``allow_empty``."""
    raw = await request.body()
    encoding = request.headers.get("content-encoding", "").lower()
    if encoding in {"gzip", "x-gzip"}:
        raw = _gunzip(raw)
    elif encoding not in {"", "identity"}:
        raise BadRequest(f"Content-Encoding {encoding!r} is not supported (use gzip)")
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"request body larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        if allow_empty:
            return {}
        raise BadRequest("body: a JSON body is required")
    try:
        return wire_json.loads(raw)
    except wire_json.JSONDecodeFailure as error:
        raise BadRequest(f"body: {error}") from None


def _gunzip(raw: bytes) -> bytes:
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = decompressor.decompress(raw, MAX_BODY_BYTES + 1)
    except (OSError, zlib.error, gzip.BadGzipFile):
        raise BadRequest("body: Content-Encoding is gzip but the body is not gzip data") from None
    return out


def validate(model: type[M], data: Any) -> M:
    """Check ``data`` against ``model``; a 400 naming the fields when it does not fit."""
    if not isinstance(data, dict):
        raise BadRequest("body: expected a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise BadRequest(describe_errors(error.errors())) from None


async def parse_body(request: Request, model: type[M], *, allow_empty: bool = False) -> M:
    """Read and validate the body of ``request`` as ``model``."""
    return validate(model, await read_json(request, allow_empty=allow_empty))
