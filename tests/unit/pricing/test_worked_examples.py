"""The spec's worked examples (metronome-semantics.md §5.4, §8.4), amounts in cents."""

from __future__ import annotations

from decimal import Decimal

from meterbill.core.pricing import (
    CommitRate,
    DrawnBalance,
    Override,
    OverrideSpecifier,
    OverrideTarget,
    OverrideType,
    Rate,
    RateType,
    Usage,
    price_rate,
    price_usage,
    rate_in_force,
    specifiers_for,
)

from .builders import JAN, MID_JAN, d, entry, flat, tiered


def test_graduated_tiers_charge_each_band_at_its_own_rate() -> None:
    # 10,000 calls at 1 cent, then 0.5 cent: 15,000 calls cost $125.
    charge = price_rate(tiered((1, 10000), ("0.5", None)), d(15000))

    assert charge.amount == d(12500)
    assert [(b.level, b.starting_at, b.quantity, b.amount) for b in charge.bands] == [
        (1, d(0), d(10000), d(10000)),
        (2, d(10000), d(5000), d(2500)),
    ]


THREE_TIERS = tiered((1, 10000), ("0.5", 90000), ("0.2", None))


def test_three_tiers_50000_calls_cost_300_dollars() -> None:
    charge = price_rate(THREE_TIERS, d(50000))

    assert charge.amount == d(30000)
    assert [b.quantity for b in charge.bands] == [d(10000), d(40000)]


def test_three_tiers_150000_calls_cost_650_dollars() -> None:
    charge = price_rate(THREE_TIERS, d(150000))

    assert charge.amount == d(65000)
    assert [b.amount for b in charge.bands] == [d(10000), d(45000), d(10000)]
    assert [b.size for b in charge.bands] == [d(10000), d(90000), None]


def test_flat_rate_150000_calls_at_a_tenth_of_a_cent_cost_150_dollars() -> None:
    assert price_rate(flat("0.1"), d(150000)).amount == d(15000)


def test_subscription_plus_overage_costs_99_dollars() -> None:
    subscription = Rate(RateType.SUBSCRIPTION, price=d(4900), quantity=d(1), is_prorated=True)

    amount = price_rate(subscription, d(1)).amount + price_rate(flat(1), d(5000)).amount

    assert amount == d(9900)


def test_dimensional_pricing_picks_the_rate_of_each_model() -> None:
    # gpt-4 50,000 tokens at 0.3 cent + gpt-3.5 200,000 at 0.1 cent + $20 subscription = $370
    # before the $20 credit (the spec's $350 total is after that credit).
    card = (
        entry("tokens", flat("0.3"), pricing_group_values={"model": "gpt-4"}),
        entry("tokens", flat("0.1"), pricing_group_values={"model": "gpt-3.5"}),
    )
    gpt4 = rate_in_force(card, "tokens", MID_JAN, pricing_group_values={"model": "gpt-4"})
    gpt35 = rate_in_force(card, "tokens", MID_JAN, pricing_group_values={"model": "gpt-3.5"})
    assert gpt4 is not None and gpt35 is not None

    usage = price_rate(gpt4.rate, d(50000)).amount + price_rate(gpt35.rate, d(200000)).amount
    subscription = price_rate(Rate(RateType.SUBSCRIPTION, price=d(2000)), d(1)).amount

    assert (price_rate(gpt4.rate, d(50000)).amount, usage) == (d(15000), d(35000))
    assert usage + subscription - d(2000) == d(35000)


# The commit-rate table of "discounting on commits": list, shared commit rate, commit A's
# negotiated commit rate (commit-specific COMMIT_RATE x0.9), negotiated on-demand (list x0.8).
COMMIT_A = DrawnBalance("commit-a", rate_type=OverrideTarget.COMMIT_RATE)
OTHER_COMMIT = DrawnBalance("commit-b", rate_type=OverrideTarget.COMMIT_RATE)


def _table_overrides(product_id: str) -> tuple[Override, ...]:
    on_demand = Override(
        "on-demand", JAN, specifiers_for(product_id), OverrideType.MULTIPLIER, multiplier=d("0.8")
    )
    commit_a = Override(
        "commit-a-rate",
        JAN,
        (OverrideSpecifier(product_id=product_id, commit_ids=frozenset({"commit-a"})),),
        OverrideType.MULTIPLIER,
        multiplier=d("0.9"),
        is_commit_specific=True,
        target=OverrideTarget.COMMIT_RATE,
    )
    return on_demand, commit_a


def _unit_price(product_id: str, list_price: int, commit_price: int, balance: object) -> Decimal:
    rate_entry = entry(
        product_id, flat(list_price), commit_rate=CommitRate(RateType.FLAT, price=d(commit_price))
    )
    usage = Usage(product_id, MID_JAN, balance=balance)  # type: ignore[arg-type]
    return price_usage(rate_entry, _table_overrides(product_id), usage, d(1)).amount


def test_commit_rate_table_audio_input_tokens() -> None:
    # list $10, commit rate $8, commit A $7.20, on demand $8 (per 1M tokens, in dollars)
    assert _unit_price("audio-in", 10, 8, None) == d(8)
    assert _unit_price("audio-in", 10, 8, OTHER_COMMIT) == d(8)
    assert _unit_price("audio-in", 10, 8, COMMIT_A) == d("7.2")


def test_commit_rate_table_audio_output_tokens() -> None:
    assert _unit_price("audio-out", 20, 19, None) == d(16)
    assert _unit_price("audio-out", 20, 19, OTHER_COMMIT) == d(19)
    assert _unit_price("audio-out", 20, 19, COMMIT_A) == d("17.1")


def test_list_rate_commits_consume_at_the_overridden_list_rate() -> None:
    list_commit = DrawnBalance("commit-c", rate_type=OverrideTarget.LIST_RATE)

    assert _unit_price("audio-in", 10, 8, list_commit) == d(8)
