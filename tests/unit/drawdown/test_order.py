"""The drawdown order (spec/decisions.md §6): one test per tie-break, then totality."""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.contracts.terms import CommitKind
from meterbill.core.drawdown import BalanceLevel, in_drawdown_order

from .builders import APR, FEB, JAN, MAR, segment


def _order(*segments: object) -> list[str]:
    return [s.commit_id for s in in_drawdown_order(segments)]  # type: ignore[arg-type]


def test_lower_priority_number_is_drawn_first() -> None:
    late = segment("late", priority=Decimal(100), ordinal=0)
    early = segment("early", priority=Decimal(50), ordinal=1)
    assert _order(late, early) == ["early", "late"]


def test_a_balance_without_priority_comes_after_every_explicit_priority() -> None:
    none = segment("none", priority=None, ordinal=0)
    high = segment("high", priority=Decimal(1000), ordinal=1)
    assert _order(none, high) == ["high", "none"]


def test_contract_level_precedes_customer_level_at_equal_priority() -> None:
    customer = segment("customer", priority=Decimal(1), level=BalanceLevel.CUSTOMER, ordinal=0)
    contract = segment("contract", priority=Decimal(1), zero_cost_basis=False, ordinal=1)
    assert _order(customer, contract) == ["contract", "customer"]


def test_customer_level_with_a_lower_priority_still_comes_first() -> None:
    customer = segment("customer", priority=Decimal(1), level=BalanceLevel.CUSTOMER)
    contract = segment("contract", priority=Decimal(2))
    assert _order(contract, customer) == ["customer", "contract"]


def test_zero_cost_basis_is_drawn_before_paid_at_equal_priority() -> None:
    paid = segment("paid", priority=Decimal(1), zero_cost_basis=False, ordinal=0)
    free = segment("free", priority=Decimal(1), zero_cost_basis=True, ordinal=1)
    assert _order(paid, free) == ["free", "paid"]


def test_credits_are_not_inherently_before_commits() -> None:
    credit = segment("credit", kind=CommitKind.CREDIT, priority=Decimal(2), zero_cost_basis=True)
    commit = segment("commit", kind=CommitKind.PREPAID, priority=Decimal(1))
    assert _order(credit, commit) == ["commit", "credit"]


def test_fewest_applicable_products_first() -> None:
    wide = segment("wide", applicable_product_count=5, ordinal=0)
    narrow = segment("narrow", applicable_product_count=1, ordinal=1)
    everything = segment("everything", applicable_product_count=None, ordinal=2)
    assert _order(everything, wide, narrow) == ["narrow", "wide", "everything"]


def test_earliest_ending_before_first() -> None:
    later = segment("later", ending_before=APR, ordinal=0)
    sooner = segment("sooner", ending_before=MAR, ordinal=1)
    assert _order(later, sooner) == ["sooner", "later"]


def test_earliest_starting_at_first() -> None:
    later = segment("later", starting_at=FEB, ending_before=APR, ordinal=0)
    sooner = segment("sooner", starting_at=JAN, ending_before=APR, ordinal=1)
    assert _order(later, sooner) == ["sooner", "later"]


def test_creation_order_is_the_last_business_tie_break() -> None:
    second = segment("a-second", ordinal=2)
    first = segment("z-first", ordinal=1)
    assert _order(second, first) == ["z-first", "a-second"]


def test_ids_break_a_tie_on_everything_else() -> None:
    assert _order(segment("b"), segment("a")) == ["a", "b"]


def test_postpaid_commits_come_after_every_prepaid_balance() -> None:
    postpaid = segment("postpaid", kind=CommitKind.POSTPAID, priority=Decimal(0))
    prepaid = segment("prepaid", priority=Decimal(999), level=BalanceLevel.CUSTOMER)
    credit = segment("credit", kind=CommitKind.CREDIT, priority=None)
    assert _order(postpaid, prepaid, credit) == ["prepaid", "credit", "postpaid"]


def test_rollover_commits_come_first() -> None:
    rolled = segment("rolled", is_rollover=True, priority=Decimal(100))
    prepaid = segment("prepaid", priority=Decimal(1), zero_cost_basis=True)
    assert _order(prepaid, rolled) == ["rolled", "prepaid"]


def test_postpaid_rollover_precedes_prepaid_rollover() -> None:
    prepaid = segment("prepaid", is_rollover=True, priority=Decimal(1))
    postpaid = segment("postpaid", is_rollover=True, kind=CommitKind.POSTPAID, priority=Decimal(9))
    assert _order(prepaid, postpaid) == ["postpaid", "prepaid"]
