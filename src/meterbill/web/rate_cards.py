"""Rate cards: the list, one card (rates in force at a chosen date, the full schedule, its
aliases), and the forms pricing people use weekly: create a card, add a rate, assign an alias.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from starlette.responses import Response

from meterbill.core.catalog import AliasWindow
from meterbill.core.errors import DomainError, DomainValidationError
from meterbill.core.pricing import BillingFrequency, Rate, RateEntry, RateType, Tier
from meterbill.services import credit_types as credit_type_service
from meterbill.services import products as product_service
from meterbill.services import rate_cards as service
from meterbill.web import forms
from meterbill.web._framework import WebRequest, redirect
from meterbill.web.money import to_smallest_unit

PAGE_SIZE = 25
SCHEDULE_LIMIT = 500
TIER_ROWS = 4
RATE_TYPES = ("FLAT", "TIERED", "SUBSCRIPTION")
FREQUENCIES = tuple(frequency.value for frequency in BillingFrequency)
_BEGINNING = datetime(1, 1, 1, tzinfo=UTC)


def list_rate_cards(request: WebRequest) -> Response:
    page = service.list_page(
        request.context.uow(read_only=True), PAGE_SIZE, request.query.get("cursor")
    )
    return request.render("rate_cards.html", views=page.items, next_cursor=page.next_cursor)


def show_rate_card(request: WebRequest) -> Response:
    return _detail(request, rate_form={}, alias_form={}, error=None, error_form=None)


def _detail(
    request: WebRequest,
    *,
    rate_form: Mapping[str, str],
    alias_form: Mapping[str, str],
    error: str | None,
    error_form: str | None,
    status_code: int = 200,
) -> Response:
    context = request.context
    card_id = request.path_params["rate_card_id"]
    now = context.clock.now()
    at_text = request.query.get("at") or now.date().isoformat()
    at = forms.parse_day(at_text, "at")
    view = service.get(context.uow(read_only=True), card_id)
    in_force = service.get_rates(context.uow(read_only=True), card_id, at, [], SCHEDULE_LIMIT, None)
    schedule = service.get_rate_schedule(
        context.uow(read_only=True), context.clock, card_id, (_BEGINNING, None), [],
        SCHEDULE_LIMIT, None,
    )  # fmt: skip
    names = {**view.credit_type_names, **in_force.credit_type_names, **schedule.credit_type_names}
    listed = product_service.list_page(context.uow(read_only=True), "NOT_ARCHIVED", 100, None)
    products = [(p.id, p.state_at(now).name, p.type.value) for p in listed.items]
    units = {view.card.fiat_credit_type_id} | {
        conversion.custom_credit_type_id for conversion in view.card.credit_type_conversions
    }
    return request.render(
        "rate_card.html",
        status_code=status_code,
        card=view.card,
        names=names,
        at=at_text,
        in_force=in_force.page.items,
        in_force_truncated=in_force.page.next_cursor is not None,
        schedule=schedule.page.items,
        schedule_truncated=schedule.page.next_cursor is not None,
        products=products,
        units=sorted(units, key=lambda unit: (unit != view.card.fiat_credit_type_id, unit)),
        rate_types=RATE_TYPES,
        frequencies=FREQUENCIES,
        tier_rows=range(TIER_ROWS),
        rate_form=rate_form,
        alias_form=alias_form,
        error=error,
        error_form=error_form,
        today=now.date().isoformat(),
    )


def new_rate_card(request: WebRequest) -> Response:
    return _new_form(request, {}, None)


def create_rate_card(request: WebRequest) -> Response:
    form = request.form
    try:
        alias = forms.text(form, "alias")
        aliases = (
            (AliasWindow(alias, forms.day(form, "alias_starting_at")),) if alias is not None else ()
        )
        command = service.CreateRateCard(
            name=forms.required(form, "name"),
            description=forms.text(form, "description"),
            fiat_credit_type_id=forms.text(form, "fiat_credit_type_id"),
            aliases=aliases,
        )
        view = service.create(request.context.uow(), request.context.clock, command)
    except DomainError as error:
        return _new_form(request, form, error.message, status_code=400)
    return redirect(f"/ui/rate-cards/{view.card.id}")


def _new_form(
    request: WebRequest, values: Mapping[str, str], error: str | None, status_code: int = 200
) -> Response:
    units = credit_type_service.list_page(request.context.uow(read_only=True), 100, None)
    currencies = [unit for unit in units.items if unit.is_currency]
    return request.render(
        "rate_card_new.html",
        status_code=status_code,
        values=values,
        error=error,
        currencies=currencies,
    )


def add_rate(request: WebRequest) -> Response:
    """Add one rate from a date: a flat price or tiers, in dollars for USD cards."""
    card_id = request.path_params["rate_card_id"]
    form = request.form
    try:
        card = service.get(request.context.uow(read_only=True), card_id).card
        entry = _rate_entry(form, card.fiat_credit_type_id)
        service.add_rates(request.context.uow(), request.context.clock, card_id, [entry], prefix="")
    except DomainError as error:
        return _detail(
            request, rate_form=form, alias_form={}, error=error.message, error_form="rate",
            status_code=400,
        )  # fmt: skip
    return redirect(f"/ui/rate-cards/{card_id}?at={entry.starting_at.date().isoformat()}")


def assign_alias(request: WebRequest) -> Response:
    """Give the card an alias from a date; its previous holder's window ends there."""
    card_id = request.path_params["rate_card_id"]
    form = request.form
    try:
        card = service.get(request.context.uow(read_only=True), card_id).card
        window = AliasWindow(
            forms.required(form, "name"),
            forms.day(form, "starting_at"),
            forms.day(form, "ending_before"),
        )
        command = service.UpdateRateCard(rate_card_id=card_id, aliases=(*card.aliases, window))
        service.update(request.context.uow(), command)
    except DomainError as error:
        return _detail(
            request, rate_form={}, alias_form=form, error=error.message, error_form="alias",
            status_code=400,
        )  # fmt: skip
    return redirect(f"/ui/rate-cards/{card_id}")


def _rate_entry(form: Mapping[str, str], fiat_credit_type_id: str) -> RateEntry:
    rate_type = _choice(form, "rate_type", RATE_TYPES)
    unit = forms.text(form, "credit_type_id")
    shown_in = unit or fiat_credit_type_id
    frequency = forms.text(form, "billing_frequency")
    price = forms.decimal(form, "price")
    rate = Rate(
        rate_type=RateType(rate_type),
        price=None if price is None else to_smallest_unit(price, shown_in),
        tiers=_tiers(form, shown_in) if rate_type == "TIERED" else (),
        is_prorated=True if rate_type == "SUBSCRIPTION" else None,
        credit_type_id=unit,
    )
    return RateEntry(
        product_id=forms.required(form, "product_id"),
        starting_at=forms.required_day(form, "starting_at"),
        ending_before=forms.day(form, "ending_before"),
        rate=rate,
        billing_frequency=BillingFrequency(_choice(form, "billing_frequency", FREQUENCIES))
        if frequency is not None
        else None,
    )


def _tiers(form: Mapping[str, str], unit: str) -> tuple[Tier, ...]:
    tiers: list[Tier] = []
    for index in range(TIER_ROWS):
        price = forms.decimal(form, f"tiers[{index}].price")
        size = forms.decimal(form, f"tiers[{index}].size")
        if price is None and size is None:
            continue
        if price is None:
            raise DomainValidationError(f"tiers[{index}].price: is required")
        tiers.append(Tier(price=to_smallest_unit(price, unit), size=size))
    return tuple(tiers)


def _choice(form: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = forms.required(form, name).upper()
    if value not in allowed:
        raise DomainValidationError(f"{name}: must be one of {', '.join(allowed)}")
    return value
