"""Use cases of ``/v1/credit-types``: fiat units are built in, custom units are created."""

from __future__ import annotations

from meterbill.clock import Clock
from meterbill.core.credit_types import CreditType
from meterbill.core.errors import DomainValidationError, NotFound
from meterbill.services.ids import new_id
from meterbill.storage.pagination import Page
from meterbill.storage.uow import UnitOfWork

MAX_NAME_LENGTH = 200


def create(uow: UnitOfWork, clock: Clock, name: str) -> str:
    """Create a custom pricing unit named ``name``; its id."""
    if not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise DomainValidationError(f"name: must be 1 to {MAX_NAME_LENGTH} characters")
    credit_type_id = new_id()
    with uow:
        uow.credit_types.add_custom(credit_type_id, name, clock.now())
        uow.commit()
    return credit_type_id


def get(uow: UnitOfWork, credit_type_id: str) -> CreditType:
    with uow:
        found = uow.credit_types.get(credit_type_id)
    if found is None:
        raise NotFound(f"credit_type_id: no pricing unit with id {credit_type_id!r}")
    return found


def list_page(uow: UnitOfWork, limit: int, cursor: str | None) -> Page[CreditType]:
    with uow:
        return uow.credit_types.list_page(limit=limit, cursor=cursor)


def archive(uow: UnitOfWork, clock: Clock, credit_type_id: str) -> None:
    """Archive a custom pricing unit. Fiat currencies are built in and cannot be archived."""
    with uow:
        found = uow.credit_types.get(credit_type_id)
        if found is None:
            raise NotFound(f"id: no pricing unit with id {credit_type_id!r}")
        if found.is_currency:
            raise DomainValidationError(f"id: {found.name} is a built-in currency")
        if found.archived_at is None:
            uow.credit_types.archive(credit_type_id, clock.now())
            uow.commit()
