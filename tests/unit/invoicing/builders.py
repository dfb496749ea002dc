"""Builders for the invoicing core tests: products, rates, contracts, usage tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from meterbill.core.catalog import Product, ProductState, ProductType
from meterbill.core.contracts.terms import (
    CollectionSchedule,
    Contract,
    QuantityEntry,
    StatementScheduleConfig,
    Subscription,
)
from meterbill.core.invoicing import BillingInputs, GroupValue, UsageKey, usage_for
from meterbill.core.invoicing.model import InvoiceKey, InvoiceType
from meterbill.core.periods import Frequency
from meterbill.core.pricing import BillingFrequency, Rate, RateEntry, RateType, Tier

USD = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)
MAR = datetime(2026, 3, 1, tzinfo=UTC)
APR = datetime(2026, 4, 1, tzinfo=UTC)
CREATED = datetime(2025, 12, 1, tzinfo=UTC)


def d(value: str | int | Decimal) -> Decimal:
    return Decimal(value)


def usage_product(
    product_id: str,
    *,
    name: str | None = None,
    pricing_group_key: tuple[str, ...] = (),
    presentation_group_key: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
) -> Product:
    state = ProductState(
        name=name or product_id,
        created_at=CREATED,
        created_by="test",
        billable_metric_id=f"metric-{product_id}",
        pricing_group_key=pricing_group_key,
        presentation_group_key=presentation_group_key,
        tags=tags,
    )
    return Product(product_id, ProductType.USAGE, state)


def other_product(product_id: str, kind: ProductType, **fields: object) -> Product:
    state = ProductState(name=product_id, created_at=CREATED, created_by="test")
    return Product(product_id, kind, replace(state, **fields))  # type: ignore[arg-type]


def flat(price: str | int | Decimal) -> Rate:
    return Rate(RateType.FLAT, price=d(price))


def tiered(*tiers: tuple[str | int | Decimal, str | int | Decimal | None]) -> Rate:
    return Rate(
        RateType.TIERED,
        tiers=tuple(Tier(d(price), None if size is None else d(size)) for price, size in tiers),
    )


def rate(product_id: str, price: Rate, starting_at: datetime = JAN, **kwargs: object) -> RateEntry:
    return RateEntry(product_id=product_id, starting_at=starting_at, rate=price, **kwargs)  # type: ignore[arg-type]


def subscription_rate(product_id: str, price: str | int) -> RateEntry:
    return RateEntry(
        product_id=product_id,
        starting_at=JAN,
        rate=Rate(RateType.FLAT, price=d(price)),
        billing_frequency=BillingFrequency.MONTHLY,
    )


def contract(**kwargs: object) -> Contract:
    values: dict[str, object] = {
        "id": "contract-1",
        "customer_id": "customer-1",
        "starting_at": JAN,
        "created_at": CREATED,
        "rate_card_id": "card-1",
        "usage_statement_schedule": StatementScheduleConfig(Frequency.MONTHLY),
    }
    values.update(kwargs)
    return Contract(**values)  # type: ignore[arg-type]


def subscription(
    product_id: str,
    *,
    quantity: str | int = 1,
    schedule: CollectionSchedule = CollectionSchedule.ARREARS,
    **kwargs: object,
) -> Subscription:
    values: dict[str, object] = {
        "id": f"sub-{product_id}",
        "product_id": product_id,
        "billing_frequency": BillingFrequency.MONTHLY,
        "collection_schedule": schedule,
        "starting_at": JAN,
        "quantity_schedule": (QuantityEntry(JAN, d(quantity)),),
    }
    values.update(kwargs)
    if schedule is CollectionSchedule.ARREARS and "invoice_behavior" not in kwargs:
        from meterbill.core.contracts.terms import InvoiceBehavior

        values["invoice_behavior"] = InvoiceBehavior.BILL_ON_NEXT_COLLECTION_DATE
    return Subscription(**values)  # type: ignore[arg-type]


def usage_key(key: InvoiceKey, product_id: str, inputs: BillingInputs) -> list[UsageKey]:
    return [k for k in usage_for(key, inputs) if k.product_id == product_id]


def month_key(start: datetime, end: datetime, contract_id: str = "contract-1") -> InvoiceKey:
    return InvoiceKey(contract_id, InvoiceType.USAGE, USD, start, end)


def with_usage(
    inputs: BillingInputs,
    key: InvoiceKey,
    quantities: Mapping[str, Decimal | Mapping[GroupValue, Decimal]],
) -> BillingInputs:
    """``inputs`` with usage for every usage key of ``key``: the whole period's quantity goes
    to the first window of each product (tests with mid-period cuts spell windows out)."""
    table: dict[UsageKey, Mapping[GroupValue, Decimal]] = dict(inputs.usage)
    seen: set[str] = set()
    for usage in usage_for(key, inputs):
        if usage.product_id in seen or usage.product_id not in quantities:
            continue
        seen.add(usage.product_id)
        value = quantities[usage.product_id]
        table[usage] = value if isinstance(value, Mapping) else {(): value}
    return replace(inputs, usage=table)
