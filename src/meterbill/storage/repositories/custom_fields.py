"""Custom field keys and values, for every entity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import Connection, and_, delete, insert, select

from meterbill.core.custom_fields import CustomFieldEntity, CustomFieldKey
from meterbill.storage.pagination import Page, decode_cursor, page_of
from meterbill.storage.tables import custom_field_keys as keys_t
from meterbill.storage.tables import custom_field_values as values_t


class CustomFieldRepository:
    """Keys are registered per entity; values are (entity, entity id, key) -> value."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add_key(self, key: CustomFieldKey, created_at: datetime) -> None:
        self._conn.execute(
            insert(keys_t).values(
                entity=key.entity.value,
                key=key.key,
                enforce_uniqueness=key.enforce_uniqueness,
                created_at=created_at,
            )
        )

    def get_key(self, entity: CustomFieldEntity, key: str) -> CustomFieldKey | None:
        row = self._conn.execute(
            select(keys_t).where(keys_t.c.entity == entity.value, keys_t.c.key == key)
        ).first()
        if row is None:
            return None
        return CustomFieldKey(entity, row.key, row.enforce_uniqueness)

    def keys_for(self, entity: CustomFieldEntity) -> dict[str, CustomFieldKey]:
        rows = self._conn.execute(select(keys_t).where(keys_t.c.entity == entity.value))
        return {row.key: CustomFieldKey(entity, row.key, row.enforce_uniqueness) for row in rows}

    def remove_key(self, entity: CustomFieldEntity, key: str) -> None:
        """Remove a key and every value set under it."""
        self._conn.execute(
            delete(values_t).where(values_t.c.entity == entity.value, values_t.c.key == key)
        )
        self._conn.execute(
            delete(keys_t).where(keys_t.c.entity == entity.value, keys_t.c.key == key)
        )

    def list_keys(
        self, *, entities: Iterable[CustomFieldEntity] | None, limit: int, cursor: str | None
    ) -> Page[CustomFieldKey]:
        query = select(keys_t)
        if entities is not None:
            query = query.where(keys_t.c.entity.in_([entity.value for entity in entities]))
        if cursor is not None:
            entity, key = decode_cursor(cursor, 2)
            query = query.where(
                (keys_t.c.entity > str(entity))
                | and_(keys_t.c.entity == str(entity), keys_t.c.key > str(key))
            )
        rows = self._conn.execute(query.order_by(keys_t.c.entity, keys_t.c.key).limit(limit + 1))
        found = [
            CustomFieldKey(CustomFieldEntity(row.entity), row.key, row.enforce_uniqueness)
            for row in rows
        ]
        return page_of(found, limit, lambda k: [k.entity.value, k.key])

    def values_of(self, entity: CustomFieldEntity, entity_id: str) -> dict[str, str]:
        return self.values_of_many(entity, [entity_id]).get(entity_id, {})

    def values_of_many(
        self, entity: CustomFieldEntity, entity_ids: Iterable[str]
    ) -> dict[str, dict[str, str]]:
        """Values of several entities at once (entity id -> key -> value)."""
        wanted = list(entity_ids)
        if not wanted:
            return {}
        rows = self._conn.execute(
            select(values_t.c.entity_id, values_t.c.key, values_t.c.value)
            .where(values_t.c.entity == entity.value, values_t.c.entity_id.in_(wanted))
            .order_by(values_t.c.key)
        )
        found: dict[str, dict[str, str]] = {}
        for row in rows:
            found.setdefault(row.entity_id, {})[row.key] = row.value
        return found

    def holder_of_unique_value(self, entity: CustomFieldEntity, key: str, value: str) -> str | None:
        """The entity id already holding ``value`` under a uniqueness-enforcing key."""
        row = self._conn.execute(
            select(values_t.c.entity_id).where(
                values_t.c.entity == entity.value,
                values_t.c.key == key,
                values_t.c.unique_value == value,
            )
        ).first()
        return row.entity_id if row is not None else None

    def set_values(
        self,
        entity: CustomFieldEntity,
        entity_id: str,
        values: Mapping[str, str],
        keys: Mapping[str, CustomFieldKey],
    ) -> None:
        """Overwrite the given keys of one entity, keeping its other keys."""
        if not values:
            return
        self.delete_values(entity, entity_id, values.keys())
        self._conn.execute(
            insert(values_t),
            [
                {
                    "entity": entity.value,
                    "entity_id": entity_id,
                    "key": key,
                    "value": value,
                    "unique_value": value if keys[key].enforce_uniqueness else None,
                }
                for key, value in values.items()
            ],
        )

    def delete_values(self, entity: CustomFieldEntity, entity_id: str, keys: Iterable[str]) -> None:
        wanted = list(keys)
        if wanted:
            self._conn.execute(
                delete(values_t).where(
                    values_t.c.entity == entity.value,
                    values_t.c.entity_id == entity_id,
                    values_t.c.key.in_(wanted),
                )
            )
