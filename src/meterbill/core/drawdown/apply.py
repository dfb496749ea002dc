"""Apply balance segments to charges: the drawdown itself.

Charges are served in time order (service window start, end, then ``sequence`` and id); each
charge draws from the segments that apply to it in the drawdown order until it is covered or
they are empty. Serving charges in time order makes the drawdown *prefix-consistent*: drawing a
period's charges in several batches, each from what the previous ones left, gives exactly the
applications of one batch (``tests/unit/drawdown/test_properties.py``).

A SPEND segment pays money: from a LIST_RATE balance the charge costs ``amount``, from a
COMMIT_RATE balance it costs what the ``Repricer`` says (by default ``commit_rate_amount``,
falling back to ``amount``). A QUANTITY segment pays units of usage. Either way an application
covers a *share* of the charge: ``drawn`` is what the balance loses (money at the balance's rate,
or units) and ``amount`` is that share of the charge's ``amount``, what the invoice's
``applied_commit_or_credit`` line shows, so that the invoice total is the uncovered share of its
lines (docs/decisions/balances-commit-rate-lines.md).

Invariants: no application exceeds its segment's remaining nor the part of the charge still
uncovered; every amount is exact (a share that does not terminate is truncated at 1e-20 of the
unit, never rounded up).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from meterbill.core.contracts.terms import AccessType, BalanceRateType, CommitKind
from meterbill.core.drawdown._exact import ZERO, sub, times, total
from meterbill.core.drawdown.applicability import DrawableCharge, applies
from meterbill.core.drawdown.order import in_drawdown_order
from meterbill.core.drawdown.segments import BalanceLevel, BalanceSegment

__all__ = [
    "Application",
    "ChargeCoverage",
    "Drawdown",
    "Repricer",
    "cost_at_balance_rate",
    "draw_down",
]

Repricer = Callable[[DrawableCharge, BalanceSegment], Decimal]


@dataclass(frozen=True, slots=True)
class Application:
    """``drawn`` taken from a segment to pay for part of a charge.

    ``drawn`` is in the segment's unit (money at the balance's rate for SPEND, units of usage
    for QUANTITY); ``amount`` is the covered share of the charge's ``amount`` (the invoice's
    ``applied_commit_or_credit`` line is ``-amount``) and ``quantity`` the units covered.
    """

    charge_id: str
    commit_id: str
    segment_id: str
    kind: CommitKind
    level: BalanceLevel
    access_type: AccessType
    drawn: Decimal
    amount: Decimal
    quantity: Decimal
    contract_id: str | None = None

    @property
    def is_postpaid(self) -> bool:
        return self.kind is CommitKind.POSTPAID


@dataclass(frozen=True, slots=True)
class ChargeCoverage:
    """How a charge was paid: ``billed`` is the charge's amount; ``payable`` = ``billed`` -
    prepaid applications (postpaid applications are paid in arrears and do not reduce it)."""

    charge_id: str
    billed: Decimal
    prepaid_applied: Decimal
    postpaid_applied: Decimal

    @property
    def payable(self) -> Decimal:
        return sub(self.billed, self.prepaid_applied)


@dataclass(frozen=True, slots=True)
class Drawdown:
    """The result: applications in the order they were made, coverage per charge (in the
    order charges were served) and the remaining of every segment given (by segment id)."""

    applications: tuple[Application, ...]
    coverage: tuple[ChargeCoverage, ...]
    remaining: Mapping[str, Decimal]

    def drawn_from(self, segment_id: str) -> Decimal:
        return total(a.drawn for a in self.applications if a.segment_id == segment_id)


def cost_at_balance_rate(charge: DrawableCharge, segment: BalanceSegment) -> Decimal:
    """The default ``Repricer``: the commit-rate amount for COMMIT_RATE balances (when the
    charge has one), else the list-rate amount."""
    if segment.rate_type is BalanceRateType.COMMIT_RATE and charge.commit_rate_amount is not None:
        return charge.commit_rate_amount
    return charge.amount


def draw_down(
    charges: Iterable[DrawableCharge],
    segments: Iterable[BalanceSegment],
    reprice: Repricer = cost_at_balance_rate,
) -> Drawdown:
    """Draw ``segments`` (at their ``remaining``) against ``charges``. Pure; see module doc."""
    ordered = in_drawdown_order(segments)
    remaining = {s.segment_id: s.remaining for s in ordered}
    applications: list[Application] = []
    coverage: list[ChargeCoverage] = []
    for charge in sorted(charges, key=_charge_key):
        made = _serve(charge, ordered, remaining, reprice)
        applications.extend(made)
        coverage.append(_coverage(charge, made))
    return Drawdown(tuple(applications), tuple(coverage), remaining)


def _charge_key(charge: DrawableCharge) -> tuple[object, ...]:
    return (charge.starting_at, charge.ending_before, charge.sequence, charge.id)


def _serve(
    charge: DrawableCharge,
    ordered: Sequence[BalanceSegment],
    remaining: dict[str, Decimal],
    reprice: Repricer,
) -> list[Application]:
    """Draw for one charge, updating ``remaining`` in place."""
    made: list[Application] = []
    left = Fraction(1)  # the share of the charge not yet covered
    for segment in ordered:
        if left == 0:
            break
        if remaining[segment.segment_id] <= ZERO or not applies(segment, charge):
            continue
        application = _draw(charge, segment, remaining[segment.segment_id], left, reprice)
        if application is None:
            continue
        share, applied = application
        if share == left:
            # NOTE: the covering application takes exactly what the others left of the
            # amount, so that a covered charge's applications sum to it (no 1e-20 residue).
            rest = sub(charge.amount, total(a.amount for a in made))
            applied = replace(applied, amount=rest)
        made.append(applied)
        remaining[segment.segment_id] = sub(remaining[segment.segment_id], applied.drawn)
        left -= share
    return made


def _draw(
    charge: DrawableCharge,
    segment: BalanceSegment,
    available: Decimal,
    left: Fraction,
    reprice: Repricer,
) -> tuple[Fraction, Application] | None:
    """One application: the share of the charge it covers, and the application."""
    cost = reprice(charge, segment)
    basis = charge.quantity if segment.access_type is AccessType.QUANTITY else cost
    if basis <= ZERO:
        return None
    need = times(basis, left)
    drawn = min(available, need)
    if drawn <= ZERO:
        return None
    share = left if drawn == need else Fraction(drawn) / Fraction(basis)
    quantity = times(charge.quantity, share)
    amount = times(charge.amount, share)
    if segment.access_type is AccessType.SPEND and cost == charge.amount:
        amount = drawn  # the same money: no share arithmetic, exact
    return share, Application(
        charge_id=charge.id,
        commit_id=segment.commit_id,
        segment_id=segment.segment_id,
        kind=segment.kind,
        level=segment.level,
        access_type=segment.access_type,
        drawn=drawn,
        amount=amount,
        quantity=quantity,
        contract_id=segment.contract_id,
    )


def _coverage(charge: DrawableCharge, made: Sequence[Application]) -> ChargeCoverage:
    billed = charge.amount
    prepaid = total(a.amount for a in made if not a.is_postpaid)
    postpaid = total(a.amount for a in made if a.is_postpaid)
    return ChargeCoverage(charge.id, billed, prepaid, postpaid)
