"""Balance repository on both backends: customer commits and exact ledger entries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine

from meterbill.core.contracts.terms import AccessItem, AccessSchedule, Commit, CommitKind
from meterbill.core.drawdown import LedgerEntry, LedgerEntryType
from meterbill.storage.repositories.balances import CustomerCommit
from meterbill.storage.uow import UnitOfWork

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2027, 1, 1, tzinfo=UTC)


def _stored(commit_id: str, kind: CommitKind, key: str | None) -> CustomerCommit:
    commit = Commit(
        id=commit_id,
        kind=kind,
        product_id="p",
        access_schedule=AccessSchedule((AccessItem(f"{commit_id}-s", Decimal("1.5"), T0, T1),)),
        priority=Decimal(1),
        ordinal=1,
    )
    return CustomerCommit("cust", commit, ("k1",), None, key, T0)


def test_customer_commits_round_trip_and_share_one_uniqueness_key_space(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        assert uow.balances.add_customer_commit(_stored("c1", CommitKind.PREPAID, "key"))
        assert not uow.balances.add_customer_commit(_stored("c2", CommitKind.CREDIT, "key"))
        assert uow.balances.add_customer_commit(_stored("c3", CommitKind.CREDIT, None))
        uow.commit()
    with UnitOfWork(engine) as uow:
        found = uow.balances.customer_commits("cust")
        assert [s.commit.id for s in found] == ["c1", "c3"]
        assert found[0] == _stored("c1", CommitKind.PREPAID, "key")
        assert found[0].applies_to_contract("k1") and not found[0].applies_to_contract("k2")


def test_ledger_entries_keep_exact_amounts_and_refuse_a_reused_key(engine: Engine) -> None:
    tiny = Decimal("-12345678901234567.123456789012")
    entry = LedgerEntry(
        "c1", "c1-s", LedgerEntryType.PREPAID_COMMIT_MANUAL, tiny, T0, reason="goodwill"
    )
    with UnitOfWork(engine) as uow:
        assert uow.balances.add_entries("cust", [entry], T0, uniqueness_key="m1")
        assert not uow.balances.add_entries("cust", [entry], T0, uniqueness_key="m1")
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert uow.balances.entries_for_customer("cust") == [entry]
        assert uow.balances.entries_for_commits(["c1"]) == [entry]
