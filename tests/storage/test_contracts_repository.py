"""Contracts in storage on both backends: the seams other areas use."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from meterbill.clock import FixedClock
from meterbill.core.catalog import ProductType
from meterbill.core.contracts.edits import ContractEdit
from meterbill.core.contracts.terms import AccessItem, AccessSchedule, Commit, CommitKind, Contract
from meterbill.core.errors import Conflict
from meterbill.core.periods import Period
from meterbill.services import contracts as service
from meterbill.services import customers as customer_service
from meterbill.services import products as product_service
from meterbill.storage.uow import UnitOfWork


def at(month: int, year: int = 2026) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


@pytest.fixture
def customer(engine: Engine) -> str:
    clock = FixedClock(at(1))
    return customer_service.create(
        UnitOfWork(engine), clock, customer_service.CreateCustomer(name="Acme")
    ).id


def contract(customer: str, ident: str, start: datetime, end: datetime | None = None) -> Contract:
    return Contract(
        id=ident, customer_id=customer, starting_at=start, created_at=at(1), ending_before=end
    )


def test_persist_then_load_gives_the_terms_back(engine: Engine, customer: str) -> None:
    clock = FixedClock(at(1))
    product = product_service.create(
        UnitOfWork(engine),
        clock,
        product_service.CreateProduct(name="Credits", type=ProductType.FIXED),
    ).id
    credit = Commit(
        id="k1",
        kind=CommitKind.CREDIT,
        product_id=product,
        access_schedule=AccessSchedule(
            (AccessItem("a1", Decimal("12345678901234567.123456789012"), at(1), at(2)),)
        ),
    )
    new = replace(contract(customer, "c1", at(1), at(1, 2027)), commits=(credit,))
    with UnitOfWork(engine) as uow:
        service.persist_new_contract(uow, new)
        uow.commit()
    with UnitOfWork(engine) as uow:
        loaded = service.load_contract(uow, "c1")
        assert uow.contracts.term("k1") is not None
    assert loaded == new


def test_a_reused_uniqueness_key_conflicts(engine: Engine, customer: str) -> None:
    with UnitOfWork(engine) as uow:
        service.persist_new_contract(
            uow, replace(contract(customer, "c1", at(1)), uniqueness_key="k")
        )
        uow.commit()
    with UnitOfWork(engine) as uow, pytest.raises(Conflict):
        service.persist_new_contract(
            uow, replace(contract(customer, "c2", at(1)), uniqueness_key="k")
        )


def test_contracts_overlapping_a_window(engine: Engine, customer: str) -> None:
    with UnitOfWork(engine) as uow:
        service.persist_new_contract(uow, contract(customer, "jan", at(1), at(2)))
        service.persist_new_contract(uow, contract(customer, "feb-open", at(2)))
        service.persist_new_contract(uow, contract(customer, "jun", at(6), at(7)))
        uow.commit()
    with UnitOfWork(engine) as uow:
        found = [c.id for c in service.contracts_overlapping(uow, Period(at(2), at(3)))]
        everything = [c.id for c in uow.contracts.overlapping(at(1), at(12), batch=1)]
    assert found == ["feb-open"]
    assert everything == ["jan", "feb-open", "jun"]


def test_each_edit_makes_a_version(engine: Engine, customer: str) -> None:
    with UnitOfWork(engine) as uow:
        service.persist_new_contract(uow, contract(customer, "c1", at(1)))
        uow.commit()
    change = ContractEdit(
        id="e1", contract_id="c1", customer_id=customer, created_at=at(3),
        given=frozenset({"name"}), name="Renamed",
    )  # fmt: skip
    service.edit(UnitOfWork(engine), service.ContractEditRequest(change))
    with UnitOfWork(engine) as uow:
        assert service.load_contract(uow, "c1").name == "Renamed"
        assert uow.contracts.initial("c1") == contract(customer, "c1", at(1))
        assert [e.id for e in uow.contracts.edits("c1")] == ["e1"]
        before = uow.contracts.as_of("c1", at(2))
        assert before is not None and before.name is None
