"""Properties of the invoice function: exact totals, determinism, recomputation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from meterbill.core.contracts.terms import Override
from meterbill.core.invoicing import BillingInputs, UsageTable, compute_invoice, usage_for
from meterbill.core.pricing import OverrideType, specifiers_for
from meterbill.core.rounding import exact_sum
from tests.unit.invoicing.builders import (
    FEB,
    JAN,
    contract,
    flat,
    month_key,
    rate,
    tiered,
    usage_product,
)

quantities = st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False)
prices = st.decimals(min_value=0, max_value=10**4, places=8, allow_nan=False)
moments = st.integers(min_value=1, max_value=30 * 24 - 1).map(lambda h: JAN + timedelta(hours=h))


def _inputs(*entries: object, overrides: tuple[Override, ...] = ()) -> BillingInputs:
    return BillingInputs(
        contract=contract(overrides=overrides),
        rate_entries=tuple(entries),  # type: ignore[arg-type]
        products={"a": usage_product("a"), "b": usage_product("b", pricing_group_key=("region",))},
    )


@settings(max_examples=60, deadline=None)
@given(quantities, quantities, prices, prices)
def test_total_is_the_exact_sum_of_the_lines(
    qa: Decimal, qb: Decimal, pa: Decimal, pb: Decimal
) -> None:
    inputs = _inputs(rate("a", tiered((pa, 1000), (pb, None))), rate("b", flat(pb)))
    key = month_key(JAN, FEB)
    a, b = usage_for(key, inputs)
    table: UsageTable = {a: {(): qa}, b: {("eu",): qb, ("us",): qa}}
    invoice = compute_invoice(key, replace(inputs, usage=table), FEB)
    assert invoice.total == exact_sum(line.total for line in invoice.line_items)
    for line in invoice.line_items:
        assert line.quantity is not None and line.unit_price is not None
        assert line.total == line.quantity * line.unit_price


@settings(max_examples=60, deadline=None)
@given(quantities, quantities, moments, prices, prices)
def test_splitting_usage_at_an_inert_cut_gives_the_same_invoice_total(
    first: Decimal, second: Decimal, cut: datetime, low: Decimal, high: Decimal
) -> None:
    rate_a = rate("a", tiered((high, 500), (low, None)))
    whole = _inputs(rate_a)
    key = month_key(JAN, FEB)
    [only] = usage_for(key, whole)
    one = compute_invoice(key, replace(whole, usage={only: {(): first + second}}), FEB)
    inert = Override("x", cut, specifiers_for("a"), OverrideType.MULTIPLIER, multiplier=Decimal(1))
    split = _inputs(rate_a, overrides=(inert,))
    early, late = usage_for(key, split)
    two = compute_invoice(key, replace(split, usage={early: {(): first}, late: {(): second}}), FEB)
    assert two.total == one.total


@settings(max_examples=30, deadline=None)
@given(quantities, prices)
def test_the_invoice_is_deterministic(quantity: Decimal, price: Decimal) -> None:
    inputs = _inputs(rate("a", flat(price)))
    key = month_key(JAN, FEB)
    [usage] = usage_for(key, inputs)
    inputs = replace(inputs, usage={usage: {(): quantity}})
    as_of = datetime(2026, 3, 1, tzinfo=UTC)
    assert compute_invoice(key, inputs, as_of) == compute_invoice(key, inputs, as_of)
    assert compute_invoice(key, inputs, as_of).id == compute_invoice(key, inputs, FEB).id
