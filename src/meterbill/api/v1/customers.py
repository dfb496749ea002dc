"""``/v1/customers``: named after the SDK's ``client.v1.customers`` methods."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from meterbill.api.body_dep import body_of
from meterbill.api.context import Context
from meterbill.api.json import WireResponse
from meterbill.api.paging import cursor_page, page_limit, query_of
from meterbill.api.wire import Lower, WireModel
from meterbill.core.customers import Customer
from meterbill.services import customers as service

router = APIRouter()

BillingProviderType = Annotated[
    Literal[
        "aws_marketplace", "stripe", "netsuite", "custom", "azure_marketplace",
        "quickbooks_online", "workday", "gcp_marketplace", "metronome",
    ],
    Lower,
]  # fmt: skip


class BillingConfig(WireModel):
    """Stored and returned for the record; meterbill has no billing-provider integrations."""

    billing_provider_customer_id: str
    billing_provider_type: BillingProviderType
    aws_customer_account_id: str | None = None
    aws_customer_id: str | None = None
    aws_is_subscription_product: bool | None = None
    aws_product_code: str | None = None
    aws_region: str | None = None
    stripe_collection_method: (
        Annotated[Literal["charge_automatically", "send_invoice"], Lower] | None
    ) = None


class CustomerCreate(WireModel):
    name: str
    billing_config: BillingConfig | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)
    customer_billing_provider_configurations: list[dict[str, Any]] | None = None
    customer_revenue_system_configurations: list[dict[str, Any]] | None = None
    external_id: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    ingest_aliases: list[str] = Field(default_factory=list)


class CustomerListQuery(WireModel):
    customer_ids: Annotated[list[str], Field(max_length=100)] | None = None
    ingest_alias: str | None = None
    limit: int | None = None
    next_page: str | None = None
    only_archived: bool = False
    salesforce_account_ids: Annotated[list[str], Field(max_length=100)] | None = None


class CustomerArchive(WireModel):
    id: str


class SetIngestAliases(WireModel):
    ingest_aliases: list[str]


class SetName(WireModel):
    name: str


class UpdateConfig(WireModel):
    leave_stripe_invoices_in_draft: bool | None = None
    salesforce_account_id: str | None = None


def render_customer(customer: Customer) -> dict[str, Any]:
    """The SDK's ``Customer``."""
    return {
        "id": customer.id,
        "external_id": customer.public_external_id,
        "ingest_aliases": list(customer.ingest_aliases),
        "name": customer.name,
        "custom_fields": dict(customer.custom_fields),
    }


def render_customer_detail(customer: Customer) -> dict[str, Any]:
    """The SDK's ``CustomerDetail``."""
    return {
        **render_customer(customer),
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
        "archived_at": customer.archived_at,
        "customer_config": {"salesforce_account_id": customer.salesforce_account_id},
    }


@router.post("/v1/customers")
def create(
    context: Context, body: Annotated[CustomerCreate, Depends(body_of(CustomerCreate))]
) -> WireResponse:
    integrations = body.model_dump(
        include={
            "billing_config",
            "customer_billing_provider_configurations",
            "customer_revenue_system_configurations",
        },
        exclude_none=True,
    )
    command = service.CreateCustomer(
        name=body.name,
        ingest_aliases=body.ingest_aliases,
        external_id=body.external_id,
        custom_fields=body.custom_fields,
        billing_config=integrations or None,
    )
    customer = service.create(context.uow(), context.clock, command)
    return WireResponse({"data": render_customer(customer)})


@router.get("/v1/customers/{customer_id}")
def retrieve(context: Context, customer_id: str) -> WireResponse:
    customer = service.get(context.uow(read_only=True), customer_id)
    return WireResponse({"data": render_customer_detail(customer)})


@router.get("/v1/customers")
def list_customers(
    context: Context,
    query: Annotated[
        CustomerListQuery,
        Depends(
            query_of(CustomerListQuery, lists=frozenset({"customer_ids", "salesforce_account_ids"}))
        ),
    ],
) -> WireResponse:
    filters = service.CustomerFilter(
        customer_ids=query.customer_ids,
        ingest_alias=query.ingest_alias,
        only_archived=query.only_archived,
        salesforce_account_ids=query.salesforce_account_ids,
    )
    limit = page_limit(query.limit, default=100)
    page = service.list_page(context.uow(read_only=True), filters, limit, query.next_page)
    return WireResponse(cursor_page(page, render_customer_detail))


@router.post("/v1/customers/archive")
def archive(
    context: Context, body: Annotated[CustomerArchive, Depends(body_of(CustomerArchive))]
) -> WireResponse:
    service.archive(context.uow(), context.clock, body.id)
    return WireResponse({"data": {"id": body.id}})


@router.post("/v1/customers/{customer_id}/setIngestAliases")
def set_ingest_aliases(
    context: Context,
    customer_id: str,
    body: Annotated[SetIngestAliases, Depends(body_of(SetIngestAliases))],
) -> WireResponse:
    service.set_ingest_aliases(context.uow(), context.clock, customer_id, body.ingest_aliases)
    return WireResponse({})


@router.post("/v1/customers/{customer_id}/setName")
def set_name(
    context: Context, customer_id: str, body: Annotated[SetName, Depends(body_of(SetName))]
) -> WireResponse:
    customer = service.set_name(context.uow(), context.clock, customer_id, body.name)
    return WireResponse({"data": render_customer(customer)})


@router.post("/v1/customers/{customer_id}/updateConfig")
def update_config(
    context: Context,
    customer_id: str,
    body: Annotated[UpdateConfig, Depends(body_of(UpdateConfig, allow_empty=True))],
) -> WireResponse:
    changes = body.model_dump(exclude_unset=True)
    service.update_config(context.uow(), context.clock, customer_id, changes)
    return WireResponse({})
