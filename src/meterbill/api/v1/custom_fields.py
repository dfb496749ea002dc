"""``/v1/customFields``: keys per entity and values on entities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.json import WireResponse
from meterbill.api.paging import cursor_page, query_of
from meterbill.api.wire import Lower, WireModel
from meterbill.core.custom_fields import CustomFieldEntity, CustomFieldKey
from meterbill.services import custom_fields as service

router = APIRouter()

Entity = Annotated[CustomFieldEntity, Lower]
KEYS_PAGE_SIZE = 100


class AddKey(WireModel):
    enforce_uniqueness: bool
    entity: Entity
    key: str


class ListKeysBody(WireModel):
    entities: list[Entity] | None = None


class ListKeysQuery(WireModel):
    next_page: str | None = None


class RemoveKey(WireModel):
    entity: Entity
    key: str


class SetValues(WireModel):
    custom_fields: dict[str, str]
    entity: Entity
    entity_id: str


class DeleteValues(WireModel):
    entity: Entity
    entity_id: str
    keys: Annotated[list[str], Field(min_length=1)]


def render_key(key: CustomFieldKey) -> dict[str, Any]:
    return {
        "entity": key.entity.value,
        "key": key.key,
        "enforce_uniqueness": key.enforce_uniqueness,
    }


@router.post("/v1/customFields/addKey")
def add_key(context: Context, body: Annotated[AddKey, Depends(body_of(AddKey))]) -> WireResponse:
    key = CustomFieldKey(body.entity, body.key, body.enforce_uniqueness)
    service.add_key(context.uow(), context.clock, key)
    return WireResponse({})


@router.post("/v1/customFields/listKeys")
def list_keys(
    context: Context,
    body: Annotated[ListKeysBody, Depends(body_of(ListKeysBody, allow_empty=True))],
    query: Annotated[ListKeysQuery, Depends(query_of(ListKeysQuery))],
) -> WireResponse:
    page = service.list_keys(
        context.uow(read_only=True), body.entities, KEYS_PAGE_SIZE, query.next_page
    )
    return WireResponse(cursor_page(page, render_key))


@router.post("/v1/customFields/removeKey")
def remove_key(
    context: Context, body: Annotated[RemoveKey, Depends(body_of(RemoveKey))]
) -> WireResponse:
    service.remove_key(context.uow(), body.entity, body.key)
    return WireResponse({})


@router.post("/v1/customFields/setValues")
def set_values(
    context: Context, body: Annotated[SetValues, Depends(body_of(SetValues))]
) -> WireResponse:
    command = service.SetValues(body.entity, body.entity_id, body.custom_fields)
    service.set_values(context.uow(), context.clock, command)
    return WireResponse({})


@router.post("/v1/customFields/deleteValues")
def delete_values(
    context: Context, body: Annotated[DeleteValues, Depends(body_of(DeleteValues))]
) -> WireResponse:
    service.delete_values(context.uow(), context.clock, body.entity, body.entity_id, body.keys)
    return WireResponse({})
