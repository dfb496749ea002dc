"""Request bodies as FastAPI dependencies, documented in the OpenAPI schema.

FastAPI's own body handling parses floats as binary floats and answers 422; meterbill parses the
body itself (exact decimals, 400 naming the field) and registers the model's JSON schema so the
OpenAPI document still describes every request.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel

from meterbill.api.body import parse_body

M = TypeVar("M", bound=BaseModel)

# Models whose schemas the OpenAPI document must carry (see app.openapi_with_bodies).
DOCUMENTED_BODIES: dict[str, type[BaseModel]] = {}


def body_of(
    model: type[M], *, allow_empty: bool = False
) -> Callable[[Request], Coroutine[Any, Any, M]]:
    """A dependency that parses the JSON body of the request as ``model``."""

    async def dependency(request: Request) -> M:
        return await parse_body(request, model, allow_empty=allow_empty)

    DOCUMENTED_BODIES[model.__name__] = model
    return dependency


def openapi_body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` describing a JSON request body of ``model``."""
    DOCUMENTED_BODIES[model.__name__] = model
    return {
        "requestBody": {
            "required": required,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    }
