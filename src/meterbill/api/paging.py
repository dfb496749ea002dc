"""Query strings and page sizes, read the way the SDK writes them."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel

from meterbill.api.body import validate
from meterbill.api.errors import BadRequest
from meterbill.storage.pagination import Page

M = TypeVar("M", bound=BaseModel)


def page_limit(limit: int | None, *, default: int, maximum: int = 100, minimum: int = 1) -> int:
    """The page size asked for, or ``default``; a 400 outside ``minimum..maximum``."""
    if limit is None:
        return default
    if limit < minimum or limit > maximum:
        raise BadRequest(f"limit: must be between {minimum} and {maximum}")
    return limit


def query_of(
    model: type[M], *, lists: frozenset[str] = frozenset()
) -> Callable[[Request], Coroutine[Any, Any, M]]:
    """A dependency validating the query string as ``model``.

    Names in ``lists`` are arrays: the SDK sends them comma-separated (``ids=a,b``); repeated
    parameters are accepted too. Unknown parameters are refused with a 400 naming them.
    """

    async def dependency(request: Request) -> M:
        data: dict[str, Any] = {}
        for name in request.query_params:
            values = request.query_params.getlist(name)
            if name in lists:
                data[name] = [part for value in values for part in value.split(",") if part]
            elif len(values) > 1:
                raise BadRequest(f"{name}: given more than once")
            else:
                data[name] = values[0]
        return validate(model, data)

    return dependency


def cursor_page(page: Page[Any], render: Callable[[Any], Any]) -> dict[str, Any]:
    """``{"data": [...], "next_page": ...}``: the SDK's CursorPage and BodyCursorPage."""
    return {"data": [render(item) for item in page.items], "next_page": page.next_cursor}
