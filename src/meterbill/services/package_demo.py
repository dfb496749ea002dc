"""``meterbill demo``: the Starter Plan story, seeded through the services and billed.

The story (a fixed clock walks through it): on 2025-09-15 a pricing team creates the token
metrics, products and the "Tokens rate card", then the package "Starter Plan - October 2025"
(a $10 monthly sign-up credit on input and output tokens for the first 3 months, a $10 monthly
subscription, the standard token rates, a year long) under the alias "Starter Plan". On
2025-12-01 "Starter Plan - January 2026" ($20 subscription, 5 months of credits) takes the
alias from 2026-01-01. Customers sign up by alias in October, November and January, use
tokens, and their invoices are printed as of 2026-02-02.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from meterbill.clock import FixedClock
from meterbill.core.catalog import AliasWindow, ProductType
from meterbill.core.contracts.terms import (
    BillingFrequency,
    CollectionSchedule,
    CommitKind,
    Frequency,
)
from meterbill.core.invoicing import Invoice
from meterbill.core.metering.metrics import (
    AggregationType,
    BillableMetricDefinition,
    EventTypeFilter,
    PropertyFilter,
)
from meterbill.core.packages import (
    Package,
    PackageAlias,
    PackageRecurringCommit,
    PackageSubscription,
)
from meterbill.core.periods import Offset, OffsetUnit
from meterbill.core.pricing import Rate, RateEntry, RateType
from meterbill.services import billable_metrics as metric_service
from meterbill.services import contracts as contract_service
from meterbill.services import customers as customer_service
from meterbill.services import ingest as ingest_service
from meterbill.services import invoices as invoice_service
from meterbill.services import packages as package_service
from meterbill.services import products as product_service
from meterbill.services import rate_cards as rate_card_service
from meterbill.services.billing_close import close
from meterbill.services.ids import new_id
from meterbill.storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
SEEDED_KEY = "meterbill-demo:starter-plan-october-2025"
AS_OF = datetime(2025, 9, 15, tzinfo=UTC)
PRINT_AT = datetime(2026, 2, 2, tzinfo=UTC)
SIGN_UPS = [
    ("Gnome AI", datetime(2025, 10, 1, tzinfo=UTC)),
    ("Pixie Labs", datetime(2025, 11, 1, tzinfo=UTC)),
    ("Troll Works", datetime(2026, 1, 1, tzinfo=UTC)),
]


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    name: str
    customer_id: str
    contract_id: str
    package_name: str
    invoices: tuple[Invoice, ...]


def _months(n: int) -> Offset:
    return Offset(OffsetUnit.MONTHS, n)


def _token_metric(uow: UowFactory, clock: FixedClock, name: str, event_type: str) -> str:
    definition = BillableMetricDefinition(
        AggregationType.SUM,
        aggregation_key="tokens",
        event_type_filter=EventTypeFilter(in_values=(event_type,)),
        property_filters=(PropertyFilter("tokens", exists=True),),
    )
    return metric_service.create(uow(), clock, metric_service.CreateMetric(name, definition)).id


def _product(
    uow: UowFactory, clock: FixedClock, name: str, kind: ProductType, **fields: object
) -> str:
    command = product_service.CreateProduct(name, kind, fields=fields)
    return product_service.create(uow(), clock, command).id


def _package(
    name: str, subscription_price_quantity: int, credit_months: int, products: dict[str, str],
    alias: PackageAlias,
) -> Package:  # fmt: skip
    credit = PackageRecurringCommit(
        id=new_id(),
        kind=CommitKind.CREDIT,
        product_id=products["credit"],
        starting_at_offset=_months(0),
        duration=_months(credit_months),
        access_unit_price=Decimal(1000),
        access_quantity=Decimal(1),
        commit_duration=1,
        priority=Decimal(1),
        recurrence_frequency=Frequency.MONTHLY,
        applicable_product_ids=(products["input"], products["output"]),
        name="Sign-up credit",
    )
    subscription = PackageSubscription(
        id=new_id(),
        product_id=products["platform"],
        billing_frequency=BillingFrequency.MONTHLY,
        collection_schedule=CollectionSchedule.ADVANCE,
        initial_quantity=Decimal(subscription_price_quantity),
        name="Platform fee",
    )
    return Package(
        id="",
        name=name,
        created_at=AS_OF,
        contract_name="Starter Plan",
        duration=_months(12),
        rate_card_alias="Tokens rate card",
        net_payment_terms_days=Decimal(15),
        recurring_commits=(credit,),
        subscriptions=(subscription,),
        aliases=(alias,),
        uniqueness_key=SEEDED_KEY if "October" in name else None,
    )


def seed(uow: UowFactory) -> dict[str, str]:
    """Create the catalog and both packages; returns the product ids by role."""
    clock = FixedClock(AS_OF)
    products = {
        "input": _product(uow, clock, "Input tokens", ProductType.USAGE,
                          billable_metric_id=_token_metric(uow, clock, "Input tokens", "input")),
        "output": _product(uow, clock, "Output tokens", ProductType.USAGE,
                           billable_metric_id=_token_metric(uow, clock, "Output tokens", "output")),
        "credit": _product(uow, clock, "Sign-up credit", ProductType.FIXED),
        "platform": _product(uow, clock, "Platform fee", ProductType.SUBSCRIPTION),
    }  # fmt: skip
    card = rate_card_service.create(
        uow(),
        clock,
        rate_card_service.CreateRateCard("Tokens", aliases=(AliasWindow("Tokens rate card"),)),
    ).card.id
    start = datetime(2025, 1, 1, tzinfo=UTC)
    subscription = Rate(RateType.SUBSCRIPTION, Decimal(1000), quantity=Decimal(1), is_prorated=True)
    rate_card_service.add_rates(
        uow(),
        clock,
        card,
        [
            # Cents per token: $2 per million input tokens, $8 per million output tokens.
            RateEntry(products["input"], start, Rate(RateType.FLAT, Decimal("0.0002"))),
            RateEntry(products["output"], start, Rate(RateType.FLAT, Decimal("0.0008"))),
            RateEntry(
                products["platform"],
                start,
                subscription,
                billing_frequency=BillingFrequency.MONTHLY,
            ),
        ],
    )
    october = _package("Starter Plan - October 2025", 1, 3, products, PackageAlias("Starter Plan"))
    package_service.create(uow(), clock, october)
    clock.set(datetime(2025, 12, 1, tzinfo=UTC))
    january_alias = PackageAlias("Starter Plan", datetime(2026, 1, 1, tzinfo=UTC))
    january = _package("Starter Plan - January 2026", 2, 5, products, january_alias)
    package_service.create(uow(), clock, january)
    return products


def _events(
    customer_id: str, since: datetime, until: datetime, seed: int
) -> Iterator[dict[str, object]]:
    """Synthetic token usage: one input and one output event a day."""
    draw = random.Random(seed)
    day = since
    while day < until:
        for event_type, scale in (("input", 400_000), ("output", 90_000)):
            yield {
                "transaction_id": f"demo-{customer_id}-{event_type}-{day.date()}",
                "customer_id": customer_id,
                "event_type": event_type,
                "timestamp": (day + timedelta(hours=12)).isoformat().replace("+00:00", "Z"),
                "properties": {"tokens": draw.randint(scale // 2, scale * 2)},
            }
        day += timedelta(days=1)


def run(uow: UowFactory) -> list[DemoCustomer]:
    """Seed the story (once per database) and return every demo customer's invoices."""
    with uow() as probe:
        seeded = probe.packages.id_for_uniqueness_key(SEEDED_KEY) is not None
    if not seeded:
        seed(uow)
        _sign_up(uow)
        # Finalise what is due on 2026-02-02 (period end + 24 hours of grace), as the billing
        # worker of ``meterbill serve`` would.
        close(uow, PRINT_AT, timedelta(hours=24))
    return _report(uow)


def _alias(name: str) -> str:
    return "demo-" + name.lower().replace(" ", "-")


def _sign_up(uow: UowFactory) -> None:
    for index, (name, starting_at) in enumerate(SIGN_UPS):
        clock = FixedClock(starting_at)
        command = customer_service.CreateCustomer(name, ingest_aliases=(_alias(name),))
        customer = customer_service.create(uow(), clock, command)
        request = contract_service.ProvisionRequest(
            customer.id, starting_at, package_alias="Starter Plan"
        )
        with uow() as unit:
            package_service.provision(unit, clock, request)
            unit.commit()
        ingest_clock = FixedClock(PRINT_AT)
        until = datetime(2026, 2, 1, tzinfo=UTC)
        events = list(_events(customer.id, starting_at, until, index))
        for chunk in range(0, len(events), 100):
            batch = events[chunk : chunk + 100]
            ingest_service.ingest(uow(), ingest_clock, batch, backdate_days=400)


def _report(uow: UowFactory) -> list[DemoCustomer]:
    clock = FixedClock(PRINT_AT)
    found = []
    for name, _ in SIGN_UPS:
        filters = customer_service.CustomerFilter(ingest_alias=_alias(name))
        (customer,) = customer_service.list_page(uow(), filters, 1, None).items
        query = invoice_service.ListInvoices(customer.id, limit=100)
        invoices = tuple(invoice_service.list_page(uow(), clock, query).items)
        with uow() as unit:
            page = contract_service.list_customer_contracts(
                unit, contract_service.ListContracts(customer.id)
            )
            (contract,) = page.items
            package = package_service.load(unit, contract.package_id or "")
        found.append(DemoCustomer(name, customer.id, contract.id, package.name, invoices))
    return found


def _dollars(cents: Decimal) -> str:
    return f"${cents / 100:,.2f}"


def describe(customers: list[DemoCustomer]) -> Iterator[str]:
    """The report ``meterbill demo`` prints: each customer's package and invoices."""
    yield "The Starter Plan story (invoices as of 2026-02-02):"
    for customer in customers:
        yield ""
        yield f"{customer.name}  (package {customer.package_name!r})"
        for invoice in sorted(customer.invoices, key=lambda i: (i.key.starting_at, i.type.value)):
            key = invoice.key
            yield (
                f"  {invoice.type.value:<9} {key.starting_at.date()} .. {key.ending_before.date()}"
                f"  {invoice.status.value:<9} total {_dollars(invoice.total)}"
            )
            for line in invoice.line_items:
                quantity = f" x {line.quantity}" if line.quantity is not None else ""
                yield f"      {line.name:<28}{quantity:<18} {_dollars(line.total):>12}"
