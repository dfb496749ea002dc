"""The invoicing seams of the balances area: access cuts and postpaid true-up settlement."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from meterbill.core.contracts.terms import (
    USD_CENTS,
    AccessItem,
    AccessSchedule,
    Commit,
    CommitKind,
    Contract,
)
from meterbill.core.invoicing import InvoiceKey, InvoiceType, LineItem, LineType
from meterbill.core.invoicing.balances import (
    Application,
    AppliedBalance,
    BalanceContext,
    access_cuts,
    settle_trueups,
)
from meterbill.core.periods import Period
from tests.unit.drawdown.builders import FEB, JAN, NEXT_YEAR, segment, utc


def _contract(*items: tuple[datetime, datetime]) -> Contract:
    access = tuple(AccessItem(f"s{i}", Decimal(10), a, b) for i, (a, b) in enumerate(items))
    commit = Commit("c", CommitKind.CREDIT, "p", AccessSchedule(access, USD_CENTS))
    return Contract(id="k", customer_id="cu", starting_at=JAN, created_at=JAN, commits=(commit,))


def test_access_boundaries_strictly_inside_the_period_cut_it() -> None:
    contract = _contract((utc(2026, 1, 15), utc(2026, 2, 15)), (JAN, FEB))
    assert access_cuts(contract, Period(JAN, FEB)) == (utc(2026, 1, 15),)
    assert access_cuts(contract, Period(FEB, utc(2026, 3, 1))) == (utc(2026, 2, 15),)


def test_boundaries_on_the_period_edges_do_not_cut() -> None:
    assert access_cuts(_contract((JAN, FEB)), Period(JAN, FEB)) == ()


def _trueup(total: int) -> LineItem:
    return LineItem(
        type=LineType.POSTPAID_TRUEUP,
        name="Minimum",
        total=Decimal(total),
        credit_type_id=USD_CENTS,
        commit_id="post",
    )


def _context(remaining: int) -> BalanceContext:
    key = InvoiceKey("k", InvoiceType.SCHEDULED, USD_CENTS, NEXT_YEAR, NEXT_YEAR)
    post = segment("post", 12_000_000, kind=CommitKind.POSTPAID, remaining=Decimal(remaining))
    return BalanceContext(_contract(), key, NEXT_YEAR, segments=(post,))


def test_the_true_up_is_the_shortfall_left_by_earlier_invoices() -> None:
    settled = settle_trueups([_trueup(12_000_000)], [], _context(2_000_000))
    assert [line.total for line in settled] == [Decimal(2_000_000)]


def test_draws_of_the_same_invoice_reduce_the_true_up() -> None:
    drawn = Application(AppliedBalance("post", "POSTPAID", "SPEND", "post-s"), Decimal(500_000),
                        USD_CENTS, "Minimum")  # fmt: skip
    settled = settle_trueups([_trueup(12_000_000)], [drawn], _context(2_000_000))
    assert [line.total for line in settled] == [Decimal(1_500_000)]


def test_no_shortfall_drops_the_line() -> None:
    assert settle_trueups([_trueup(12_000_000)], [], _context(-5)) == ()
