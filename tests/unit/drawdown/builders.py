"""Builders for the drawdown tests: segments and charges with sensible defaults."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from meterbill.core.contracts.terms import (
    USD_CENTS,
    AccessItem,
    AccessSchedule,
    Commit,
    CommitKind,
    InvoiceItem,
    InvoiceSchedule,
)
from meterbill.core.drawdown import BalanceSegment, DrawableCharge

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)
MAR = datetime(2026, 3, 1, tzinfo=UTC)
APR = datetime(2026, 4, 1, tzinfo=UTC)
JUL = datetime(2026, 7, 1, tzinfo=UTC)
OCT = datetime(2026, 10, 1, tzinfo=UTC)
NEXT_YEAR = datetime(2027, 1, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def segment(name: str, amount: str | int | Decimal = 100, **fields: Any) -> BalanceSegment:
    """A prepaid, all-products, contract-level segment over 2026, unless told otherwise."""
    values: dict[str, Any] = {
        "commit_id": name,
        "segment_id": f"{name}-s",
        "kind": CommitKind.PREPAID,
        "starting_at": JAN,
        "ending_before": NEXT_YEAR,
        "amount": Decimal(amount),
        "remaining": Decimal(amount),
        "credit_type_id": USD_CENTS,
    }
    values.update(fields)
    if "remaining" not in fields:
        values["remaining"] = values["amount"]
    return BalanceSegment(**values)


def charge(name: str, amount: str | int | Decimal, **fields: Any) -> DrawableCharge:
    """A usage charge for product ``p-<name>`` over January 2026."""
    values: dict[str, Any] = {
        "id": name,
        "product_id": f"p-{name}",
        "starting_at": JAN,
        "ending_before": FEB,
        "amount": Decimal(amount),
        "quantity": Decimal(amount),
        "credit_type_id": USD_CENTS,
    }
    values.update(fields)
    return DrawableCharge(**values)


def commit(
    name: str,
    items: Sequence[tuple[str | int, datetime, datetime]],
    *,
    kind: CommitKind = CommitKind.PREPAID,
    invoiced: Sequence[tuple[str | int, datetime]] | None = None,
    **fields: Any,
) -> Commit:
    access = AccessSchedule(
        tuple(
            AccessItem(f"{name}-s{i}", Decimal(a), start, end)
            for i, (a, start, end) in enumerate(items)
        )
    )
    schedule = None
    if invoiced is not None:
        schedule = InvoiceSchedule(
            tuple(InvoiceItem(f"{name}-i{i}", at, Decimal(a)) for i, (a, at) in enumerate(invoiced))
        )
    return Commit(
        id=name,
        kind=kind,
        product_id="commit-product",
        access_schedule=access,
        invoice_schedule=schedule,
        **fields,
    )
