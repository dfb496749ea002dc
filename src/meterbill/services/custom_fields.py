"""Use cases of ``/v1/customFields``: keys per entity, values on entities that exist."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from meterbill.clock import Clock
from meterbill.core.custom_fields import (
    IMMUTABLE_ENTITIES,
    CustomFieldEntity,
    CustomFieldKey,
    check_key,
    check_values,
)
from meterbill.core.errors import Conflict, DomainValidationError, NotFound
from meterbill.storage.pagination import Page
from meterbill.storage.uow import UnitOfWork

# (unit of work, clock, entity id) -> whether the entity exists (drafts depend on the time).
EntityExists: TypeAlias = Callable[[UnitOfWork, Clock, str], bool]

# How to tell whether an entity id exists, per entity. Areas add their entities here as they
# land; an entity without a lookup has no instances yet, so every id is unknown (404).
ENTITY_LOOKUPS: dict[CustomFieldEntity, EntityExists] = {
    CustomFieldEntity.CUSTOMER: lambda uow, _clock, ident: uow.customers.get(ident) is not None,
    # --- catalog entities ---
    CustomFieldEntity.PRODUCT: lambda uow, _clock, ident: uow.products.get(ident) is not None,
    CustomFieldEntity.RATE_CARD: lambda uow, _clock, ident: uow.rate_cards.get(ident) is not None,
    # --- metering entities ---
    CustomFieldEntity.BILLABLE_METRIC: lambda uow, _clock, ident: (
        uow.billable_metrics.get(ident) is not None
    ),
    # --- contracts entities ---
    CustomFieldEntity.CONTRACT: lambda uow, _clock, ident: uow.contracts.get(ident) is not None,
    CustomFieldEntity.COMMIT: lambda uow, _clock, ident: _term_is(uow, ident, "commit"),
    CustomFieldEntity.CONTRACT_CREDIT: lambda uow, _clock, ident: _term_is(uow, ident, "credit"),
    CustomFieldEntity.SCHEDULED_CHARGE: lambda uow, _clock, ident: _term_is(
        uow, ident, "scheduled_charge"
    ),
    CustomFieldEntity.SUBSCRIPTION: lambda uow, _clock, ident: _term_is(uow, ident, "subscription"),
    # --- packages entities (template terms; values fixed at package creation) ---
    CustomFieldEntity.PACKAGE_COMMIT: lambda uow, _clock, ident: uow.packages.term_exists(
        CustomFieldEntity.PACKAGE_COMMIT, ident
    ),
    CustomFieldEntity.PACKAGE_CREDIT: lambda uow, _clock, ident: uow.packages.term_exists(
        CustomFieldEntity.PACKAGE_CREDIT, ident
    ),
    CustomFieldEntity.PACKAGE_SCHEDULED_CHARGE: lambda uow, _clock, ident: uow.packages.term_exists(
        CustomFieldEntity.PACKAGE_SCHEDULED_CHARGE, ident
    ),
    CustomFieldEntity.PACKAGE_SUBSCRIPTION: lambda uow, _clock, ident: uow.packages.term_exists(
        CustomFieldEntity.PACKAGE_SUBSCRIPTION, ident
    ),
    # --- invoices entities (stored invoices and drafts, by their stable id) ---
    CustomFieldEntity.INVOICE: lambda uow, clock, ident: _invoice_exists(uow, clock, ident),
}


def _term_is(uow: UnitOfWork, term_id: str, kind: str) -> bool:
    """Whether ``term_id`` is a contract term of ``kind`` (contracts area)."""
    ref = uow.contracts.term(term_id)
    return ref is not None and ref.kind == kind


def register_entity(entity: CustomFieldEntity, exists: EntityExists) -> None:
    """Let custom fields be set on ``entity`` (called by the area that stores it)."""
    ENTITY_LOOKUPS[entity] = exists


@dataclass(frozen=True, slots=True)
class SetValues:
    entity: CustomFieldEntity
    entity_id: str
    custom_fields: Mapping[str, str]


def add_key(uow: UnitOfWork, clock: Clock, key: CustomFieldKey) -> None:
    """Register ``key`` on its entity; registering the same key again is a 409."""
    check_key(key.key)
    with uow:
        existing = uow.custom_fields.get_key(key.entity, key.key)
        if existing is not None:
            raise Conflict(
                f"key: {key.key!r} is already registered for entity {key.entity.value!r}"
            )
        uow.custom_fields.add_key(key, clock.now())
        uow.commit()


def list_keys(
    uow: UnitOfWork, entities: Iterable[CustomFieldEntity] | None, limit: int, cursor: str | None
) -> Page[CustomFieldKey]:
    with uow:
        return uow.custom_fields.list_keys(entities=entities, limit=limit, cursor=cursor)


def remove_key(uow: UnitOfWork, entity: CustomFieldEntity, key: str) -> None:
    """Unregister ``key``; its values on every entity go with it. Unknown key: 404."""
    with uow:
        if uow.custom_fields.get_key(entity, key) is None:
            raise NotFound(f"key: {key!r} is not registered for entity {entity.value!r}")
        uow.custom_fields.remove_key(entity, key)
        uow.commit()


def set_values(uow: UnitOfWork, clock: Clock, command: SetValues) -> None:
    """Overwrite the given keys on one entity, all or nothing."""
    if command.entity in IMMUTABLE_ENTITIES:
        raise DomainValidationError(
            f"entity: custom fields of a {command.entity.value} are fixed when the package is "
            "created; change them on the provisioned contract's terms instead"
        )
    with uow:
        _require_entity(uow, clock, command.entity, command.entity_id)
        write_values(uow, command.entity, command.entity_id, command.custom_fields)
        uow.commit()


def delete_values(
    uow: UnitOfWork,
    clock: Clock,
    entity: CustomFieldEntity,
    entity_id: str,
    keys: Iterable[str],
) -> None:
    if entity in IMMUTABLE_ENTITIES:
        raise DomainValidationError(
            f"entity: custom fields of a {entity.value} cannot be changed after creation"
        )
    with uow:
        _require_entity(uow, clock, entity, entity_id)
        uow.custom_fields.delete_values(entity, entity_id, keys)
        uow.commit()


def write_values(
    uow: UnitOfWork,
    entity: CustomFieldEntity,
    entity_id: str,
    values: Mapping[str, str],
    *,
    field_name: str = "custom_fields",
) -> None:
    """Check ``values`` against the registered keys and uniqueness, then store them.

    For use inside an open unit of work (entity creation calls it too). Raises
    ``DomainValidationError`` for unregistered keys and ``Conflict`` for a value that a
    uniqueness-enforcing key already holds on another entity.
    """
    if not values:
        return
    registered = uow.custom_fields.keys_for(entity)
    check_values(entity, values, registered, field_name=field_name)
    for key, value in values.items():
        if not registered[key].enforce_uniqueness:
            continue
        holder = uow.custom_fields.holder_of_unique_value(entity, key, value)
        if holder is not None and holder != entity_id:
            raise Conflict(
                f"{field_name}.{key}: value {value!r} is already used by another "
                f"{entity.value} and the key enforces uniqueness"
            )
    uow.custom_fields.set_values(entity, entity_id, values, registered)


def _require_entity(
    uow: UnitOfWork, clock: Clock, entity: CustomFieldEntity, entity_id: str
) -> None:
    exists = ENTITY_LOOKUPS.get(entity)
    if exists is None or not exists(uow, clock, entity_id):
        raise NotFound(f"entity_id: no {entity.value} with id {entity_id!r}")


# --- invoices ---
def _invoice_exists(uow: UnitOfWork, clock: Clock, ident: str) -> bool:
    from meterbill.services import invoices

    return invoices.exists(uow, clock, ident)
