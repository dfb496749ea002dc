"""Ledgers: entry types, deductions, balances and derived expirations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from meterbill.core.contracts.terms import CommitKind
from meterbill.core.drawdown import (
    LedgerEntry,
    LedgerEntryType,
    LedgerEvent,
    balance_of,
    deduction_entries,
    draw_down,
    entry_type,
    expirations,
    opening_entries,
    remaining_by_segment,
    segments_of,
)

from .builders import APR, FEB, JAN, JUL, MAR, charge, commit, utc

QUARTERLY = [(3_000_000, JAN, APR), (3_000_000, APR, JUL)]


def test_entry_types_follow_metronome_names() -> None:
    assert entry_type(CommitKind.PREPAID, LedgerEvent.DEDUCTION) is (
        LedgerEntryType.PREPAID_COMMIT_AUTOMATED_INVOICE_DEDUCTION
    )
    assert entry_type(CommitKind.CREDIT, LedgerEvent.START) is LedgerEntryType.CREDIT_SEGMENT_START
    assert entry_type(CommitKind.POSTPAID, LedgerEvent.START) is (
        LedgerEntryType.POSTPAID_COMMIT_INITIAL_BALANCE
    )
    with pytest.raises(ValueError):
        entry_type(CommitKind.CREDIT, LedgerEvent.TRUEUP)


def test_a_prepaid_commit_opens_one_segment_start_per_access_item() -> None:
    entries = opening_entries(commit("c", QUARTERLY))
    assert [(e.type, e.amount, e.timestamp) for e in entries] == [
        (LedgerEntryType.PREPAID_COMMIT_SEGMENT_START, Decimal(3_000_000), JAN),
        (LedgerEntryType.PREPAID_COMMIT_SEGMENT_START, Decimal(3_000_000), APR),
    ]


def test_a_postpaid_commit_opens_one_initial_balance() -> None:
    postpaid = commit("p", [(12_000_000, JAN, utc(2027, 1, 1))], kind=CommitKind.POSTPAID)
    (entry,) = opening_entries(postpaid)
    assert (entry.type, entry.amount) == (
        LedgerEntryType.POSTPAID_COMMIT_INITIAL_BALANCE,
        Decimal(12_000_000),
    )


def test_deductions_sum_the_applications_per_segment_negatively() -> None:
    c = commit("c", QUARTERLY)
    result = draw_down([charge("a", 100), charge("b", 50)], segments_of(c))
    (entry,) = deduction_entries(result.applications, "inv-1", FEB)
    assert (entry.type, entry.amount, entry.invoice_id, entry.segment_id) == (
        LedgerEntryType.PREPAID_COMMIT_AUTOMATED_INVOICE_DEDUCTION,
        Decimal(-150),
        "inv-1",
        "c-s0",
    )


def test_the_sum_of_entries_is_the_remaining_and_the_balance_counts_active_segments() -> None:
    c = commit("c", QUARTERLY)
    deduction = LedgerEntryType.PREPAID_COMMIT_AUTOMATED_INVOICE_DEDUCTION
    q1 = LedgerEntry("c", "c-s0", deduction, Decimal(-2_025_000), APR, invoice_id="i")
    entries = [*opening_entries(c), q1]
    assert remaining_by_segment(entries) == {"c-s0": Decimal(975_000), "c-s1": Decimal(3_000_000)}
    assert balance_of(segments_of(c), entries, MAR) == Decimal(975_000)
    assert balance_of(segments_of(c), entries, APR) == Decimal(3_000_000)
    assert balance_of(segments_of(c), entries, JUL) == Decimal(0)


def test_manual_entries_beyond_the_balance_give_zero_not_negative() -> None:
    c = commit("c", [(100, JAN, APR)])
    manual = LedgerEntry("c", "c-s0", LedgerEntryType.PREPAID_COMMIT_MANUAL, Decimal(-500), MAR)
    assert balance_of(segments_of(c), [*opening_entries(c), manual], FEB) == Decimal(0)


def test_an_ended_segment_with_something_left_expires_at_its_end() -> None:
    c = commit("c", QUARTERLY)
    entries = opening_entries(c)
    (expired,) = expirations(segments_of(c), entries, APR)
    assert (expired.type, expired.amount, expired.timestamp) == (
        LedgerEntryType.PREPAID_COMMIT_EXPIRATION,
        Decimal(-3_000_000),
        APR,
    )
    assert expirations(segments_of(c), entries, MAR) == []
