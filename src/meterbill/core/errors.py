"""Domain errors. They know nothing about HTTP: one table at the API edge maps them to codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the billing domain raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DomainValidationError(DomainError):
    """The request asks for something the domain does not allow (HTTP 400)."""


class NotFound(DomainError):
    """The named entity does not exist, or is not visible to the caller (HTTP 404)."""


class Conflict(DomainError):
    """The request conflicts with existing state, e.g. a reused uniqueness key (HTTP 409)."""
