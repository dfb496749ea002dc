"""Use cases of ``/v1/customers``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from meterbill.clock import Clock
from meterbill.core.custom_fields import CustomFieldEntity
from meterbill.core.customers import Customer, normalise_ingest_aliases, normalise_name
from meterbill.core.errors import Conflict, NotFound
from meterbill.services.custom_fields import write_values
from meterbill.services.ids import new_id
from meterbill.storage.pagination import Page
from meterbill.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class CreateCustomer:
    name: str
    ingest_aliases: Sequence[str] = ()
    external_id: str | None = None
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    billing_config: Mapping[str, object] | None = None


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    customer_ids: Sequence[str] | None = None
    ingest_alias: str | None = None
    only_archived: bool = False
    salesforce_account_ids: Sequence[str] | None = None


def create(uow: UnitOfWork, clock: Clock, command: CreateCustomer) -> Customer:
    """Create a customer. An ingest alias held by another active customer is a 409.

    ``external_id`` (deprecated by Metronome) is an ingest alias too, listed first.
    """
    name = normalise_name(command.name)
    given = ([command.external_id] if command.external_id else []) + list(command.ingest_aliases)
    aliases = normalise_ingest_aliases(given)
    now = clock.now()
    customer = Customer(
        id=new_id(),
        name=name,
        ingest_aliases=aliases,
        created_at=now,
        updated_at=now,
        external_id=command.external_id,
        billing_config=command.billing_config,
    )
    with uow:
        _require_free_aliases(uow, customer.id, aliases)
        uow.customers.add(customer)
        write_values(uow, CustomFieldEntity.CUSTOMER, customer.id, command.custom_fields)
        uow.commit()
    return replace(customer, custom_fields=MappingProxyType(dict(command.custom_fields)))


def get(uow: UnitOfWork, customer_id: str) -> Customer:
    """The customer with its custom fields; 404 when unknown."""
    with uow:
        return _load(uow, customer_id)


def list_page(
    uow: UnitOfWork, filters: CustomerFilter, limit: int, cursor: str | None
) -> Page[Customer]:
    with uow:
        page = uow.customers.list_page(
            limit=limit,
            cursor=cursor,
            customer_ids=filters.customer_ids,
            ingest_alias=filters.ingest_alias,
            only_archived=filters.only_archived,
            salesforce_account_ids=filters.salesforce_account_ids,
        )
        values = uow.custom_fields.values_of_many(
            CustomFieldEntity.CUSTOMER, [customer.id for customer in page.items]
        )
    items = [replace(c, custom_fields=MappingProxyType(values.get(c.id, {}))) for c in page.items]
    return Page(items, page.next_cursor)


def archive(uow: UnitOfWork, clock: Clock, customer_id: str) -> None:
    """Archive a customer; its ingest aliases become free for others. Idempotent."""
    with uow:
        customer = _load(uow, customer_id, for_update=True)
        if not customer.is_archived:
            now = clock.now()
            uow.customers.update_fields(customer_id, now, archived_at=now)
            uow.customers.deactivate_aliases(customer_id)
            uow.commit()


def set_name(uow: UnitOfWork, clock: Clock, customer_id: str, name: str) -> Customer:
    with uow:
        _load(uow, customer_id, for_update=True)
        uow.customers.update_fields(customer_id, clock.now(), name=normalise_name(name))
        customer = _load(uow, customer_id)
        uow.commit()
    return customer


def set_ingest_aliases(
    uow: UnitOfWork, clock: Clock, customer_id: str, aliases: Sequence[str]
) -> None:
    """Replace the customer's whole alias set; events sent under a moved alias move with it."""
    wanted = normalise_ingest_aliases(list(aliases))
    with uow:
        customer = _load(uow, customer_id, for_update=True)
        if customer.is_archived:
            raise Conflict(f"customer_id: customer {customer_id!r} is archived")
        _require_free_aliases(uow, customer_id, wanted)
        uow.customers.replace_aliases(customer_id, wanted)
        uow.customers.update_fields(customer_id, clock.now())
        uow.commit()


def update_config(
    uow: UnitOfWork,
    clock: Clock,
    customer_id: str,
    changes: Mapping[str, object],
) -> None:
    """Set ``salesforce_account_id`` / ``leave_stripe_invoices_in_draft`` (given keys only)."""
    with uow:
        _load(uow, customer_id, for_update=True)
        uow.customers.update_fields(customer_id, clock.now(), **dict(changes))
        uow.commit()


def _load(uow: UnitOfWork, customer_id: str, *, for_update: bool = False) -> Customer:
    customer = uow.customers.get(customer_id, for_update=for_update)
    if customer is None:
        raise NotFound(f"customer_id: no customer with id {customer_id!r}")
    values = uow.custom_fields.values_of(CustomFieldEntity.CUSTOMER, customer_id)
    return replace(customer, custom_fields=MappingProxyType(values))


def _require_free_aliases(uow: UnitOfWork, customer_id: str, aliases: Sequence[str]) -> None:
    holders = uow.customers.alias_holders(aliases)
    for alias, holder in holders.items():
        if holder != customer_id:
            raise Conflict(f"ingest_aliases: {alias!r} is already in use by another customer")
