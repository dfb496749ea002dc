"""Use cases of ``/v1/packages``, and provisioning a contract from a package.

For other areas, inside their own open unit of work:

* ``provision(uow, clock, request) -> Contract``: what ``/v1/contracts/create`` calls when the
  request names ``package_id`` or ``package_alias``.
* ``resolve(uow, package_id, package_alias, at) -> Package``: the package a request means.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, Protocol

from meterbill.clock import Clock
from meterbill.core.contracts.terms import Contract, Transition, TransitionType
from meterbill.core.custom_fields import CustomFieldEntity
from meterbill.core.errors import Conflict, DomainValidationError, NotFound
from meterbill.core.packages import (
    CohortMember,
    Package,
    PackageAlias,
    effective_windows,
    link_templates,
    materialise,
    resolve_package_alias,
    take_aliases,
    validate_package,
)
from meterbill.services import products as product_service
from meterbill.services import rate_cards as rate_card_service
from meterbill.services.custom_fields import write_values
from meterbill.services.ids import new_id
from meterbill.storage.pagination import Page
from meterbill.storage.uow import UnitOfWork

ArchiveFilter = Literal["ARCHIVED", "NOT_ARCHIVED", "ALL"]

__all__ = [
    "PackageView",
    "ProvisionRequestLike",
    "archive",
    "create",
    "get",
    "list_page",
    "load",
    "provision",
    "resolve",
]


class ProvisionRequestLike(Protocol):
    """What provisioning reads of ``services.contracts.ProvisionRequest``."""

    @property
    def customer_id(self) -> str: ...
    @property
    def starting_at(self) -> datetime: ...
    @property
    def package_id(self) -> str | None: ...
    @property
    def package_alias(self) -> str | None: ...
    @property
    def uniqueness_key(self) -> str | None: ...
    @property
    def transition(self) -> object: ...
    @property
    def custom_fields(self) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True)
class PackageView:
    """A package and the names its response shows (product id -> name, credit type id -> name)."""

    package: Package
    product_names: Mapping[str, str]
    credit_type_names: Mapping[str, str]


# --- create, get, list, archive -------------------------------------------------------------


def create(uow: UnitOfWork, clock: Clock, draft: Package) -> Package:
    """Create a package from ``draft`` (its terms carry template ids; references between terms
    still name ``temporary_id``s). Taking an alias cuts its previous holder's window."""
    now = clock.now()
    package = link_templates(replace(draft, id=new_id(), created_at=now))
    validate_package(package)
    with uow:
        _check_unique(uow, package.uniqueness_key)
        _check_references(uow, package)
        package = replace(package, aliases=_take_aliases(uow, package, now))
        uow.packages.add(package, list(_term_entities(package)))
        _write_custom_fields(uow, package)
        uow.commit()
    return package


def get(uow: UnitOfWork, clock: Clock, package_id: str) -> PackageView:
    with uow:
        return _view(uow, load(uow, package_id), clock.now())


def list_page(
    uow: UnitOfWork, clock: Clock, archive_filter: ArchiveFilter, limit: int, cursor: str | None
) -> Page[PackageView]:
    with uow:
        page = uow.packages.list_page(archive_filter=archive_filter, limit=limit, cursor=cursor)
        views = [_view(uow, package, clock.now()) for package in page.items]
    return Page(views, page.next_cursor)


def archive(uow: UnitOfWork, clock: Clock, package_id: str) -> None:
    """Archive for good: no new contracts from it; existing ones carry on. Idempotent."""
    with uow:
        package = uow.packages.get(package_id, for_update=True)
        if package is None:
            raise NotFound(f"package_id: no package with id {package_id!r}")
        if not package.is_archived:
            uow.packages.archive(package_id, clock.now())
            uow.commit()


def load(uow: UnitOfWork, package_id: str) -> Package:
    """The package, inside an open unit of work; ``NotFound`` when unknown."""
    package = uow.packages.get(package_id)
    if package is None:
        raise NotFound(f"package_id: no package with id {package_id!r}")
    return package


# --- provisioning ---------------------------------------------------------------------------


def resolve(
    uow: UnitOfWork, package_id: str | None, package_alias: str | None, at: datetime
) -> Package:
    """The package named by id, or by the alias holder at ``at``; refuses archived ones."""
    if package_id is not None and package_alias is not None:
        raise DomainValidationError("package_alias: give package_id or package_alias, not both")
    if package_id is None:
        if package_alias is None:
            raise DomainValidationError("package_id: give package_id or package_alias")
        package_id = resolve_package_alias(
            uow.packages.alias_holdings([package_alias]), package_alias, at
        )
    package = load(uow, package_id)
    if package.is_archived:
        field = "package_alias" if package_alias is not None else "package_id"
        raise DomainValidationError(
            f"{field}: package {package.id!r} is archived and cannot be used for new contracts"
        )
    return package


def provision(uow: UnitOfWork, clock: Clock, request: ProvisionRequestLike) -> Contract:
    """Materialise the package ``request`` names for its customer and persist the contract.

    Runs inside the caller's open unit of work and does not commit. The package is resolved by
    id, or by alias as of ``request.starting_at``; the rate card likewise (its alias as of the
    contract start). Each call gives an independent contract with its own ids.
    """
    package = resolve(uow, request.package_id, request.package_alias, request.starting_at)
    contract = materialise_for(uow, clock, package, request)
    _contracts().persist_new_contract(uow, contract)
    return contract


def _contracts() -> Any:
    """``services.contracts``, imported late: it calls ``provision`` too."""
    return importlib.import_module("meterbill.services.contracts")


def materialise_for(
    uow: UnitOfWork, clock: Clock, package: Package, request: ProvisionRequestLike
) -> Contract:
    """The contract ``package`` gives ``request`` (nothing written)."""
    return materialise(
        package,
        contract_id=new_id(),
        customer_id=request.customer_id,
        starting_at=request.starting_at,
        rate_card_id=_rate_card_at(uow, package, request.starting_at),
        id_factory=new_id,
        custom_fields=request.custom_fields,
        transition=_transition(request.transition),
        uniqueness_key=request.uniqueness_key,
        created_at=clock.now(),
    )


def _rate_card_at(uow: UnitOfWork, package: Package, at: datetime) -> str | None:
    if package.rate_card_alias is None:
        return package.rate_card_id
    return rate_card_service.resolve_alias(uow, package.rate_card_alias, at)


def _transition(value: Any) -> Transition | None:
    """The request's transition as a core value (the new contract id is filled in later)."""
    if value is None or isinstance(value, Transition):
        return value
    kind = value.type
    return Transition(
        type=kind if isinstance(kind, TransitionType) else TransitionType(str(kind).upper()),
        from_contract_id=str(value.from_contract_id),
        to_contract_id="",
        future_invoice_behavior=getattr(value, "future_invoice_behavior", None) or {},
    )


# --- helpers --------------------------------------------------------------------------------


def _check_unique(uow: UnitOfWork, uniqueness_key: str | None) -> None:
    if uniqueness_key is not None and uow.packages.id_for_uniqueness_key(uniqueness_key):
        raise Conflict(f"uniqueness_key: {uniqueness_key!r} was already used by another package")


def _check_references(uow: UnitOfWork, package: Package) -> None:
    """Products exist; a rate card named by id exists and is not archived."""
    if package.rate_card_id is not None:
        card = uow.rate_cards.get(package.rate_card_id)
        if card is None:
            raise DomainValidationError(
                f"rate_card_id: no rate card with id {package.rate_card_id!r}"
            )
        if card.is_archived:
            raise DomainValidationError(f"rate_card_id: rate card {card.id!r} is archived")
    wanted = dict(_product_references(package))
    found = product_service.load_many(uow, sorted(set(wanted.values())))
    for field, product_id in wanted.items():
        if product_id not in found:
            raise DomainValidationError(f"{field}: no product with id {product_id!r}")


def _product_references(package: Package) -> Iterable[tuple[str, str]]:
    for index, commit in enumerate(package.paid_commits):
        yield f"commits[{index}].product_id", commit.product_id
    for index, credit in enumerate(package.credits):
        yield f"credits[{index}].product_id", credit.product_id
    for index, recurring in enumerate(package.recurring_paid_commits):
        yield f"recurring_commits[{index}].product_id", recurring.product_id
    for index, recurring in enumerate(package.recurring_credits):
        yield f"recurring_credits[{index}].product_id", recurring.product_id
    for index, charge in enumerate(package.scheduled_charges):
        yield f"scheduled_charges[{index}].product_id", charge.product_id
    for index, subscription in enumerate(package.subscriptions):
        yield f"subscriptions[{index}].subscription_rate.product_id", subscription.product_id


def _take_aliases(uow: UnitOfWork, package: Package, now: datetime) -> tuple[PackageAlias, ...]:
    names = [alias.name for alias in package.aliases]
    if not names:
        return ()
    uow.packages.lock_aliases(names)
    held = uow.packages.alias_holdings(names)
    windows = effective_windows(package.aliases, held, now)
    for change in take_aliases(held, windows):
        if change.dropped:
            uow.packages.drop_alias(change.holding.sequence)
        else:
            uow.packages.set_alias_end(change.holding.sequence, change.ending_before)
    return windows


def _term_entities(package: Package) -> Iterable[tuple[CustomFieldEntity, str]]:
    for commit in package.paid_commits:
        yield CustomFieldEntity.PACKAGE_COMMIT, commit.id
    for credit in package.credits:
        yield CustomFieldEntity.PACKAGE_CREDIT, credit.id
    for charge in package.scheduled_charges:
        yield CustomFieldEntity.PACKAGE_SCHEDULED_CHARGE, charge.id
    for subscription in package.subscriptions:
        yield CustomFieldEntity.PACKAGE_SUBSCRIPTION, subscription.id


def _write_custom_fields(uow: UnitOfWork, package: Package) -> None:
    """Check and store the terms' custom fields (fixed from now on; copied to contracts)."""
    groups: list[tuple[str, CustomFieldEntity, Iterable[tuple[str, Mapping[str, str]]]]] = [
        ("commits", CustomFieldEntity.PACKAGE_COMMIT,
         [(c.id, c.custom_fields) for c in package.paid_commits]),
        ("credits", CustomFieldEntity.PACKAGE_CREDIT,
         [(c.id, c.custom_fields) for c in package.credits]),
        ("scheduled_charges", CustomFieldEntity.PACKAGE_SCHEDULED_CHARGE,
         [(c.id, c.custom_fields) for c in package.scheduled_charges]),
        ("subscriptions", CustomFieldEntity.PACKAGE_SUBSCRIPTION,
         [(s.id, s.custom_fields) for s in package.subscriptions]),
    ]  # fmt: skip
    for name, entity, terms in groups:
        for index, (ident, values) in enumerate(terms):
            field = f"{name}[{index}].custom_fields"
            write_values(uow, entity, ident, values, field_name=field)


def _view(uow: UnitOfWork, package: Package, as_of: datetime) -> PackageView:
    product_ids = sorted(
        {product_id for _, product_id in _product_references(package)}
        | {s.product_id for o in package.overrides for s in o.specifiers if s.product_id}
    )
    products = product_service.load_many(uow, product_ids)
    names = {ident: product.state_at(as_of).name for ident, product in products.items()}
    credit_types = rate_card_service.credit_type_names(uow, set(_credit_type_ids(package)))
    return PackageView(package, names, credit_types)


def _credit_type_ids(package: Package) -> Iterable[str | None]:
    for commit in package.commits:
        yield commit.access_schedule.credit_type_id
        if commit.invoice_schedule is not None:
            yield commit.invoice_schedule.credit_type_id
    for charge in package.scheduled_charges:
        yield charge.schedule.credit_type_id
    for override in package.overrides:
        if override.overwrite_rate is not None:
            yield override.overwrite_rate.credit_type_id


# --- cohorts --------------------------------------------------------------------------------


def list_contracts(
    uow: UnitOfWork,
    package_id: str,
    *,
    covering_date: datetime | None,
    starting_at: datetime | None,
    include_archived: bool,
    limit: int,
    cursor: str | None,
) -> Page[CohortMember]:
    """``listContractsOnPackage``: ``covering_date`` and ``starting_at`` exclude each other."""
    if covering_date is not None and starting_at is not None:
        raise DomainValidationError(
            "starting_at: cannot be combined with covering_date; give one filter or neither"
        )
    with uow:
        load(uow, package_id)
        return uow.packages.contracts_on_package(
            package_id,
            covering_date=covering_date,
            starting_at=starting_at,
            include_archived=include_archived,
            limit=limit,
            cursor=cursor,
        )
