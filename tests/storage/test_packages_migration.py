"""Cohort migration at scale: 1,000 contracts previewed, then applied in ONE transaction; a
failure half-way leaves nothing changed. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from meterbill.clock import FixedClock
from meterbill.core.catalog import ProductType
from meterbill.core.contracts.terms import BillingFrequency, CollectionSchedule, Contract
from meterbill.core.customers import Customer
from meterbill.core.packages import Package, PackageSubscription
from meterbill.core.periods import Offset, OffsetUnit
from meterbill.core.pricing import Rate, RateEntry, RateType
from meterbill.services import contracts as contract_service
from meterbill.services import package_cohorts as cohorts
from meterbill.services import packages as package_service
from meterbill.services import products as product_service
from meterbill.services import rate_cards as rate_card_service
from meterbill.services.ids import new_id
from meterbill.storage.uow import UnitOfWork

COHORT = 1000
JAN = datetime(2026, 1, 1, tzinfo=UTC)
APR = datetime(2026, 4, 1, tzinfo=UTC)


def _package(name: str, quantity: int, product_id: str, rate_card_id: str) -> Package:
    return Package(
        id="",
        name=name,
        created_at=JAN,
        rate_card_id=rate_card_id,
        duration=Offset(OffsetUnit.MONTHS, 12),
        subscriptions=(
            PackageSubscription(
                id=new_id(),
                product_id=product_id,
                billing_frequency=BillingFrequency.MONTHLY,
                collection_schedule=CollectionSchedule.ADVANCE,
                initial_quantity=Decimal(quantity),
            ),
        ),
    )


@pytest.fixture
def cohort(engine: Engine) -> tuple[str, str]:
    """Packages A ($10 a month) and B ($20 a month), and 1,000 contracts on A from January."""
    clock = FixedClock(JAN)
    platform = product_service.create(
        UnitOfWork(engine),
        clock,
        product_service.CreateProduct("Platform", ProductType.SUBSCRIPTION),
    ).id
    card = rate_card_service.create(
        UnitOfWork(engine), clock, rate_card_service.CreateRateCard(name="Card")
    ).card.id
    rate = Rate(RateType.SUBSCRIPTION, price=Decimal(1000), quantity=Decimal(1), is_prorated=True)
    entry = RateEntry(platform, JAN, rate, billing_frequency=BillingFrequency.MONTHLY)
    rate_card_service.add_rates(UnitOfWork(engine), clock, card, [entry])
    a = package_service.create(UnitOfWork(engine), clock, _package("A", 1, platform, card)).id
    b = package_service.create(UnitOfWork(engine), clock, _package("B", 2, platform, card)).id
    with UnitOfWork(engine) as uow:
        for index in range(COHORT):
            customer = Customer(new_id(), f"Customer {index}", (), JAN, JAN)
            uow.customers.add(customer)
            request = contract_service.ProvisionRequest(customer.id, JAN, package_id=a)
            package_service.provision(uow, clock, request)
        uow.commit()
    return a, b


def _state(engine: Engine, package_id: str) -> list[tuple[str, datetime | None]]:
    with UnitOfWork(engine, read_only=True) as uow:
        members = uow.packages.contracts_on_package(package_id).items
    return [(m.contract_id, m.ending_before) for m in members]


def test_a_thousand_contracts_preview_then_apply_in_one_transaction(
    engine: Engine, cohort: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = cohort
    clock = FixedClock(datetime(2026, 3, 15, tzinfo=UTC))
    before = _state(engine, a)
    assert len(before) == COHORT

    started = time.perf_counter()
    preview = cohorts.migrate(UnitOfWork(engine), clock, cohorts.MigrateCohort(a, b, APR))
    preview_seconds = time.perf_counter() - started
    assert len(preview.contracts) == COHORT
    # Per contract: March's and April's invoices go from 2 x $10 to 0 + 2 x $20.
    assert {c.difference for c in preview.contracts} == {Decimal(2000)}
    assert preview.difference == Decimal(2000 * COHORT)
    assert _state(engine, a) == before and _state(engine, b) == []

    persist = contract_service.persist_new_contract
    calls = 0

    def failing_half_way(uow: UnitOfWork, contract: Contract) -> None:
        nonlocal calls
        calls += 1
        if calls == COHORT // 2:
            raise RuntimeError("injected failure half-way")
        persist(uow, contract)

    monkeypatch.setattr(contract_service, "persist_new_contract", failing_half_way)
    with pytest.raises(RuntimeError, match="half-way"):
        apply = cohorts.MigrateCohort(a, b, APR, dry_run=False, compare_invoices=False)
        cohorts.migrate(UnitOfWork(engine), clock, apply)
    assert calls == COHORT // 2
    assert _state(engine, a) == before and _state(engine, b) == []
    monkeypatch.setattr(contract_service, "persist_new_contract", persist)

    apply = replace(preview.request, dry_run=False, compare_invoices=False)
    applied = cohorts.migrate(UnitOfWork(engine), clock, apply)
    assert [c.contract_id for c in applied.contracts] == [c.contract_id for c in preview.contracts]
    assert {end for _, end in _state(engine, a)} == {APR}
    moved = _state(engine, b)
    assert len(moved) == COHORT
    print(f"contracts={COHORT} preview_seconds={preview_seconds:.1f}")
