"""Use cases of ``/v1/contracts`` and ``/v2/contracts``, and the contract seams other areas use.

For other areas, inside their own open unit of work:

* ``persist_new_contract(uow, contract)``: validate references and terms, enforce the
  uniqueness key, apply transitions, store, write term custom fields.
* ``load_contract(uow, contract_id) -> Contract``: the current terms (after every edit), with
  custom-field values as they are now.
* ``list_customer_contracts(uow, customer_id, ...)`` and ``contracts_overlapping(uow, window)``.

Edits go through ``meterbill.core.contracts.edits``; each is stored with the version it made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from meterbill.clock import Clock
from meterbill.core.contracts.edits import ContractEdit, EditSource, apply_edit
from meterbill.core.contracts.terms import (
    EMPTY,
    Commit,
    CommitKind,
    Contract,
    Transition,
    TransitionType,
)
from meterbill.core.contracts.validation import (
    CatalogFacts,
    TermPaths,
    require_hour_aligned,
    validate_commit,
    validate_contract,
    validate_contract_window,
    validate_override_term,
    validate_recurring_commit,
    validate_scheduled_charge,
    validate_subscription,
)
from meterbill.core.custom_fields import CustomFieldEntity
from meterbill.core.drawdown.thresholds import (  # --- thresholds ---
    PREPAID_CONFIG,
    SPEND_CONFIG,
    ThresholdSource,
    any_enabled,
    recharge_config,
    settle_gate,
    spend_config,
    threshold_source,
    validate_recharge_config,
)
from meterbill.core.errors import Conflict, DomainValidationError, NotFound
from meterbill.core.periods import Period
from meterbill.services import balance_rollover  # --- balances ---
from meterbill.services import products as product_service
from meterbill.services import rate_cards as rate_card_service
from meterbill.services.custom_fields import write_values
from meterbill.services.ids import new_id
from meterbill.storage.pagination import Page
from meterbill.storage.uow import UnitOfWork

__all__ = [
    "ContractEditRequest",
    "CreateContract",
    "ListContracts",
    "ProvisionRequest",
    "TransitionRequest",
    "archive",
    "contracts_overlapping",
    "create",
    "edit",
    "edit_history",
    "get",
    "list_customer_contracts",
    "load_contract",
    "persist_new_contract",
    "provision_from_package",
    "term_kind",
    "update_end_date",
]

# Term kinds in the ``contract_terms`` index, and the custom-field entity of each.
TERM_ENTITIES: dict[str, CustomFieldEntity] = {
    "commit": CustomFieldEntity.COMMIT,
    "credit": CustomFieldEntity.CONTRACT_CREDIT,
    "scheduled_charge": CustomFieldEntity.SCHEDULED_CHARGE,
    "subscription": CustomFieldEntity.SUBSCRIPTION,
}


@dataclass(frozen=True, slots=True)
class TransitionRequest:
    """``transition`` on create: this contract follows ``from_contract_id``."""

    type: TransitionType
    from_contract_id: str
    future_invoice_behavior: Mapping[str, str] = field(default_factory=lambda: EMPTY)

    def for_contract(self, contract_id: str) -> Transition:
        return Transition(
            self.type, self.from_contract_id, contract_id, self.future_invoice_behavior
        )


@dataclass(frozen=True, slots=True)
class ProvisionRequest:
    """``/v1/contracts/create`` with ``package_id`` or ``package_alias`` (packages area)."""

    customer_id: str
    starting_at: datetime
    package_id: str | None = None
    package_alias: str | None = None
    uniqueness_key: str | None = None
    transition: TransitionRequest | None = None
    custom_fields: Mapping[str, str] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True, slots=True)
class CreateContract:
    """A contract built from the request (ids assigned); ``rate_card_alias`` is resolved as of
    the contract's ``starting_at``."""

    contract: Contract
    rate_card_alias: str | None = None


@dataclass(frozen=True, slots=True)
class ListContracts:
    customer_id: str
    limit: int = 20
    cursor: str | None = None
    include_archived: bool = False
    covering_date: datetime | None = None
    starting_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ContractEditRequest:
    """An edit to apply; ``edit.created_at`` is when it was asked for."""

    edit: ContractEdit


# --- the seams ------------------------------------------------------------------------------


def persist_new_contract(uow: UnitOfWork, contract: Contract) -> None:
    """Validate and store a new contract, inside an open unit of work.

    Checks the customer, rate card, products and every term (``DomainValidationError`` naming
    the field), refuses a reused ``uniqueness_key`` (``Conflict``), ends each contract it
    transitions from at its start, and writes the custom fields of the contract and its terms.
    """
    _require_customer(uow, contract.customer_id)
    contract = _own_transitions(contract)
    key = contract.uniqueness_key
    if key is not None and uow.contracts.id_by_uniqueness_key(key) is not None:
        raise Conflict(
            f"uniqueness_key: {contract.uniqueness_key!r} was already used to create a contract"
        )
    validate_contract(contract, _facts(uow, contract))
    for transition in contract.transitions:
        if transition.to_contract_id == contract.id:
            _end_previous(uow, contract, transition)
    uow.contracts.add(contract, term_refs(contract))
    _check_thresholds(uow, contract)  # --- thresholds ---
    _sync_thresholds(uow, contract, contract.created_at)
    _write_custom_fields(uow, contract, TermPaths())


def _own_transitions(contract: Contract) -> Contract:
    """Transitions built before the contract had an id (``to_contract_id`` empty) point to it."""
    transitions = tuple(
        t if t.to_contract_id else replace(t, to_contract_id=contract.id)
        for t in contract.transitions
    )
    return replace(contract, transitions=transitions)


def load_contract(uow: UnitOfWork, contract_id: str) -> Contract:
    """The contract's current terms with custom fields; ``NotFound`` when unknown."""
    contract = uow.contracts.get(contract_id)
    if contract is None:
        raise NotFound(f"contract_id: no contract with id {contract_id!r}")
    return with_custom_fields(uow, contract)


def list_customer_contracts(uow: UnitOfWork, query: ListContracts) -> Page[Contract]:
    """One page of the customer's contracts in chronological order."""
    if query.covering_date is not None and query.starting_at is not None:
        raise DomainValidationError("covering_date: cannot be combined with starting_at")
    if uow.customers.get(query.customer_id) is None:
        raise NotFound(f"customer_id: no customer with id {query.customer_id!r}")
    page = uow.contracts.list_page(
        query.customer_id,
        limit=query.limit,
        cursor=query.cursor,
        include_archived=query.include_archived,
        covering=query.covering_date,
        starting_at=query.starting_at,
    )
    return Page([with_custom_fields(uow, c) for c in page.items], page.next_cursor)


def contracts_overlapping(
    uow: UnitOfWork, window: Period, *, customer_id: str | None = None
) -> Iterator[Contract]:
    """Unarchived contracts whose window meets ``window`` (for billing close), lazily."""
    for contract in uow.contracts.overlapping(
        window.starting_at, window.ending_before, customer_id=customer_id
    ):
        yield with_custom_fields(uow, contract)


def with_custom_fields(uow: UnitOfWork, contract: Contract) -> Contract:
    """``contract`` with the custom-field values currently stored for it and its terms."""
    values = uow.custom_fields.values_of(CustomFieldEntity.CONTRACT, contract.id)
    commits = _overlay(uow, CustomFieldEntity.COMMIT, contract.paid_commits)
    credits = _overlay(uow, CustomFieldEntity.CONTRACT_CREDIT, contract.credits)
    by_id = {c.id: c for c in (*commits, *credits)}
    return replace(
        contract,
        custom_fields=MappingProxyType(values),
        commits=tuple(by_id[c.id] for c in contract.commits),
        scheduled_charges=_overlay(
            uow, CustomFieldEntity.SCHEDULED_CHARGE, contract.scheduled_charges
        ),
        subscriptions=_overlay(uow, CustomFieldEntity.SUBSCRIPTION, contract.subscriptions),
    )


def with_custom_fields_many(uow: UnitOfWork, contracts: Sequence[Contract]) -> list[Contract]:
    """:func:`with_custom_fields` of many contracts, with one query per entity kind (the
    billing close's batches)."""
    if not contracts:
        return []

    def values(entity: CustomFieldEntity, terms: Iterable[Any]) -> dict[str, dict[str, str]]:
        ids = [t.id for t in terms]
        found: dict[str, dict[str, str]] = {}
        for start in range(0, len(ids), 500):
            found.update(uow.custom_fields.values_of_many(entity, ids[start : start + 500]))
        return found

    own = values(CustomFieldEntity.CONTRACT, contracts)
    commits = values(CustomFieldEntity.COMMIT, (t for c in contracts for t in c.paid_commits))
    credits = values(CustomFieldEntity.CONTRACT_CREDIT, (t for c in contracts for t in c.credits))
    charges = values(
        CustomFieldEntity.SCHEDULED_CHARGE, (t for c in contracts for t in c.scheduled_charges)
    )
    subscriptions = values(
        CustomFieldEntity.SUBSCRIPTION, (t for c in contracts for t in c.subscriptions)
    )

    def overlay(terms: Sequence[Any], found: dict[str, dict[str, str]]) -> tuple[Any, ...]:
        return tuple(replace(t, custom_fields=MappingProxyType(found.get(t.id, {}))) for t in terms)

    result = []
    for contract in contracts:
        by_id = {
            c.id: c
            for c in (*overlay(contract.paid_commits, commits), *overlay(contract.credits, credits))
        }
        result.append(
            replace(
                contract,
                custom_fields=MappingProxyType(own.get(contract.id, {})),
                commits=tuple(by_id[c.id] for c in contract.commits),
                scheduled_charges=overlay(contract.scheduled_charges, charges),
                subscriptions=overlay(contract.subscriptions, subscriptions),
            )
        )
    return result


def _overlay(uow: UnitOfWork, entity: CustomFieldEntity, terms: Sequence[Any]) -> tuple[Any, ...]:
    values = uow.custom_fields.values_of_many(entity, [t.id for t in terms])
    return tuple(replace(t, custom_fields=MappingProxyType(values.get(t.id, {}))) for t in terms)


def term_refs(contract: Contract) -> list[tuple[str, str]]:
    """``(term_id, kind)`` for every term of ``contract``."""
    refs = [(c.id, "credit" if c.is_credit else "commit") for c in contract.commits]
    refs += [
        (r.id, "recurring_credit" if r.kind is CommitKind.CREDIT else "recurring_commit")
        for r in contract.recurring_commits
    ]
    refs += [(c.id, "scheduled_charge") for c in contract.scheduled_charges]
    refs += [(s.id, "subscription") for s in contract.subscriptions]
    refs += [(o.id, "override") for o in contract.overrides]
    return refs


def term_kind(uow: UnitOfWork, term_id: str) -> str | None:
    """The kind of the contract term ``term_id`` (``commit``, ``credit``, ...), or ``None``."""
    ref = uow.contracts.term(term_id)
    return None if ref is None else ref.kind


# --- use cases --------------------------------------------------------------------------------


def create(uow: UnitOfWork, clock: Clock, command: CreateContract) -> Contract:
    """Create a contract from explicit terms; returns it as stored."""
    del clock  # time comes in on the terms (created_at was read at the edge)
    with uow:
        contract = command.contract
        if command.rate_card_alias is not None:
            card_id = rate_card_service.resolve_alias(
                uow, command.rate_card_alias, contract.starting_at
            )
            contract = replace(contract, rate_card_id=card_id)
        # --- balances: a RENEWAL starts with rollover commits; the old commits' ROLLOVER
        # entries commit with it (docs/decisions/balances-rollover.md) ---
        contract, rollovers = balance_rollover.add_rollovers(uow, contract)
        persist_new_contract(uow, contract)
        balance_rollover.write_rollovers(uow, contract.customer_id, rollovers, contract.created_at)
        stored = load_contract(uow, contract.id)
        uow.commit()
    return stored


def provision_from_package(uow: UnitOfWork, clock: Clock, request: ProvisionRequest) -> Contract:
    """Create a contract from a package (``services.packages.provision``) and commit it."""
    from meterbill.services import packages  # late: packages persists through this module

    with uow:
        contract = packages.provision(uow, clock, request)
        stored = load_contract(uow, contract.id)
        uow.commit()
    return stored


def get(uow: UnitOfWork, customer_id: str, contract_id: str) -> Contract:
    with uow:
        return _owned(uow, customer_id, contract_id)


def get_initial(uow: UnitOfWork, customer_id: str, contract_id: str) -> tuple[Contract, Contract]:
    """The contract as created and as it is now (v1 ``initial`` / ``current``)."""
    with uow:
        current = _owned(uow, customer_id, contract_id)
        initial = uow.contracts.initial(contract_id)
        assert initial is not None
        return with_custom_fields(uow, initial), current


def get_as_of(uow: UnitOfWork, customer_id: str, contract_id: str, as_of: datetime) -> Contract:
    """The contract's terms as they were at ``as_of`` (v2 ``as_of_date``)."""
    with uow:
        current = _owned(uow, customer_id, contract_id)
        found = uow.contracts.as_of(contract_id, as_of)
        return current if found is None else with_custom_fields(uow, found)


def list_page(uow: UnitOfWork, query: ListContracts) -> Page[Contract]:
    with uow:
        return list_customer_contracts(uow, query)


VoidInvoices = Callable[[UnitOfWork, str, datetime], int]
"""``void(uow, contract_id, at)``: voids the contract's finalised invoices (services.invoices)."""


def archive(
    uow: UnitOfWork,
    clock: Clock,
    customer_id: str,
    contract_id: str,
    *,
    void_invoices: VoidInvoices | None = None,
) -> None:
    """Archive a contract (permanent; idempotent). With ``void_invoices`` its finalised
    invoices are voided in the same transaction (``void_invoices: true`` on the wire)."""
    now = clock.now()
    with uow:
        contract = _owned(uow, customer_id, contract_id, for_update=True)
        if contract.archived_at is None:
            uow.contracts.set_archived(contract_id, now)
            uow.thresholds.unwatch(contract_id)  # --- thresholds ---
            if void_invoices is not None:
                void_invoices(uow, contract_id, now)
            uow.commit()


def update_end_date(
    uow: UnitOfWork,
    clock: Clock,
    customer_id: str,
    contract_id: str,
    ending_before: datetime | None,
) -> None:
    """Move the contract's end (``None`` = open-ended); recorded in the edit history."""
    require_hour_aligned(ending_before, "ending_before")
    change = ContractEdit(
        id=new_id(),
        contract_id=contract_id,
        customer_id=customer_id,
        created_at=clock.now(),
        source=EditSource.UPDATE_END_DATE,
        given=frozenset({"ending_before"}),
        ending_before=ending_before,
    )
    with uow:
        _apply_and_store(uow, change)
        uow.commit()


def edit(uow: UnitOfWork, command: ContractEditRequest) -> Contract:
    """Apply a v2 edit (or v1 amendment); returns the contract after it."""
    change = command.edit
    with uow:
        key = change.uniqueness_key
        if key is not None and uow.contracts.edit_id_by_uniqueness_key(key) is not None:
            raise Conflict(
                f"uniqueness_key: {change.uniqueness_key!r} was already used for an edit"
            )
        after = _apply_and_store(uow, change)
        uow.commit()
    return after


def edit_history(uow: UnitOfWork, customer_id: str, contract_id: str) -> list[ContractEdit]:
    with uow:
        _owned(uow, customer_id, contract_id)
        return uow.contracts.edits(contract_id)


# --- helpers ----------------------------------------------------------------------------------


def get_in(uow: UnitOfWork, customer_id: str, contract_id: str) -> Contract:
    """The customer's contract inside an open unit of work; ``NotFound`` otherwise."""
    return _owned(uow, customer_id, contract_id)


def _owned(
    uow: UnitOfWork, customer_id: str, contract_id: str, *, for_update: bool = False
) -> Contract:
    contract = uow.contracts.get(contract_id, for_update=for_update)
    if contract is None or contract.customer_id != customer_id:
        raise NotFound(
            f"contract_id: no contract with id {contract_id!r} for customer {customer_id!r}"
        )
    return with_custom_fields(uow, contract)


def _require_customer(uow: UnitOfWork, customer_id: str) -> None:
    customer = uow.customers.get(customer_id)
    if customer is None:
        raise DomainValidationError(f"customer_id: no customer with id {customer_id!r}")
    if customer.archived_at is not None:
        raise DomainValidationError(f"customer_id: customer {customer_id!r} is archived")


def _facts(uow: UnitOfWork, contract: Contract) -> CatalogFacts:
    card = None
    if contract.rate_card_id is not None:
        try:
            card = rate_card_service.load_rate_schedule(uow, contract.rate_card_id)
        except NotFound:
            raise DomainValidationError(
                f"rate_card_id: no rate card with id {contract.rate_card_id!r}"
            ) from None
    return CatalogFacts(
        products=product_service.load_many(uow, sorted(_product_ids(contract))),
        rate_card=card,
        credit_type_ids=frozenset(_known_credit_types(uow, contract)),
    )


def _product_ids(contract: Contract) -> set[str]:
    ids = {c.product_id for c in contract.commits}
    for commit in contract.commits:
        ids |= set(commit.applicable_product_ids)
        ids |= {s.product_id for s in commit.specifiers if s.product_id}
    for item in contract.recurring_commits:
        ids |= {item.product_id, *item.applicable_product_ids}
    ids |= {c.product_id for c in contract.scheduled_charges}
    ids |= {s.product_id for s in contract.subscriptions}
    for override in contract.overrides:
        ids |= {s.product_id for s in override.specifiers if s.product_id}
    return ids


def _known_credit_types(uow: UnitOfWork, contract: Contract) -> set[str]:
    wanted = {c.access_schedule.credit_type_id for c in contract.commits}
    wanted |= {c.invoice_schedule.credit_type_id for c in contract.commits if c.invoice_schedule}
    wanted |= {c.schedule.credit_type_id for c in contract.scheduled_charges}
    wanted |= {r.access_credit_type_id for r in contract.recurring_commits}
    return {ident for ident in wanted if uow.credit_types.get(ident) is not None}


def _end_previous(uow: UnitOfWork, contract: Contract, transition: Transition) -> None:
    """The contract transitioned from ends where ``contract`` starts; both keep the link."""
    previous = uow.contracts.get(transition.from_contract_id, for_update=True)
    path = "transition.from_contract_id"
    if previous is None or previous.customer_id != contract.customer_id:
        raise DomainValidationError(
            f"{path}: no contract {transition.from_contract_id!r} for this customer"
        )
    if previous.archived_at is not None:
        raise DomainValidationError(f"{path}: contract {previous.id!r} is archived")
    if previous.starting_at >= contract.starting_at:
        raise DomainValidationError(
            f"{path}: contract {previous.id!r} must start before the new contract"
        )
    change = ContractEdit(
        id=new_id(),
        contract_id=previous.id,
        customer_id=previous.customer_id,
        created_at=contract.created_at,
        source=EditSource.TRANSITION,
        given=frozenset({"ending_before"}),
        ending_before=contract.starting_at,
    )
    after = apply_edit(previous, change)
    after = replace(after, transitions=(*after.transitions, transition))
    uow.contracts.add_version(after, change)


def _apply_and_store(uow: UnitOfWork, change: ContractEdit) -> Contract:
    contract = _owned(uow, change.customer_id, change.contract_id, for_update=True)
    if contract.archived_at is not None:
        raise DomainValidationError(f"contract_id: contract {contract.id!r} is archived")
    after = apply_edit(contract, change)
    _validate_edit(after, change, _facts(uow, after))
    if change.settings_changes:
        _check_thresholds(uow, after)  # --- thresholds ---
    uow.contracts.add_version(after, change)
    added = replace(
        after,
        commits=change.add_commits,
        overrides=change.add_overrides,
        recurring_commits=change.add_recurring_commits,
        scheduled_charges=change.add_scheduled_charges,
        subscriptions=change.add_subscriptions,
    )
    uow.contracts.add_terms(contract.id, term_refs(added))
    _write_custom_fields(uow, replace(added, custom_fields=EMPTY), _EDIT_PATHS)
    _sync_thresholds(uow, after, change.created_at)  # --- thresholds ---
    return load_contract(uow, contract.id)


_EDIT_PATHS = TermPaths(
    commits="add_commits",
    credits="add_credits",
    recurring_commits="add_recurring_commits",
    recurring_credits="add_recurring_credits",
    scheduled_charges="add_scheduled_charges",
    subscriptions="add_subscriptions",
    overrides="add_overrides",
)


def _validate_edit(after: Contract, change: ContractEdit, facts: CatalogFacts) -> None:
    """The contract window after the edit, every term the edit adds, every commit it updates."""
    if "ending_before" in change.given:
        require_hour_aligned(change.ending_before, "update_contract_end_date")
    validate_contract_window(after)
    paths = _EDIT_PATHS
    paid = [c for c in change.add_commits if not c.is_credit]
    credits = [c for c in change.add_commits if c.is_credit]
    for index, commit in enumerate(paid):
        validate_commit(commit, after, facts, f"{paths.commits}[{index}]")
    for index, credit in enumerate(credits):
        validate_commit(credit, after, facts, f"{paths.credits}[{index}]")
    for kind, updates in (
        ("update_commits", change.update_commits),
        ("update_credits", change.update_credits),
    ):
        for index, update in enumerate(updates):
            commit = next(c for c in after.commits if c.id == update.commit_id)
            validate_commit(commit, after, facts, f"{kind}[{index}]")
    recurring = [r for r in change.add_recurring_commits if r.kind is not CommitKind.CREDIT]
    recurring_credits = [r for r in change.add_recurring_commits if r.kind is CommitKind.CREDIT]
    for index, item in enumerate(recurring):
        validate_recurring_commit(item, after, facts, f"{paths.recurring_commits}[{index}]")
    for index, item in enumerate(recurring_credits):
        validate_recurring_commit(item, after, facts, f"{paths.recurring_credits}[{index}]")
    for index, charge in enumerate(change.add_scheduled_charges):
        validate_scheduled_charge(charge, facts, f"{paths.scheduled_charges}[{index}]")
    for index, subscription in enumerate(change.add_subscriptions):
        validate_subscription(subscription, after, facts, f"{paths.subscriptions}[{index}]")
    for index, override in enumerate(change.add_overrides):
        validate_override_term(override, after, facts, f"{paths.overrides}[{index}]")


def _write_custom_fields(uow: UnitOfWork, contract: Contract, paths: TermPaths) -> None:
    write_values(uow, CustomFieldEntity.CONTRACT, contract.id, contract.custom_fields)
    groups: list[tuple[CustomFieldEntity, str, Sequence[Any]]] = [
        (CustomFieldEntity.COMMIT, paths.commits, contract.paid_commits),
        (CustomFieldEntity.CONTRACT_CREDIT, paths.credits, contract.credits),
        (CustomFieldEntity.SCHEDULED_CHARGE, paths.scheduled_charges, contract.scheduled_charges),
        (CustomFieldEntity.SUBSCRIPTION, paths.subscriptions, contract.subscriptions),
    ]
    for entity, path, terms in groups:
        for index, term in enumerate(terms):
            write_values(
                uow,
                entity,
                term.id,
                term.custom_fields,
                field_name=f"{path}[{index}].custom_fields",
            )


# --- views for the wire ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Names:
    """Display names of the products and pricing units contracts mention (id -> name)."""

    products: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    credit_types: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def product(self, product_id: str) -> dict[str, Any]:
        return {"id": product_id, "name": self.products.get(product_id, "")}

    def credit_type(self, credit_type_id: str | None) -> dict[str, Any] | None:
        if credit_type_id is None:
            return None
        return {"id": credit_type_id, "name": self.credit_types.get(credit_type_id, "")}


@dataclass(frozen=True, slots=True)
class ContractView:
    """A contract as created, as it is now, and its edits (v1 ``initial`` / ``current`` /
    ``amendments``), with the names needed to display it."""

    initial: Contract
    current: Contract
    edits: tuple[ContractEdit, ...]
    names: Names

    @property
    def amendments(self) -> tuple[ContractEdit, ...]:
        return tuple(e for e in self.edits if e.source is EditSource.AMENDMENT)


def names_for(uow: UnitOfWork, contracts: Sequence[Contract], at: datetime) -> Names:
    """Names of every product and pricing unit ``contracts`` mention, as of ``at``."""
    product_ids: set[str] = set()
    credit_types: set[str | None] = set()
    for contract in contracts:
        product_ids |= _product_ids(contract)
        credit_types |= _credit_type_ids(contract)
    products = product_service.load_many(uow, sorted(product_ids))
    return Names(
        products=MappingProxyType(
            {ident: product.state_at(at).name for ident, product in products.items()}
        ),
        credit_types=MappingProxyType(rate_card_service.credit_type_names(uow, credit_types)),
    )


def _credit_type_ids(contract: Contract) -> set[str | None]:
    ids: set[str | None] = {c.access_schedule.credit_type_id for c in contract.commits}
    ids |= {c.invoice_schedule.credit_type_id for c in contract.commits if c.invoice_schedule}
    ids |= {c.schedule.credit_type_id for c in contract.scheduled_charges}
    ids |= {o.overwrite_rate.credit_type_id for o in contract.overrides if o.overwrite_rate}
    return ids


def view(uow: UnitOfWork, customer_id: str, contract_id: str, at: datetime) -> ContractView:
    """The contract's v1 view (initial, current, edits) with display names."""
    with uow:
        return _view(uow, customer_id, contract_id, at)


def _view(uow: UnitOfWork, customer_id: str, contract_id: str, at: datetime) -> ContractView:
    current = _owned(uow, customer_id, contract_id)
    initial = uow.contracts.initial(contract_id)
    assert initial is not None
    edits = tuple(uow.contracts.edits(contract_id))
    added = [_edit_terms(current, e) for e in edits]
    return ContractView(
        with_custom_fields(uow, initial),
        current,
        edits,
        names_for(uow, [initial, current, *added], at),
    )


def _edit_terms(contract: Contract, change: ContractEdit) -> Contract:
    return replace(
        contract,
        commits=change.add_commits,
        overrides=change.add_overrides,
        recurring_commits=change.add_recurring_commits,
        scheduled_charges=change.add_scheduled_charges,
        subscriptions=change.add_subscriptions,
    )


def list_views(uow: UnitOfWork, query: ListContracts, at: datetime) -> Page[ContractView]:
    """One page of the customer's contracts as v1 views."""
    with uow:
        page = list_customer_contracts(uow, query)
        items = [_view(uow, c.customer_id, c.id, at) for c in page.items]
    return Page(items, page.next_cursor)


def edit_history_view(
    uow: UnitOfWork, customer_id: str, contract_id: str, at: datetime
) -> ContractView:
    """The contract with its edits and the names every edit mentions."""
    return view(uow, customer_id, contract_id, at)


# --- thresholds: validation, the watch list, and the commits threshold billing adds ---------------


def _check_thresholds(uow: UnitOfWork, contract: Contract) -> None:
    """Threshold configurations parse, meet the recharge minimums, name existing products and
    (for a discount cap) one of the contract's spend trackers (400 naming the field)."""
    recharge = recharge_config(contract.settings)
    spend = spend_config(contract.settings)
    if recharge is not None:
        validate_recharge_config(recharge)
    trackers = contract.settings.get("spend_trackers")
    aliases = {
        str(t.get("alias"))
        for t in (trackers if isinstance(trackers, Sequence) else ())
        if isinstance(t, Mapping)
    }
    for name, config in ((PREPAID_CONFIG, recharge), (SPEND_CONFIG, spend)):
        if config is None:
            continue
        product = config.commit.product_id
        if uow.products.get(product) is None:
            raise DomainValidationError(f"{name}.commit.product_id: no product with id {product!r}")
        if config.cap is not None and config.cap.spend_tracker_alias not in aliases:
            raise DomainValidationError(
                f"{name}.discount_configuration.cap.spend_tracker_alias: no spend tracker "
                f"{config.cap.spend_tracker_alias!r} on this contract"
            )


def _sync_thresholds(uow: UnitOfWork, contract: Contract, at: datetime) -> None:
    """Keep the contract on threshold billing's watch list exactly while a threshold is
    enabled (ingest evaluates only listed contracts)."""
    if any_enabled(contract.settings) and contract.archived_at is None:
        uow.thresholds.watch(contract.id, contract.customer_id, at)
    else:
        uow.thresholds.unwatch(contract.id)


def apply_system_edit(uow: UnitOfWork, change: ContractEdit) -> Contract:
    """Apply an edit meterbill makes itself (threshold billing) inside an open unit of work;
    validated like any edit. Returns the contract after it."""
    return _apply_and_store(uow, change)


def settle_threshold_commit(
    uow: UnitOfWork, contract: Contract, commit: Commit, now: datetime, *, paid: bool
) -> Contract:
    """End an EXTERNAL payment gate on ``commit`` (inside an open unit of work).

    Paid: the commit becomes usable. Failed: the commit is archived and stays unusable, its
    purchase is voided, and the configuration that made it is disabled (Metronome flips
    ``is_enabled`` to false when a gated payment fails).
    """
    settled = settle_gate(commit, paid=paid, at=now)
    settings = dict(contract.settings)
    if not paid:
        field_name = (
            SPEND_CONFIG
            if threshold_source(commit) is ThresholdSource.SPEND_THRESHOLD
            else PREPAID_CONFIG
        )
        config = settings.get(field_name)
        if isinstance(config, Mapping):
            settings[field_name] = {**config, "is_enabled": False}
    after = replace(
        contract,
        commits=tuple(settled if c.id == commit.id else c for c in contract.commits),
        settings=MappingProxyType(settings),
    )
    change = ContractEdit(
        id=new_id(),
        contract_id=contract.id,
        customer_id=contract.customer_id,
        created_at=now,
        source=EditSource.THRESHOLD_BILLING,
    )
    uow.contracts.add_version(after, change)
    _sync_thresholds(uow, after, now)
    return load_contract(uow, contract.id)
