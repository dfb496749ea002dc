"""What an invoice is computed from, as frozen values the services load.

The computation runs in two steps so that the core never reads storage: first
``usage_needed`` says which usage aggregates a period needs (one :class:`UsageKey` per product
and window of constant pricing), then the services aggregate them and pass a
:data:`UsageTable` back in :class:`BillingInputs`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from meterbill.core.catalog import Product
from meterbill.core.contracts.terms import USD_CENTS, Commit, Contract
from meterbill.core.pricing import RateEntry

GroupValue = tuple[str | None, ...]
"""One text (or None) per key of a :class:`UsageKey`'s ``group_keys``, in that order."""


@dataclass(frozen=True, slots=True)
class UsageKey:
    """The usage of ``product_id`` (metric ``billable_metric_id``) over
    ``[starting_at, ending_before)``, grouped by ``group_keys`` (pricing keys then
    presentation keys; empty = not grouped)."""

    product_id: str
    billable_metric_id: str
    group_keys: tuple[str, ...]
    starting_at: datetime
    ending_before: datetime


UsageTable = Mapping[UsageKey, Mapping[GroupValue, Decimal]]
"""Aggregated quantity per usage key and group value; a missing key or group is no usage."""

NO_USAGE: UsageTable = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class BillingInputs:
    """Everything one contract's invoices depend on, except balances and usage.

    ``rate_entries`` is the contract's rate card schedule in the order the rates were added;
    ``products`` holds every product the contract can bill (rate card products, subscription,
    scheduled-charge and commit products). ``fiat_credit_type_id`` is the rate card's fiat unit.
    """

    contract: Contract
    rate_entries: Sequence[RateEntry]
    products: Mapping[str, Product]
    fiat_credit_type_id: str = USD_CENTS
    usage: UsageTable = field(default_factory=lambda: NO_USAGE)
    # --- balances: customer-level commits whose ``invoice_contract_id`` is this contract (their
    # purchase / true-up lines are invoiced here, like the contract's own commits) ---
    invoiced_commits: tuple[Commit, ...] = ()
