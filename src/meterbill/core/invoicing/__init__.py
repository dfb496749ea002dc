"""The invoice as a pure function of (contract, rate schedule, products, usage, balances,
period, as_of).

Public surface:

* values: ``Invoice``, ``InvoiceKey``, ``InvoiceType``, ``InvoiceStatus``, ``LineItem``,
  ``LineType``, ``LineTier``, ``AppliedBalance``
* inputs: ``BillingInputs``, ``UsageKey``, ``UsageTable``, ``GroupValue``
* ``invoice_keys(inputs, as_of)``: which invoices exist; ``usage_for(key, inputs)``: which
  usage aggregates one needs; ``compute_invoice(key, inputs, as_of, apply_balances=...)``
* finalisation timing: ``is_due``, ``finalisation_time``; stable ids: ``invoice_id``
* the balances seam: ``BalanceContext``, ``Application``, ``ApplyBalances``, ``no_balances``
"""

from meterbill.core.invoicing.balances import (
    Application,
    ApplyBalances,
    BalanceContext,
    applied_lines,
    no_balances,
)
from meterbill.core.invoicing.ids import invoice_id
from meterbill.core.invoicing.inputs import (
    NO_USAGE,
    BillingInputs,
    GroupValue,
    UsageKey,
    UsageTable,
)
from meterbill.core.invoicing.invoice import (
    charge_lines,
    compute_invoice,
    due_at,
    invoice_keys,
    usage_for,
)
from meterbill.core.invoicing.model import (
    AppliedBalance,
    Invoice,
    InvoiceKey,
    InvoiceStatus,
    InvoiceType,
    LineItem,
    LineTier,
    LineType,
)
from meterbill.core.invoicing.schedule import (
    finalisation_time,
    is_due,
    statement_schedule,
    usage_periods,
)

__all__ = [
    "NO_USAGE",
    "Application",
    "AppliedBalance",
    "ApplyBalances",
    "BalanceContext",
    "BillingInputs",
    "GroupValue",
    "Invoice",
    "InvoiceKey",
    "InvoiceStatus",
    "InvoiceType",
    "LineItem",
    "LineTier",
    "LineType",
    "UsageKey",
    "UsageTable",
    "applied_lines",
    "charge_lines",
    "compute_invoice",
    "due_at",
    "finalisation_time",
    "invoice_id",
    "invoice_keys",
    "is_due",
    "no_balances",
    "statement_schedule",
    "usage_for",
    "usage_periods",
]
