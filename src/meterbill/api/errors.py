"""The one table that turns errors into HTTP answers: ``{"message": ...}`` with 400/401/404/409.

No request may produce a 422 (FastAPI's default for invalid input) or leak a traceback.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from meterbill.api.json import WireResponse
from meterbill.api.validation import describe_errors
from meterbill.core.errors import Conflict, DomainError, DomainValidationError, NotFound

logger = logging.getLogger("meterbill.api")


class ApiError(Exception):
    """An answer decided at the edge (auth, malformed body, paging limits)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class BadRequest(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


_DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (DomainValidationError, 400),
    (NotFound, 404),
    (Conflict, 409),
]


def status_for(error: DomainError) -> int:
    """HTTP status of a domain error (400 for any domain error not listed)."""
    for kind, status in _DOMAIN_STATUS:
        if isinstance(error, kind):
            return status
    return 400


def message_response(status_code: int, message: str) -> WireResponse:
    return WireResponse({"message": message}, status_code=status_code)


def install_error_handlers(app: FastAPI) -> None:
    """Map every error a request can raise to a ``{"message": ...}`` answer."""

    async def api_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return message_response(error.status_code, error.message)

    async def domain_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, DomainError)
        return message_response(status_for(error), error.message)

    async def request_validation(_request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        return message_response(400, describe_errors(list(error.errors())))

    async def http_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        message = {404: "Not found", 405: "Method not allowed"}.get(
            error.status_code, str(error.detail)
        )
        return message_response(error.status_code, message)

    async def integrity_error(_request: Request, error: Exception) -> Response:
        # A unique constraint caught a race the service's own check could not see.
        logger.info("integrity conflict: %s", error)
        return message_response(409, "conflict with an existing resource; nothing was changed")

    async def operational_error(_request: Request, error: Exception) -> Response:
        logger.exception("database unavailable", exc_info=error)
        return message_response(503, "database busy or unavailable; retry the request")

    async def unexpected(_request: Request, error: Exception) -> Response:
        logger.exception("unexpected error", exc_info=error)
        return message_response(500, "internal error; nothing was changed")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, request_validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(OperationalError, operational_error)
    app.add_exception_handler(Exception, unexpected)
