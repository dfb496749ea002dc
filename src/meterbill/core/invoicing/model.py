"""Frozen values of an invoice: what the customer pays, line by line.

Names follow the SDK's ``Invoice`` and ``LineItem`` (``types/v1/customers/invoice.py``). Amounts
are exact ``Decimal`` in the invoice's pricing unit (USD in cents); nothing is rounded here. An
invoice's ``total`` is the exact sum of its lines' totals, except postpaid commit applications
(Metronome leaves them out of the total).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType

from meterbill.core.rounding import exact_sum

_EMPTY: Mapping[str, str] = MappingProxyType({})


class InvoiceType(Enum):
    USAGE = "USAGE"
    SCHEDULED = "SCHEDULED"


class InvoiceStatus(Enum):
    DRAFT = "DRAFT"
    FINALIZED = "FINALIZED"
    VOID = "VOID"


class LineType(Enum):
    """A line item's ``type`` (lower case on the wire, as Metronome sends it)."""

    USAGE = "usage"
    SUBSCRIPTION = "subscription"
    SCHEDULED = "scheduled"
    COMMIT_PURCHASE = "commit_purchase"
    APPLIED_COMMIT_OR_CREDIT = "applied_commit_or_credit"
    CPU_CONVERSION = "cpu_conversion"
    # --- balances: the shortfall of a postpaid commit (core.invoicing.balances.settle_trueups)
    POSTPAID_TRUEUP = "postpaid_trueup"


@dataclass(frozen=True, slots=True)
class LineTier:
    """The band of a tiered rate a line was priced in: ``starting_at`` is the cumulative
    period quantity where it begins, ``size`` its width (None = open)."""

    level: int
    starting_at: Decimal
    size: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AppliedBalance:
    """Which commit or credit an ``applied_commit_or_credit`` line draws from."""

    id: str
    type: str  # PREPAID | POSTPAID | CREDIT
    access_type: str = "SPEND"
    segment_id: str | None = None


@dataclass(frozen=True, slots=True)
class LineItem:
    """One line: ``total`` exact; ``quantity x unit_price == total`` except for prorated
    subscription lines (``unit_price`` is then the full-period price)."""

    type: LineType
    name: str
    total: Decimal
    credit_type_id: str
    product_id: str | None = None
    product_type: str | None = None
    product_tags: tuple[str, ...] = ()
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    starting_at: datetime | None = None
    ending_before: datetime | None = None
    pricing_group_values: Mapping[str, str | None] | None = None
    presentation_group_values: Mapping[str, str | None] | None = None
    tier: LineTier | None = None
    subscription_id: str | None = None
    is_prorated: bool | None = None
    scheduled_charge_id: str | None = None
    commit_id: str | None = None
    commit_type: str | None = None
    commit_segment_id: str | None = None
    applied_commit_or_credit: AppliedBalance | None = None
    product_custom_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    custom_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    @property
    def counts_in_total(self) -> bool:
        """Postpaid commit applications are shown but do not reduce the total."""
        applied = self.applied_commit_or_credit
        return applied is None or applied.type != "POSTPAID"


@dataclass(frozen=True, slots=True)
class InvoiceKey:
    """What identifies an invoice across recomputations.

    USAGE: the statement period ``[starting_at, ending_before)``. SCHEDULED: the instant the
    charges are due, as ``starting_at == ending_before``. One invoice per pricing unit.
    """

    contract_id: str
    type: InvoiceType
    credit_type_id: str
    starting_at: datetime
    ending_before: datetime


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice as computed (DRAFT) or as finalised.

    ``issued_at`` is the period end (USAGE) or the due instant (SCHEDULED), decisions.md §9;
    ``due_at`` is ``issued_at`` plus the contract's net payment terms, None without terms.
    """

    id: str
    key: InvoiceKey
    customer_id: str
    status: InvoiceStatus
    line_items: tuple[LineItem, ...]
    issued_at: datetime
    due_at: datetime | None = None
    net_payment_terms_days: Decimal | None = None
    contract_custom_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    custom_fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    regenerated_from_invoice_id: str | None = None
    finalized_at: datetime | None = None
    voided_at: datetime | None = None
    revision: int = 0

    @property
    def total(self) -> Decimal:
        return exact_sum(line.total for line in self.line_items if line.counts_in_total)

    @property
    def subtotal(self) -> Decimal:
        """The total before commit and credit applications."""
        return exact_sum(
            line.total
            for line in self.line_items
            if line.type is not LineType.APPLIED_COMMIT_OR_CREDIT
        )

    @property
    def type(self) -> InvoiceType:
        return self.key.type

    @property
    def contract_id(self) -> str:
        return self.key.contract_id

    @property
    def credit_type_id(self) -> str:
        return self.key.credit_type_id
