"""Rate cards: the card, its aliases, its custom-unit conversions, its rates, its product order."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, text, update

from meterbill.core.catalog import AliasAssignment, AliasWindow, CreditTypeConversion, RateCard
from meterbill.core.pricing import BillingFrequency, CommitRate, Rate, RateEntry, RateType, Tier
from meterbill.storage.pagination import Page, in_creation_order, page_of
from meterbill.storage.tables import rate_card_aliases as aliases_t
from meterbill.storage.tables import rate_card_credit_type_conversions as conversions_t
from meterbill.storage.tables import rate_card_product_order as order_t
from meterbill.storage.tables import rate_cards as cards_t
from meterbill.storage.tables import rates as rates_t


class RateCardRepository:
    """Reads and writes rate cards; custom fields live in ``CustomFieldRepository``."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # --- the card ---

    def add(self, card: RateCard) -> None:
        """Insert ``card`` with its aliases and conversions (the caller checked them)."""
        self._conn.execute(
            insert(cards_t).values(
                id=card.id,
                name=card.name,
                description=card.description,
                fiat_credit_type_id=card.fiat_credit_type_id,
                created_at=card.created_at,
                created_by=card.created_by,
            )
        )
        self.replace_aliases(card.id, card.aliases)
        self.add_conversions(card.id, card.credit_type_conversions)

    def get(self, rate_card_id: str, *, for_update: bool = False) -> RateCard | None:
        query = select(cards_t).where(cards_t.c.id == rate_card_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return self._assemble([row])[0] if row is not None else None

    def list_page(self, *, limit: int, cursor: str | None) -> Page[RateCard]:
        """One page of unarchived rate cards in creation order."""
        query = select(cards_t).where(cards_t.c.archived_at.is_(None))
        query = in_creation_order(query, cards_t, cursor).limit(limit + 1)
        found = self._assemble(list(self._conn.execute(query)))
        return page_of(found, limit, lambda c: [c.created_at.isoformat(), c.id])

    def update_fields(self, rate_card_id: str, **values: Any) -> None:
        """Set plain columns (name, description, archived_at)."""
        self._conn.execute(update(cards_t).where(cards_t.c.id == rate_card_id).values(**values))

    def add_conversions(
        self, rate_card_id: str, conversions: Sequence[CreditTypeConversion]
    ) -> None:
        if not conversions:
            return
        start = self._conn.execute(
            select(func.count()).where(conversions_t.c.rate_card_id == rate_card_id)
        ).scalar_one()
        self._conn.execute(
            insert(conversions_t),
            [
                {
                    "rate_card_id": rate_card_id,
                    "custom_credit_type_id": conversion.custom_credit_type_id,
                    "fiat_per_custom_credit": conversion.fiat_per_custom_credit,
                    "position": start + index,
                }
                for index, conversion in enumerate(conversions)
            ],
        )

    # --- aliases ---

    def lock_aliases(self, names: Iterable[str]) -> None:
        """Serialise writers of the same alias names until the transaction ends.

        SQLite already serialises writers (IMMEDIATE transactions); PostgreSQL takes a
        transaction-scoped advisory lock per name, in a fixed order to avoid deadlocks.
        """
        if self._conn.dialect.name != "postgresql":
            return
        for name in sorted(set(names)):
            self._conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"alias:{name}"}
            )

    def alias_assignments(self, names: Iterable[str]) -> list[AliasAssignment]:
        """Every assignment of the given alias names, on every card, oldest first."""
        wanted = sorted(set(names))
        if not wanted:
            return []
        rows = self._conn.execute(
            select(aliases_t).where(aliases_t.c.name.in_(wanted)).order_by(aliases_t.c.id)
        )
        return [_assignment(row) for row in rows]

    def replace_aliases(self, rate_card_id: str, windows: Sequence[AliasWindow]) -> None:
        """Replace the card's whole alias schedule (new assignments get new sequence numbers)."""
        self._conn.execute(delete(aliases_t).where(aliases_t.c.rate_card_id == rate_card_id))
        if windows:
            self._conn.execute(
                insert(aliases_t),
                [
                    {
                        "rate_card_id": rate_card_id,
                        "name": window.name,
                        "starting_at": window.starting_at,
                        "ending_before": window.ending_before,
                    }
                    for window in windows
                ],
            )

    def set_alias_end(self, assignment: AliasAssignment, ending_before: datetime | None) -> None:
        """Cut (or extend) one stored assignment, identified by its sequence number."""
        self._conn.execute(
            update(aliases_t)
            .where(aliases_t.c.id == assignment.sequence)
            .values(ending_before=ending_before)
        )

    # --- rates ---

    def add_rates(
        self, rate_card_id: str, entries: Sequence[RateEntry], created_at: datetime
    ) -> None:
        """Append rates in order; products new to the card go to the end of its product order."""
        if not entries:
            return
        self._conn.execute(
            insert(rates_t), [_rate_row(rate_card_id, entry, created_at) for entry in entries]
        )
        order = self.product_order(rate_card_id)
        fresh = [p for p in dict.fromkeys(e.product_id for e in entries) if p not in order]
        if fresh:
            self._conn.execute(
                insert(order_t),
                [
                    {
                        "rate_card_id": rate_card_id,
                        "product_id": product_id,
                        "position": len(order) + i,
                    }
                    for i, product_id in enumerate(fresh)
                ],
            )

    def entries(self, rate_card_id: str) -> tuple[RateEntry, ...]:
        """The card's rates in the order they were added."""
        rows = self._conn.execute(
            select(rates_t).where(rates_t.c.rate_card_id == rate_card_id).order_by(rates_t.c.id)
        )
        return tuple(_entry(row) for row in rows)

    def product_order(self, rate_card_id: str) -> list[str]:
        rows = self._conn.execute(
            select(order_t.c.product_id)
            .where(order_t.c.rate_card_id == rate_card_id)
            .order_by(order_t.c.position)
        )
        return [row.product_id for row in rows]

    def set_product_order(self, rate_card_id: str, product_ids: Sequence[str]) -> None:
        self._conn.execute(delete(order_t).where(order_t.c.rate_card_id == rate_card_id))
        if product_ids:
            self._conn.execute(
                insert(order_t),
                [
                    {"rate_card_id": rate_card_id, "product_id": product_id, "position": index}
                    for index, product_id in enumerate(product_ids)
                ],
            )

    def _assemble(self, rows: list[Row[Any]]) -> list[RateCard]:
        ids = [row.id for row in rows]
        aliases: dict[str, list[AliasWindow]] = {}
        conversions: dict[str, list[CreditTypeConversion]] = {}
        if ids:
            for alias in self._conn.execute(
                select(aliases_t).where(aliases_t.c.rate_card_id.in_(ids)).order_by(aliases_t.c.id)
            ):
                aliases.setdefault(alias.rate_card_id, []).append(_assignment(alias).window)
            for conversion in self._conn.execute(
                select(conversions_t)
                .where(conversions_t.c.rate_card_id.in_(ids))
                .order_by(conversions_t.c.position)
            ):
                conversions.setdefault(conversion.rate_card_id, []).append(
                    CreditTypeConversion(
                        custom_credit_type_id=conversion.custom_credit_type_id,
                        fiat_per_custom_credit=conversion.fiat_per_custom_credit,
                    )
                )
        return [
            RateCard(
                id=row.id,
                name=row.name,
                created_at=row.created_at,
                created_by=row.created_by,
                fiat_credit_type_id=row.fiat_credit_type_id,
                description=row.description,
                aliases=tuple(aliases.get(row.id, ())),
                credit_type_conversions=tuple(conversions.get(row.id, ())),
                archived_at=row.archived_at,
            )
            for row in rows
        ]


def _assignment(row: Row[Any]) -> AliasAssignment:
    return AliasAssignment(
        holder_id=row.rate_card_id,
        window=AliasWindow(row.name, row.starting_at, row.ending_before),
        sequence=row.id,
    )


def _tiers_json(tiers: tuple[Tier, ...]) -> list[dict[str, str | None]]:
    return [
        {"price": str(tier.price), "size": None if tier.size is None else str(tier.size)}
        for tier in tiers
    ]


def _tiers_of(raw: list[dict[str, str | None]]) -> tuple[Tier, ...]:
    return tuple(
        Tier(
            price=Decimal(str(tier["price"])),
            size=None if tier.get("size") is None else Decimal(str(tier["size"])),
        )
        for tier in raw
    )


def _rate_row(rate_card_id: str, entry: RateEntry, created_at: datetime) -> dict[str, Any]:
    rate = entry.rate
    commit = entry.commit_rate
    return {
        "rate_card_id": rate_card_id,
        "product_id": entry.product_id,
        "starting_at": entry.starting_at,
        "ending_before": entry.ending_before,
        "entitled": entry.entitled,
        "rate_type": rate.rate_type.value,
        "price": rate.price,
        "tiers": json.dumps(_tiers_json(rate.tiers)) if rate.tiers else None,
        "is_prorated": rate.is_prorated,
        "quantity": rate.quantity,
        "credit_type_id": rate.credit_type_id,
        "pricing_group_values": (
            json.dumps(dict(entry.pricing_group_values)) if entry.pricing_group_values else None
        ),
        "billing_frequency": entry.billing_frequency.value if entry.billing_frequency else None,
        "commit_rate": (
            json.dumps(
                {
                    "rate_type": commit.rate_type.value,
                    "price": None if commit.price is None else str(commit.price),
                    "tiers": _tiers_json(commit.tiers),
                }
            )
            if commit is not None
            else None
        ),
        "created_at": created_at,
    }


def _entry(row: Row[Any]) -> RateEntry:
    commit: CommitRate | None = None
    if row.commit_rate:
        raw = json.loads(row.commit_rate)
        commit = CommitRate(
            rate_type=RateType(raw["rate_type"]),
            price=None if raw.get("price") is None else Decimal(raw["price"]),
            tiers=_tiers_of(raw.get("tiers") or []),
        )
    return RateEntry(
        product_id=row.product_id,
        starting_at=row.starting_at,
        ending_before=row.ending_before,
        entitled=row.entitled,
        rate=Rate(
            rate_type=RateType(row.rate_type),
            price=row.price,
            tiers=_tiers_of(json.loads(row.tiers)) if row.tiers else (),
            is_prorated=row.is_prorated,
            quantity=row.quantity,
            credit_type_id=row.credit_type_id,
        ),
        pricing_group_values=json.loads(row.pricing_group_values)
        if row.pricing_group_values
        else {},
        billing_frequency=BillingFrequency(row.billing_frequency)
        if row.billing_frequency
        else None,
        commit_rate=commit,
    )
