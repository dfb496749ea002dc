"""Wire terms (``contract_wire``) to frozen contract terms (``core.contracts.terms``).

A :class:`TermBuilder` gives every term and schedule item a fresh id, stamps ``created_at``,
expands ``recurring_schedule`` into items, and resolves ``temporary_id`` references (commit
ids in override specifiers, subscription ids in recurring commits) made in the same request.
Shape errors are 400s naming the field; the domain rules are checked later by the service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeVar

from meterbill.api.errors import BadRequest
from meterbill.api.v1 import contract_wire as w
from meterbill.core.contracts.terms import (
    EMPTY,
    USD_CENTS,
    AccessItem,
    AccessSchedule,
    AccessType,
    AmountDistribution,
    BalanceRateType,
    BillingFrequency,
    CollectionSchedule,
    Commit,
    CommitKind,
    CommitSpecifier,
    InvoiceBehavior,
    InvoiceItem,
    InvoicePlacement,
    InvoiceSchedule,
    Override,
    ProrationMode,
    ProrationRoundingConfig,
    QuantityEntry,
    RecurringCommit,
    RecurringInvoiceSchedule,
    RoundingMethod,
    ScheduledCharge,
    Subscription,
    SubscriptionConfig,
)
from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Frequency
from meterbill.core.pricing import OverrideSpecifier, OverrideTier, OverrideType, specifiers_for
from meterbill.core.pricing.values import Rate, RateType, Tier
from meterbill.core.recurrence import RecurringSchedule, expand_recurring_schedule
from meterbill.services.ids import new_id

M = TypeVar("M")


def refuse(value: object, path: str) -> None:
    """A field meterbill accepts on the wire but does not implement: 400 naming it."""
    if value is not None:
        raise BadRequest(f"{path}: not supported by meterbill yet")


def whole(value: Decimal, path: str) -> int:
    """A count sent as a JSON number (``decimal_places``, ``commit_duration.value``)."""
    if value != value.to_integral_value():
        raise BadRequest(f"{path}: must be a whole number")
    return int(value)


def _frozen(values: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(values)) if values else EMPTY


@dataclass
class TermBuilder:
    """Builds the terms of one request, all stamped ``now``, inside one contract window."""

    now: datetime
    contract_starting_at: datetime
    contract_ending_before: datetime | None
    temporary_ids: dict[str, str] = field(default_factory=dict)
    ordinal: int = 0

    def _id(self, temporary_id: str | None, path: str) -> str:
        ident = new_id()
        if temporary_id is not None:
            if temporary_id in self.temporary_ids:
                raise BadRequest(f"{path}.temporary_id: {temporary_id!r} is used twice")
            self.temporary_ids[temporary_id] = ident
        return ident

    def resolve(self, ident: str) -> str:
        """A ``temporary_id`` of this request becomes the term's id; other ids stay."""
        return self.temporary_ids.get(ident, ident)

    def _next_ordinal(self) -> int:
        self.ordinal += 1
        return self.ordinal

    # --- schedules ------------------------------------------------------------------------

    def access_schedule(self, given: w.AccessScheduleIn, path: str) -> AccessSchedule:
        items = tuple(
            AccessItem(new_id(), item.amount, item.starting_at, item.ending_before)
            for item in given.schedule_items
        )
        return AccessSchedule(
            items=items,
            credit_type_id=given.credit_type_id or USD_CENTS,
            access_type=AccessType(given.access_type or "SPEND"),
        )

    def invoice_schedule(self, given: w.InvoiceScheduleIn, path: str) -> InvoiceSchedule:
        if given.recurring_schedule is not None and given.schedule_items:
            raise BadRequest(
                f"{path}.recurring_schedule: give schedule_items or a recurring_schedule, not both"
            )
        recurring = None
        if given.recurring_schedule is not None:
            recurring, items = self._recurring(
                given.recurring_schedule, f"{path}.recurring_schedule"
            )
        else:
            items = tuple(
                self.invoice_item(item, f"{path}.schedule_items[{index}]")
                for index, item in enumerate(given.schedule_items or ())
            )
        return InvoiceSchedule(
            items=items,
            credit_type_id=given.credit_type_id or USD_CENTS,
            do_not_invoice=bool(given.do_not_invoice),
            recurring_schedule=recurring,
        )

    def invoice_item(self, item: w.InvoiceItemIn, path: str) -> InvoiceItem:
        priced = item.unit_price is not None or item.quantity is not None
        if item.amount is not None and priced:
            raise BadRequest(f"{path}.amount: give amount, or unit_price and quantity, not both")
        if item.amount is not None:
            return InvoiceItem(new_id(), item.timestamp, item.amount)
        if item.unit_price is None or item.quantity is None:
            raise BadRequest(f"{path}.amount: give amount, or both unit_price and quantity")
        amount = item.unit_price * item.quantity
        return InvoiceItem(new_id(), item.timestamp, amount, item.quantity, item.unit_price)

    def _recurring(
        self, given: w.RecurringScheduleIn, path: str
    ) -> tuple[RecurringInvoiceSchedule, tuple[InvoiceItem, ...]]:
        frequency = Frequency(given.frequency)
        distribution = AmountDistribution(given.amount_distribution)
        try:
            schedule = RecurringSchedule(
                given.starting_at, given.ending_before, frequency, distribution,
                given.amount, given.unit_price, given.quantity,
            )  # fmt: skip
            expanded = expand_recurring_schedule(schedule)
        except DomainValidationError as error:
            raise BadRequest(f"{path}: {error.message}") from None
        items = tuple(
            InvoiceItem(new_id(), item.timestamp, item.amount, item.quantity, item.unit_price)
            for item in expanded
        )
        kept = RecurringInvoiceSchedule(
            given.starting_at, given.ending_before, frequency, distribution,
            given.amount, given.unit_price, given.quantity,
        )  # fmt: skip
        return kept, items

    # --- commits and credits ----------------------------------------------------------------

    def commit(self, given: w.CommitIn, path: str) -> Commit:
        refuse(given.hierarchy_configuration, f"{path}.hierarchy_configuration")
        refuse(given.payment_gate_config, f"{path}.payment_gate_config")
        if given.access_schedule is None:
            raise BadRequest(f"{path}.access_schedule: is required")
        kind = CommitKind(given.type)
        invoice = None
        if given.invoice_schedule is not None:
            invoice = self.invoice_schedule(given.invoice_schedule, f"{path}.invoice_schedule")
        settings: dict[str, object] = {}
        if given.spend_tracker_attributes is not None:
            settings["spend_tracker_attributes"] = given.spend_tracker_attributes
        return Commit(
            id=self._id(given.temporary_id, path),
            kind=kind,
            product_id=given.product_id,
            access_schedule=self.access_schedule(given.access_schedule, f"{path}.access_schedule"),
            invoice_schedule=invoice,
            name=given.name,
            description=given.description,
            priority=given.priority,
            applicable_product_ids=tuple(given.applicable_product_ids or ()),
            applicable_product_tags=tuple(given.applicable_product_tags or ()),
            specifiers=_specifiers(given.specifiers),
            rate_type=BalanceRateType(given.rate_type or "LIST_RATE"),
            rollover_fraction=given.rollover_fraction,
            custom_fields=_frozen(given.custom_fields),
            netsuite_sales_order_id=given.netsuite_sales_order_id,
            ordinal=self._next_ordinal(),
            amount=given.amount,
            created_at=self.now,
            settings=MappingProxyType(settings),
        )

    def credit(self, given: w.CreditIn, path: str) -> Commit:
        refuse(given.hierarchy_configuration, f"{path}.hierarchy_configuration")
        return Commit(
            id=new_id(),
            kind=CommitKind.CREDIT,
            product_id=given.product_id,
            access_schedule=self.access_schedule(given.access_schedule, f"{path}.access_schedule"),
            name=given.name,
            description=given.description,
            priority=given.priority,
            applicable_product_ids=tuple(given.applicable_product_ids or ()),
            applicable_product_tags=tuple(given.applicable_product_tags or ()),
            specifiers=_specifiers(given.specifiers),
            rate_type=BalanceRateType(given.rate_type or "LIST_RATE"),
            rollover_fraction=given.rollover_fraction,
            custom_fields=_frozen(given.custom_fields),
            netsuite_sales_order_id=given.netsuite_sales_order_id,
            ordinal=self._next_ordinal(),
            created_at=self.now,
        )

    def recurring_commit(
        self, given: w.RecurringCommitIn, path: str, kind: CommitKind
    ) -> RecurringCommit:
        refuse(given.hierarchy_configuration, f"{path}.hierarchy_configuration")
        if kind is CommitKind.CREDIT and given.invoice_amount is not None:
            raise BadRequest(f"{path}.invoice_amount: recurring credits are not invoiced")
        rounding = given.proration_rounding
        config = given.subscription_config
        access = given.access_amount
        invoice = given.invoice_amount
        return RecurringCommit(
            id=self._id(given.temporary_id, path),
            kind=kind,
            product_id=given.product_id,
            starting_at=given.starting_at,
            access_unit_price=access.unit_price,
            access_quantity=access.quantity,
            commit_duration=whole(given.commit_duration.value, f"{path}.commit_duration.value"),
            priority=given.priority,
            rate_type=BalanceRateType(given.rate_type or "LIST_RATE"),
            ending_before=given.ending_before,
            access_credit_type_id=access.credit_type_id or USD_CENTS,
            access_type=AccessType(access.access_type or "SPEND"),
            invoice_unit_price=invoice.unit_price if invoice else None,
            invoice_quantity=invoice.quantity if invoice else None,
            invoice_credit_type_id=invoice.credit_type_id if invoice else None,
            proration=ProrationMode(given.proration or "FIRST_AND_LAST"),
            access_rounding=_rounding(
                rounding.access if rounding else None, f"{path}.proration_rounding.access"
            ),
            invoice_rounding=_rounding(
                rounding.invoice if rounding else None, f"{path}.proration_rounding.invoice"
            ),
            recurrence_frequency=(
                Frequency(given.recurrence_frequency) if given.recurrence_frequency else None
            ),
            rollover_fraction=given.rollover_fraction,
            applicable_product_ids=tuple(given.applicable_product_ids or ()),
            applicable_product_tags=tuple(given.applicable_product_tags or ()),
            specifiers=_specifiers(given.specifiers),
            subscription_config=(
                SubscriptionConfig(
                    subscription_id=self.resolve(config.subscription_id),
                    allocation=config.allocation or "POOLED",
                    apply_seat_increase_is_prorated=config.apply_seat_increase_config.is_prorated,
                )
                if config is not None
                else None
            ),
            name=given.name,
            description=given.description,
            netsuite_sales_order_id=given.netsuite_sales_order_id,
            ordinal=self._next_ordinal(),
        )

    # --- charges, subscriptions, overrides ------------------------------------------------

    def scheduled_charge(self, given: w.ScheduledChargeIn, path: str) -> ScheduledCharge:
        return ScheduledCharge(
            id=new_id(),
            product_id=given.product_id,
            schedule=self.invoice_schedule(given.schedule, f"{path}.schedule"),
            name=given.name,
            custom_fields=_frozen(given.custom_fields),
            netsuite_sales_order_id=given.netsuite_sales_order_id,
        )

    def subscription(self, given: w.SubscriptionIn, path: str) -> Subscription:
        mode = given.quantity_management_mode or "QUANTITY_ONLY"
        start = given.starting_at or self.contract_starting_at
        quantity, seat_ids, seat_key = _initial_quantity(given, mode, path)
        collection = CollectionSchedule(given.collection_schedule)
        behavior = given.proration.invoice_behavior
        cycle = given.billing_cycle_config
        return Subscription(
            id=self._id(given.temporary_id, path),
            product_id=given.subscription_rate.product_id,
            billing_frequency=BillingFrequency(given.subscription_rate.billing_frequency),
            collection_schedule=collection,
            starting_at=start,
            quantity_schedule=(QuantityEntry(start, quantity),),
            is_prorated=given.proration.is_prorated is not False,
            invoice_behavior=InvoiceBehavior(behavior)
            if behavior
            else _default_behavior(collection),
            proration_rounding=_rounding(given.proration.rounding, f"{path}.proration.rounding"),
            ending_before=given.ending_before or self.contract_ending_before,
            billing_anchor_date=cycle.anchor_date if cycle else None,
            invoice_placement=InvoicePlacement(
                (cycle.invoice_placement if cycle else None) or "ON_USAGE_INVOICE"
            ),
            quantity_management_mode=mode,
            seat_group_key=seat_key,
            name=given.name,
            description=given.description,
            custom_fields=_frozen(given.custom_fields),
            created_at=self.now,
            initial_seat_ids=seat_ids,
        )

    def override(self, given: w.OverrideIn, path: str) -> Override:
        given_form = given.product_id is not None or bool(given.applicable_product_tags)
        if given.override_specifiers is not None and given_form:
            raise BadRequest(
                f"{path}.override_specifiers: cannot be combined with product_id or "
                "applicable_product_tags"
            )
        if given.override_specifiers is not None:
            specifiers = tuple(self._override_specifier(s) for s in given.override_specifiers)
        else:
            specifiers = specifiers_for(given.product_id, given.applicable_product_tags or ())
        return Override(
            id=new_id(),
            starting_at=given.starting_at,
            specifiers=specifiers,
            type=OverrideType(given.type) if given.type else None,
            ending_before=given.ending_before,
            multiplier=given.multiplier,
            overwrite_rate=_overwrite(given.overwrite_rate, f"{path}.overwrite_rate"),
            tiers=tuple(OverrideTier(t.multiplier, t.size) for t in given.tiers or ()),
            priority=given.priority,
            entitled=given.entitled,
            is_commit_specific=bool(given.is_commit_specific),
            target=BalanceRateType(given.target or "LIST_RATE"),
        )

    def _override_specifier(self, given: w.OverrideSpecifierIn) -> OverrideSpecifier:
        frequency = given.billing_frequency
        return OverrideSpecifier(
            product_id=given.product_id,
            product_tags=frozenset(given.product_tags or ()),
            pricing_group_values=given.pricing_group_values or {},
            presentation_group_values=given.presentation_group_values or {},
            billing_frequency=BillingFrequency(frequency) if frequency else None,
            commit_ids=frozenset(self.resolve(i) for i in given.commit_ids or ()),
            recurring_commit_ids=frozenset(
                self.resolve(i) for i in given.recurring_commit_ids or ()
            ),
            any_commit_or_credit_ids=frozenset(
                self.resolve(i) for i in given.any_commit_or_credit_ids or ()
            ),
        )


def each(items: Sequence[M] | None, path: str, build: Callable[[M, str], Any]) -> list[Any]:
    """``build(item, "path[i]")`` for every item of an optional list."""
    return [build(item, f"{path}[{index}]") for index, item in enumerate(items or ())]


def _specifiers(given: list[w.SpecifierIn] | None) -> tuple[CommitSpecifier, ...]:
    return tuple(
        CommitSpecifier(
            product_id=s.product_id,
            product_tags=tuple(s.product_tags or ()),
            pricing_group_values=_frozen(s.pricing_group_values),
            presentation_group_values=_frozen(s.presentation_group_values),
        )
        for s in given or ()
    )


def _rounding(given: w.RoundingIn | None, path: str) -> ProrationRoundingConfig | None:
    if given is None:
        return None
    places = whole(given.decimal_places, f"{path}.decimal_places")
    return ProrationRoundingConfig(places, RoundingMethod[given.rounding_method])


def _overwrite(given: w.OverwriteRateIn | None, path: str) -> Rate | None:
    if given is None:
        return None
    refuse(given.custom_rate, f"{path}.custom_rate")
    return Rate(
        rate_type=RateType(given.rate_type),
        price=given.price,
        tiers=tuple(Tier(t.price, t.size) for t in given.tiers or ()),
        is_prorated=given.is_prorated,
        quantity=given.quantity,
        credit_type_id=given.credit_type_id,
    )


def _default_behavior(collection: CollectionSchedule) -> InvoiceBehavior:
    """docs/decisions/time-subscription-quantity-changes.md: by collection schedule."""
    if collection is CollectionSchedule.ADVANCE:
        return InvoiceBehavior.BILL_IMMEDIATELY
    return InvoiceBehavior.BILL_ON_NEXT_COLLECTION_DATE


def _initial_quantity(
    given: w.SubscriptionIn, mode: str, path: str
) -> tuple[Decimal, tuple[str, ...], str | None]:
    if mode == "SEAT_BASED":
        seats = given.seat_config
        if seats is None:
            raise BadRequest(f"{path}.seat_config: is required for SEAT_BASED subscriptions")
        if given.initial_quantity is not None:
            raise BadRequest(
                f"{path}.initial_quantity: SEAT_BASED quantities come from seat_config"
            )
        unassigned = seats.initial_unassigned_seats or Decimal(0)
        if unassigned < 0:
            raise BadRequest(f"{path}.seat_config.initial_unassigned_seats: must not be negative")
        quantity = Decimal(len(seats.initial_seat_ids)) + unassigned
        return quantity, tuple(seats.initial_seat_ids), seats.seat_group_key
    if given.seat_config is not None:
        raise BadRequest(f"{path}.seat_config: is only valid for SEAT_BASED subscriptions")
    if given.initial_quantity is None:
        raise BadRequest(f"{path}.initial_quantity: is required for QUANTITY_ONLY subscriptions")
    if given.initial_quantity < 0:
        raise BadRequest(f"{path}.initial_quantity: must not be negative")
    return given.initial_quantity, (), None
