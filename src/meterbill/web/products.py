"""Products: the list, one product with its scheduled updates, and the create form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from meterbill.core.catalog import ProductType
from meterbill.core.errors import DomainError, DomainValidationError
from meterbill.services import billable_metrics as metric_service
from meterbill.services import products as service
from meterbill.web import forms
from meterbill.web._framework import WebRequest, redirect

PAGE_SIZE = 25
PRODUCT_TYPES = ("USAGE", "SUBSCRIPTION", "COMPOSITE", "FIXED", "PROFESSIONAL_SERVICE")
ARCHIVE_FILTERS = ("NOT_ARCHIVED", "ARCHIVED", "ALL")


def list_products(request: WebRequest) -> Response:
    shown = request.query.get("archive_filter", "NOT_ARCHIVED").upper()
    if shown not in ARCHIVE_FILTERS:
        shown = "NOT_ARCHIVED"
    page = service.list_page(
        request.context.uow(read_only=True), shown, PAGE_SIZE, request.query.get("cursor")
    )
    now = request.context.clock.now()
    rows = [(product, product.state_at(now)) for product in page.items]
    return request.render(
        "products.html", rows=rows, next_cursor=page.next_cursor, archive_filter=shown
    )


def show_product(request: WebRequest) -> Response:
    product = service.get(request.context.uow(read_only=True), request.path_params["product_id"])
    now = request.context.clock.now()
    updates = sorted(product.updates, key=lambda update: update.starting_at)
    return request.render(
        "product.html", product=product, current=product.state_at(now), updates=updates, now=now
    )


def new_product(request: WebRequest) -> Response:
    return _form(request, {}, None)


def create_product(request: WebRequest) -> Response:
    form = request.form
    try:
        command = _command(form)
        product = service.create(request.context.uow(), request.context.clock, command)
    except DomainError as error:
        return _form(request, form, error.message, status_code=400)
    return redirect(f"/ui/products/{product.id}")


def _command(form: Mapping[str, str]) -> service.CreateProduct:
    name = forms.required(form, "name")
    kind = forms.required(form, "type")
    try:
        product_type = ProductType.parse(kind)
    except ValueError:
        raise DomainValidationError(f"type: {kind!r} is not a product type") from None
    fields: dict[str, Any] = {}
    metric = forms.text(form, "billable_metric_id")
    if metric is not None:
        fields["billable_metric_id"] = metric
    for name_ in ("tags", "pricing_group_key", "presentation_group_key", "composite_tags"):
        if forms.words(form, name_):
            fields[name_] = forms.words(form, name_)
    if forms.words(form, "composite_product_ids"):
        fields["composite_product_ids"] = forms.words(form, "composite_product_ids")
    return service.CreateProduct(name=name, type=product_type, fields=fields)


def _form(
    request: WebRequest, values: Mapping[str, str], error: str | None, status_code: int = 200
) -> Response:
    metrics = metric_service.list_page(
        request.context.uow(read_only=True), include_archived=False, limit=100, cursor=None
    )
    return request.render(
        "product_new.html",
        status_code=status_code,
        values=values,
        error=error,
        types=PRODUCT_TYPES,
        metrics=metrics.items,
    )
