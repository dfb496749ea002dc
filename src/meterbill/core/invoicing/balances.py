"""The seam for commits and credits (the balances area fills it; spec 8.3 steps 5-6).

An invoice's charges are computed first; then ``apply_balances(charges, context)`` returns
the applications of prepaid/postpaid commits and credits to them, which become negative
``applied_commit_or_credit`` lines (postpaid ones do not reduce the total). The default,
:func:`no_balances`, applies nothing.

The balances area replaces the default by passing its own function to
``meterbill.core.invoicing.compute_invoice(..., apply_balances=...)`` (the invoices service
takes it from ``meterbill.services.invoices.BALANCES``), and fills
:class:`BalanceContext` (``drawn_before``, ``customer_commits``) from storage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from meterbill.core.contracts.terms import Commit, Contract
from meterbill.core.drawdown.applicability import DrawableCharge
from meterbill.core.drawdown.apply import Application as DrawApplication
from meterbill.core.drawdown.apply import Drawdown, draw_down
from meterbill.core.drawdown.balances import balance_segments, contract_commits
from meterbill.core.drawdown.segments import BalanceSegment
from meterbill.core.invoicing.inputs import BillingInputs
from meterbill.core.invoicing.model import AppliedBalance, InvoiceKey, LineItem, LineType
from meterbill.core.periods import Period
from meterbill.core.pricing import DrawnBalance, OverrideTarget, Usage, price_usage, rate_in_force
from meterbill.core.rounding import EXACT_CONTEXT, exact_sum

_NOTHING: Mapping[str, Decimal] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class BalanceContext:
    """What drawdown needs besides the charges.

    ``drawn_before`` maps an access segment (or balance) id to what invoices finalised before
    this one already consumed from it; ``customer_commits`` are customer-level commits and
    credits that may apply to this contract. ``as_of`` is the instant of the computation.
    """

    contract: Contract
    key: InvoiceKey
    as_of: datetime
    drawn_before: Mapping[str, Decimal] = field(default_factory=lambda: _NOTHING)
    customer_commits: tuple[Commit, ...] = ()
    # --- balances: filled by meterbill.services.balances.balance_context ---
    # Every segment the invoice may draw on, at what remains of it (None: built from the
    # contract, ``customer_commits`` and ``drawn_before`` by the drawdown).
    segments: tuple[BalanceSegment, ...] | None = None
    # The commits and credits by id (names and products of the applied lines).
    commits: Mapping[str, Commit] = field(default_factory=lambda: MappingProxyType({}))
    # Re-prices a line drawn from a COMMIT_RATE balance or under a commit-specific override:
    # ``reprice(line, segment) -> amount`` (None: every balance pays the line's total).
    reprice: Callable[[LineItem, BalanceSegment], Decimal] | None = None


@dataclass(frozen=True, slots=True)
class Application:
    """``amount`` (positive) drawn from ``balance`` to pay for charges of ``credit_type_id``.

    ``product_id`` / ``name`` are the commit's or credit's (the line shows them);
    ``starting_at`` / ``ending_before`` the access segment's window.
    """

    balance: AppliedBalance
    amount: Decimal
    credit_type_id: str
    name: str
    product_id: str | None = None
    starting_at: datetime | None = None
    ending_before: datetime | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


ApplyBalances = Callable[[Sequence[LineItem], BalanceContext], Sequence[Application]]
"""``apply_balances(charges, context) -> applications``: pure, deterministic."""


def no_balances(charges: Sequence[LineItem], context: BalanceContext) -> tuple[Application, ...]:
    """The default until the balances area lands: no commit or credit applies."""
    del charges, context
    return ()


def applied_lines(applications: Sequence[Application]) -> tuple[LineItem, ...]:
    """One negative ``applied_commit_or_credit`` line per application."""
    return tuple(
        LineItem(
            type=LineType.APPLIED_COMMIT_OR_CREDIT,
            name=application.name,
            total=EXACT_CONTEXT.minus(application.amount),
            credit_type_id=application.credit_type_id,
            product_id=application.product_id,
            product_type="FixedProductListItem",
            starting_at=application.starting_at,
            ending_before=application.ending_before,
            commit_id=application.balance.id,
            commit_type="PostpaidCommit"
            if application.balance.type == "POSTPAID"
            else "PrepaidCommit",
            commit_segment_id=application.balance.segment_id,
            applied_commit_or_credit=application.balance,
            custom_fields=application.custom_fields,
        )
        for application in applications
    )


def _commit_type(balance: AppliedBalance) -> str:
    """``PostpaidCommit`` for POSTPAID, ``PrepaidCommit`` for PREPAID and CREDIT (the SDK)."""
    return "PostpaidCommit" if balance.type == "POSTPAID" else "PrepaidCommit"


# --- balances: the drawdown installed by meterbill.services.invoices ---------------------------

_NOT_DRAWABLE = frozenset(
    {
        LineType.APPLIED_COMMIT_OR_CREDIT,
        LineType.COMMIT_PURCHASE,
        LineType.CPU_CONVERSION,
        LineType.POSTPAID_TRUEUP,
    }
)


def apply_commits_and_credits(
    charges: Sequence[LineItem], context: BalanceContext
) -> tuple[Application, ...]:
    """Draw the contract's (and its customer's) commits and credits against ``charges``.

    Each line is a charge over its service window (a line without one: the invoice's window,
    an instant for SCHEDULED invoices). Commit purchases never draw on balances. One
    application per segment drawn, in the order the segments were first drawn; its amount is
    the covered share of the lines (``meterbill.core.drawdown.apply``).
    """
    result = drawdown_for(charges, context)
    segments = context.segments if context.segments is not None else _segments_of(context)
    return _per_segment(result.applications, segments, context)


def _segments_of(context: BalanceContext) -> tuple[BalanceSegment, ...]:
    return balance_segments(
        context.contract,
        context.key.ending_before,
        customer_commits=context.customer_commits,
        drawn_before=context.drawn_before,
    )


def _drawable(
    charges: Sequence[LineItem], context: BalanceContext
) -> list[tuple[DrawableCharge, LineItem]]:
    found = []
    for index, line in enumerate(charges):
        if line.type in _NOT_DRAWABLE:
            continue
        start = line.starting_at or context.key.starting_at
        end = line.ending_before or context.key.ending_before
        charge = DrawableCharge(
            id=f"line-{index:06}",
            product_id=line.product_id or "",
            starting_at=start,
            ending_before=end,
            amount=line.total,
            quantity=line.quantity if line.quantity is not None else Decimal(1),
            credit_type_id=line.credit_type_id,
            product_tags=frozenset(line.product_tags),
            pricing_group_values=line.pricing_group_values or _NO_GROUPS,
            presentation_group_values=line.presentation_group_values or _NO_GROUPS,
            is_usage=line.type is LineType.USAGE,
            sequence=index,
        )
        found.append((charge, line))
    return found


def _per_segment(
    applications: Sequence[DrawApplication],
    segments: Sequence[BalanceSegment],
    context: BalanceContext,
) -> tuple[Application, ...]:
    by_segment = {s.segment_id: s for s in segments}
    amounts: dict[str, Decimal] = {}
    for a in applications:
        amounts[a.segment_id] = EXACT_CONTEXT.add(amounts.get(a.segment_id, Decimal(0)), a.amount)
    return tuple(
        _application(by_segment[segment_id], amount, context)
        for segment_id, amount in amounts.items()
    )


def _application(segment: BalanceSegment, amount: Decimal, context: BalanceContext) -> Application:
    commit = context.commits.get(segment.commit_id)
    default_name = "Credit" if segment.kind.value == "CREDIT" else "Commit"
    name = (commit.name if commit is not None else None) or default_name
    return Application(
        balance=AppliedBalance(
            segment.commit_id, segment.kind.value, segment.access_type.value, segment.segment_id
        ),
        amount=amount,
        credit_type_id=context.key.credit_type_id,
        name=name,
        product_id=commit.product_id if commit is not None else None,
        starting_at=segment.starting_at,
        ending_before=segment.ending_before,
        custom_fields=segment.custom_fields,
    )


_NO_GROUPS: Mapping[str, str | None] = MappingProxyType({})


def balance_repricer(inputs: BillingInputs) -> Callable[[LineItem, BalanceSegment], Decimal]:
    """``reprice(line, segment)``: what a usage line costs when drawn from ``segment``.

    A COMMIT_RATE balance prices at the rate's commit rate; commit-specific overrides naming
    the balance apply. Anything else (LIST_RATE without commit-specific overrides, non-usage
    lines) costs the line's total. NOTE: a tiered line is re-priced from the start of its band
    (``tier.starting_at``), which is exact for every band but the one the period started in.
    """
    contract = inputs.contract
    specific = any(o.is_commit_specific for o in contract.overrides)

    def reprice(line: LineItem, segment: BalanceSegment) -> Decimal:
        if line.type is not LineType.USAGE or line.product_id is None:
            return line.total
        if segment.rate_type is OverrideTarget.LIST_RATE and not specific:
            return line.total
        at = line.starting_at or contract.starting_at
        pricing = dict(line.pricing_group_values or {})
        entry = rate_in_force(
            inputs.rate_entries, line.product_id, at, pricing_group_values=pricing
        )
        if entry is None or line.quantity is None:
            return line.total
        usage = Usage(
            line.product_id,
            at,
            frozenset(line.product_tags),
            pricing_group_values=pricing,
            presentation_group_values=dict(line.presentation_group_values or {}),
            balance=DrawnBalance(segment.commit_id, segment.rate_type, segment.recurring_commit_id),
        )
        priced = price_usage(
            entry,
            contract.overrides,
            usage,
            line.quantity,
            already=line.tier.starting_at if line.tier is not None else Decimal(0),
            prioritization=contract.multiplier_override_prioritization,
        )
        return priced.amount

    return reprice


def settle_trueups(
    charges: Sequence[LineItem], applications: Sequence[Application], context: BalanceContext
) -> tuple[LineItem, ...]:
    """Each ``postpaid_trueup`` line at the shortfall of its commit; dropped when none.

    The shortfall is what remains of the commit's segments after earlier invoices (the
    context's segments) and after this invoice's own applications of it (``true_up``:
    $120K committed, $100K drawn => $20K).
    """
    settled: list[LineItem] = []
    for line in charges:
        if line.type is not LineType.POSTPAID_TRUEUP:
            settled.append(line)
            continue
        shortfall = _shortfall(line, applications, context)
        if shortfall > 0:
            settled.append(
                replace(line, total=shortfall, quantity=Decimal(1), unit_price=shortfall)
            )
    return tuple(settled)


def _shortfall(
    line: LineItem, applications: Sequence[Application], context: BalanceContext
) -> Decimal:
    segments = context.segments if context.segments is not None else _segments_of(context)
    remaining = [s.remaining for s in segments if s.commit_id == line.commit_id]
    if not remaining:
        return Decimal(0)
    drawn_here = exact_sum(a.amount for a in applications if a.balance.id == line.commit_id)
    left = EXACT_CONTEXT.subtract(exact_sum(remaining), drawn_here)
    return max(Decimal(0), left)


def access_cuts(contract: Contract, period: Period) -> tuple[datetime, ...]:
    """The instants inside ``period`` where one of the contract's balances starts or ends.

    Usage lines are cut there so a balance whose access starts or ends mid-period pays
    exactly for the usage inside its window (a line must lie inside a segment to draw on it).
    NOTE: customer-level balances are not in the contract's terms and do not cut lines
    (docs/decisions/balances-access-cuts.md).
    """
    moments: set[datetime] = set()
    for commit in contract_commits(contract, period.ending_before):
        for item in commit.access_schedule.items:
            moments.update((item.starting_at, item.ending_before))
    inside = (m for m in moments if period.starting_at < m < period.ending_before)
    return tuple(sorted(inside))


def drawdown_for(charges: Sequence[LineItem], context: BalanceContext) -> Drawdown:
    """The drawdown core's result for ``charges`` (applications per line, with ``drawn``)."""
    segments = context.segments if context.segments is not None else _segments_of(context)
    drawable = _drawable(charges, context)
    by_id = {charge.id: line for charge, line in drawable}

    def reprice(charge: DrawableCharge, segment: BalanceSegment) -> Decimal:
        if context.reprice is None:
            return charge.amount
        return context.reprice(by_id[charge.id], segment)

    return draw_down([charge for charge, _ in drawable], segments, reprice)
