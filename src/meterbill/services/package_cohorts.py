"""Cohort extensions: what happens to the contracts on a package, beyond Metronome's API.

* :func:`summary`: the contracts on a package and their invoiced (FINALIZED) and DRAFT totals
  per billing period and pricing unit.
* :func:`migrate`: move every contract on package A active at ``at`` to package B as a RENEWAL
  transition: the old contract ends at ``at``, a new one provisioned from B starts there, and
  commits with a ``rollover_fraction`` roll that fraction of what remains of them over.
  The dry run performs exactly the same work in the same kind of transaction and rolls it
  back, so the preview is what applying would do; applying commits it all in ONE transaction
  or nothing (docs/decisions/packages-cohort-migration.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from meterbill.clock import Clock
from meterbill.core.contracts.terms import Commit, Contract, TransitionType
from meterbill.core.drawdown import LedgerEntry, roll_over
from meterbill.core.errors import DomainValidationError
from meterbill.core.invoicing import (
    BillingInputs,
    Invoice,
    InvoiceKey,
    InvoiceStatus,
    InvoiceType,
    compute_invoice,
    invoice_keys,
    usage_for,
)
from meterbill.core.rounding import exact_sum
from meterbill.services import balances as balance_service
from meterbill.services import contracts as contract_service
from meterbill.services import invoices as invoice_service
from meterbill.services import packages as package_service
from meterbill.services.billing_inputs import InputsLoader
from meterbill.services.ids import new_id
from meterbill.storage.uow import UnitOfWork

__all__ = [
    "CohortPeriod",
    "ContractMigration",
    "MigrateCohort",
    "Migration",
    "RolledOver",
    "migrate",
    "summary",
]


# --- summary ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CohortPeriod:
    """Totals of one billing period over the cohort's contracts, in one pricing unit."""

    starting_at: datetime
    ending_before: datetime
    credit_type_id: str
    contracts: int
    invoiced_total: Decimal
    draft_total: Decimal


def summary(uow: UnitOfWork, clock: Clock, package_id: str) -> tuple[int, list[CohortPeriod]]:
    """(number of contracts, totals per period) of every unarchived contract on the package.

    Periods are the usage invoices' periods (scheduled invoices count in the usage period that
    holds their date); drafts are computed from the current data as of the clock.
    """
    as_of = clock.now()
    with uow:
        package_service.load(uow, package_id)
        members = uow.packages.contracts_on_package(package_id).items
        loader = InputsLoader(uow)
        invoices = [
            invoice
            for member in members
            for invoice in _invoices(uow, loader, member.contract_id, as_of)
        ]
    return len(members), _by_period(invoices)


def _invoices(
    uow: UnitOfWork, loader: InputsLoader, contract_id: str, as_of: datetime
) -> Iterable[Invoice]:
    stored = uow.invoices.for_contract(contract_id)
    yield from (i for i in stored if i.status is InvoiceStatus.FINALIZED)
    taken = {i.key for i in stored}
    inputs = loader.inputs(contract_service.load_contract(uow, contract_id))
    for key in invoice_keys(inputs, as_of):
        if key not in taken:
            yield invoice_service.draft(uow, loader, inputs, key, as_of)


def _by_period(invoices: list[Invoice]) -> list[CohortPeriod]:
    groups: dict[tuple[datetime, datetime, str], list[Invoice]] = defaultdict(list)
    usage = sorted(
        {(i.key.starting_at, i.key.ending_before) for i in invoices if i.type is InvoiceType.USAGE}
    )
    for invoice in invoices:
        start, end = invoice.key.starting_at, invoice.key.ending_before
        if invoice.type is not InvoiceType.USAGE:
            start, end = next(((s, e) for s, e in usage if s <= start < e), (start, end))
        groups[(start, end, invoice.key.credit_type_id)].append(invoice)
    return [
        CohortPeriod(
            starting_at=start,
            ending_before=end,
            credit_type_id=unit,
            contracts=len({i.contract_id for i in found}),
            invoiced_total=exact_sum(i.total for i in found if i.status is InvoiceStatus.FINALIZED),
            draft_total=exact_sum(i.total for i in found if i.status is InvoiceStatus.DRAFT),
        )
        for (start, end, unit), found in sorted(groups.items())
    ]


# --- migration --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MigrateCohort:
    from_package_id: str
    to_package_id: str
    at: datetime
    dry_run: bool = True
    # False skips the invoice comparison (faster applies once the preview was read).
    compare_invoices: bool = True


@dataclass(frozen=True, slots=True)
class RolledOver:
    """``amount`` of commit ``from_commit_id`` moves to the new contract as ``commit_id``."""

    from_commit_id: str
    commit_id: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ContractMigration:
    """What migrating one contract changes, and the next period's invoice before and after.

    The invoices compared are the usage invoices of the period just before ``at`` and of the
    period holding ``at`` (``period_*`` spans them): ``total_before`` is the old contract's had
    it not been migrated, ``total_after`` the ended old contract's plus the new contract's
    first (drafts from the current data, commits and credits applied; an ADVANCE charge due at
    ``at`` moves from one to the other). ``difference = total_after - total_before``.
    """

    contract_id: str
    customer_id: str
    ending_before_was: datetime | None
    new_contract_id: str
    new_starting_at: datetime
    new_ending_before: datetime | None
    rolled_over: tuple[RolledOver, ...]
    period_starting_at: datetime | None
    period_ending_before: datetime | None
    total_before: Decimal | None
    total_after: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        if self.total_before is None or self.total_after is None:
            return None
        return self.total_after - self.total_before


@dataclass(frozen=True, slots=True)
class Migration:
    request: MigrateCohort
    contracts: tuple[ContractMigration, ...]

    @property
    def difference(self) -> Decimal | None:
        if not self.request.compare_invoices:
            return None
        return exact_sum(c.difference or Decimal(0) for c in self.contracts)


def migrate(uow: UnitOfWork, clock: Clock, request: MigrateCohort) -> Migration:
    """Preview (``dry_run``) or apply the migration; applying is all-or-nothing.

    Every contract on ``from_package_id`` active at ``at`` (and started before it) moves.
    ``to_package_id`` must not be archived. Refusals name the field; nothing is written.
    """
    if request.from_package_id == request.to_package_id:
        raise DomainValidationError("to_package_id: must differ from from_package_id")
    with uow:
        package_service.load(uow, request.from_package_id)
        target = package_service.resolve(uow, request.to_package_id, None, request.at)
        members = uow.packages.contracts_on_package(
            request.from_package_id, covering_date=request.at
        )
        loader = InputsLoader(uow)
        moved = []
        for member in members.items:
            if member.starting_at >= request.at:
                continue
            old = contract_service.load_contract(uow, member.contract_id)
            moved.append(_migrate_one(uow, clock, loader, old, target.id, request))
        if not request.dry_run:
            uow.commit()
    return Migration(request, tuple(moved))


def _migrate_one(
    uow: UnitOfWork,
    clock: Clock,
    loader: InputsLoader,
    old: Contract,
    to_package_id: str,
    migration: MigrateCohort,
) -> ContractMigration:
    at, compare = migration.at, migration.compare_invoices
    before = _totals(uow, loader, [(old, _AROUND)], at) if compare else _NOTHING
    request = contract_service.ProvisionRequest(
        customer_id=old.customer_id,
        starting_at=at,
        package_id=to_package_id,
        transition=contract_service.TransitionRequest(TransitionType.RENEWAL, old.id),
        custom_fields=old.custom_fields,
    )
    package = package_service.load(uow, to_package_id)
    contract = package_service.materialise_for(uow, clock, package, request)
    rolled, entries = _rollovers(uow, old, contract, at)
    contract = replace(contract, commits=contract.commits + tuple(c for c, _ in rolled))
    contract_service.persist_new_contract(uow, contract)
    if entries:
        uow.balances.add_entries(old.customer_id, entries, clock.now())
    ended = contract_service.load_contract(uow, old.id) if compare else old
    after = _totals(uow, loader, [(ended, _BEFORE), (contract, _AT)], at) if compare else _NOTHING
    return ContractMigration(
        contract_id=old.id,
        customer_id=old.customer_id,
        ending_before_was=old.ending_before,
        new_contract_id=contract.id,
        new_starting_at=contract.starting_at,
        new_ending_before=contract.ending_before,
        rolled_over=tuple(r for _, r in rolled),
        period_starting_at=min(filter(None, (before[1], after[1])), default=None),
        period_ending_before=max(filter(None, (before[2], after[2])), default=None),
        total_before=before[0],
        total_after=after[0],
    )


def _rollovers(
    uow: UnitOfWork, old: Contract, new: Contract, at: datetime
) -> tuple[list[tuple[Commit, RolledOver]], list[LedgerEntry]]:
    """Rollover commits for ``new`` from ``old``'s commits with a ``rollover_fraction``."""
    rolling = [c for c in old.commits if c.rollover_fraction]
    if not rolling:
        return [], []
    balances = {b.commit.id: b for b in balance_service.contract_balances(uow, old, at)}
    made: list[tuple[Commit, RolledOver]] = []
    entries: list[LedgerEntry] = []
    for commit in rolling:
        balance = balances.get(commit.id)
        if balance is None:
            continue
        remaining: dict[str, Decimal] = defaultdict(Decimal)
        for entry in balance.ledger:
            if entry.timestamp <= at:
                remaining[entry.segment_id] += entry.amount
        ends = [i.ending_before for i in commit.access_schedule.items if i.ending_before > at]
        if not ends:
            continue
        result = roll_over(
            commit,
            remaining,
            at=at,
            new_contract_id=new.id,
            new_commit_id=new_id(),
            new_segment_id=new_id(),
            access_ending_before=max(ends),
            ordinal=len(new.commits) + len(made),
        )
        if result is not None:
            amount = result.commit.access_schedule.items[0].amount
            made.append((result.commit, RolledOver(commit.id, result.commit.id, amount)))
            entries.extend(result.entries)
    return made, entries


# Which usage periods are compared: the one holding the instant just before ``at`` (the old
# contract's last) and the one holding ``at`` (the new contract's first). NOTE: an ADVANCE
# subscription charge due at ``at`` is carried by the period ending at ``at``, so both count.
_TICK = timedelta(microseconds=1)
_BEFORE = frozenset({"before"})
_AT = frozenset({"at"})
_AROUND = _BEFORE | _AT
_NOTHING: tuple[Decimal | None, datetime | None, datetime | None] = (None, None, None)


def _totals(
    uow: UnitOfWork,
    loader: InputsLoader,
    contracts: list[tuple[Contract, frozenset[str]]],
    at: datetime,
) -> tuple[Decimal | None, datetime | None, datetime | None]:
    """(total, first start, last end) of the contracts' usage invoices for the periods named."""
    invoices = []
    for contract, which in contracts:
        inputs = loader.inputs(contract)
        instants = [at - _TICK] * ("before" in which) + [at] * ("at" in which)
        keys = {
            key
            for key in invoice_keys(inputs, at)
            if key.type is InvoiceType.USAGE
            and any(key.starting_at <= t < key.ending_before for t in instants)
        }
        invoices += [_draft(uow, loader, inputs, key) for key in keys]
    if not invoices:
        return Decimal(0), None, None
    return (
        exact_sum(i.total for i in invoices),
        min(i.key.starting_at for i in invoices),
        max(i.key.ending_before for i in invoices),
    )


def _draft(
    uow: UnitOfWork, loader: InputsLoader, inputs: BillingInputs, key: InvoiceKey
) -> Invoice:
    """The draft as of the period end. Without any commit or credit to draw (none on the
    contract, none on the customer) the drawdown, and the walk through earlier drafts it
    needs, is skipped: it could not change a line."""
    contract = inputs.contract
    if contract.commits or contract.recurring_commits:
        return invoice_service.draft(uow, loader, inputs, key, key.ending_before)
    if uow.balances.customer_commits(contract.customer_id):
        return invoice_service.draft(uow, loader, inputs, key, key.ending_before)
    [with_usage] = loader.attach_usage([(inputs, usage_for(key, inputs))])
    return compute_invoice(key, with_usage, key.ending_before)
