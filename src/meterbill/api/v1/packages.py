"""``/v1/packages``: ``client.v1.packages`` (create, retrieve, list, archive,
list_contracts_on_package), and meterbill's cohort extensions under ``/v1/packages/x-...``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.json import WireResponse
from meterbill.api.paging import cursor_page, page_limit, query_of
from meterbill.api.v1.package_render import render_package
from meterbill.api.v1.package_wire import PackageCreateBody, XPackageCreateBody, to_draft
from meterbill.api.wire import Instant, Upper, WireModel
from meterbill.core.packages import CohortMember
from meterbill.services import package_cohorts as cohorts
from meterbill.services import packages as service
from meterbill.services.ids import new_id

router = APIRouter()

_PREFIX = "/v1/packages"


class PackageIdBody(WireModel):
    package_id: str


class ListBody(WireModel):
    archive_filter: Annotated[Literal["ARCHIVED", "NOT_ARCHIVED", "ALL"], Upper] = "NOT_ARCHIVED"


class PageQuery(WireModel):
    limit: int | None = None
    next_page: str | None = None


class ContractsOnPackageBody(WireModel):
    package_id: str
    covering_date: Instant | None = None
    include_archived: bool = False
    starting_at: Instant | None = None


class SummaryBody(WireModel):
    package_id: str


class MigrateBody(WireModel):
    from_package_id: str
    to_package_id: str
    at: Instant
    dry_run: bool = True
    compare_invoices: bool = True


def _render_migration(migration: cohorts.Migration) -> dict[str, object]:
    request = migration.request
    return {
        "from_package_id": request.from_package_id,
        "to_package_id": request.to_package_id,
        "at": request.at,
        "dry_run": request.dry_run,
        "total_difference": migration.difference,
        "contracts": [
            {
                "contract_id": c.contract_id,
                "customer_id": c.customer_id,
                "ending_before_was": c.ending_before_was,
                "ending_before": request.at,
                "new_contract_id": c.new_contract_id,
                "new_starting_at": c.new_starting_at,
                "new_ending_before": c.new_ending_before,
                "rolled_over": [
                    {
                        "from_commit_id": r.from_commit_id,
                        "commit_id": r.commit_id,
                        "amount": r.amount,
                    }
                    for r in c.rolled_over
                ],
                "invoices": {
                    "starting_at": c.period_starting_at,
                    "ending_before": c.period_ending_before,
                    "total_before": c.total_before,
                    "total_after": c.total_after,
                    "difference": c.difference,
                },
            }
            for c in migration.contracts
        ],
    }


def _render_member(member: CohortMember) -> dict[str, object]:
    rendered: dict[str, object] = {
        "contract_id": member.contract_id,
        "customer_id": member.customer_id,
        "starting_at": member.starting_at,
    }
    if member.ending_before is not None:
        rendered["ending_before"] = member.ending_before
    if member.archived_at is not None:
        rendered["archived_at"] = member.archived_at
    return rendered


@router.post(f"{_PREFIX}/create")
def create(
    context: Context, body: Annotated[PackageCreateBody, Depends(body_of(PackageCreateBody))]
) -> WireResponse:
    package = service.create(context.uow(), context.clock, to_draft(body, new_id))
    return WireResponse({"data": {"id": package.id}})


@router.post(f"{_PREFIX}/x-create")
def x_create(
    context: Context, body: Annotated[XPackageCreateBody, Depends(body_of(XPackageCreateBody))]
) -> WireResponse:
    """Extension: ``/v1/packages/create`` plus ``x_absolute_overrides`` (overrides over fixed
    dates, applied to every contract on the package that they overlap)."""
    package = service.create(context.uow(), context.clock, to_draft(body, new_id))
    return WireResponse({"data": {"id": package.id}})


@router.post(f"{_PREFIX}/get")
def retrieve(
    context: Context, body: Annotated[PackageIdBody, Depends(body_of(PackageIdBody))]
) -> WireResponse:
    view = service.get(context.uow(read_only=True), context.clock, body.package_id)
    return WireResponse({"data": render_package(view)})


@router.post(f"{_PREFIX}/list")
def list_packages(
    context: Context,
    query: Annotated[PageQuery, Depends(query_of(PageQuery))],
    body: Annotated[ListBody, Depends(body_of(ListBody, allow_empty=True))],
) -> WireResponse:
    limit = page_limit(query.limit, default=10)
    page = service.list_page(
        context.uow(read_only=True), context.clock, body.archive_filter, limit, query.next_page
    )
    return WireResponse(cursor_page(page, render_package))


@router.post(f"{_PREFIX}/archive")
def archive(
    context: Context, body: Annotated[PackageIdBody, Depends(body_of(PackageIdBody))]
) -> WireResponse:
    service.archive(context.uow(), context.clock, body.package_id)
    return WireResponse({"data": {"id": body.package_id}})


@router.post(f"{_PREFIX}/listContractsOnPackage")
def list_contracts_on_package(
    context: Context,
    query: Annotated[PageQuery, Depends(query_of(PageQuery))],
    body: Annotated[ContractsOnPackageBody, Depends(body_of(ContractsOnPackageBody))],
) -> WireResponse:
    limit = page_limit(query.limit, default=10)
    page = service.list_contracts(
        context.uow(read_only=True),
        body.package_id,
        covering_date=body.covering_date,
        starting_at=body.starting_at,
        include_archived=body.include_archived,
        limit=limit,
        cursor=query.next_page,
    )
    return WireResponse(cursor_page(page, _render_member))


# --- extensions (beyond Metronome) ----------------------------------------------------------


@router.post(f"{_PREFIX}/x-summary")
def x_summary(
    context: Context, body: Annotated[SummaryBody, Depends(body_of(SummaryBody))]
) -> WireResponse:
    """Extension: the contracts on a package and their invoiced (FINALIZED) and DRAFT totals
    per billing period and pricing unit."""
    count, periods = cohorts.summary(context.uow(read_only=True), context.clock, body.package_id)
    return WireResponse(
        {
            "data": {
                "package_id": body.package_id,
                "contracts": count,
                "periods": [
                    {
                        "starting_at": p.starting_at,
                        "ending_before": p.ending_before,
                        "credit_type_id": p.credit_type_id,
                        "contracts": p.contracts,
                        "invoiced_total": p.invoiced_total,
                        "draft_total": p.draft_total,
                    }
                    for p in periods
                ],
            }
        }
    )


@router.post(f"{_PREFIX}/x-migrate")
def x_migrate(
    context: Context, body: Annotated[MigrateBody, Depends(body_of(MigrateBody))]
) -> WireResponse:
    """Extension: move the contracts of one package to another from ``at`` as RENEWAL
    transitions. ``dry_run`` (the default) shows per contract what changes and the next
    period's invoice difference, writing nothing; ``dry_run: false`` applies it all in one
    transaction, or nothing."""
    request = cohorts.MigrateCohort(
        body.from_package_id, body.to_package_id, body.at, body.dry_run, body.compare_invoices
    )
    migration = cohorts.migrate(context.uow(), context.clock, request)
    return WireResponse({"data": _render_migration(migration)})
