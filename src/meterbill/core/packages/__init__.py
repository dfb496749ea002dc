"""Packages: time-relative contract templates, and the contracts they materialise into.

* ``model``: the package as frozen values (offsets instead of dates);
* ``validation``: what a package may hold, checked once at creation;
* ``materialise``: package + contract start -> a ``Contract`` with absolute dates and new ids;
* ``aliases``: who holds an alias when (``spec/decisions.md`` §10);
* ``migration``: moving a contract to another package as a RENEWAL transition (an extension).
"""

from meterbill.core.packages.aliases import (
    AliasChange,
    AliasHolding,
    effective_windows,
    resolve_package_alias,
    take_aliases,
)
from meterbill.core.packages.cohorts import CohortMember
from meterbill.core.packages.materialise import IdFactory, materialise
from meterbill.core.packages.model import (
    AbsoluteWindow,
    Package,
    PackageAlias,
    PackageCommit,
    PackageOverride,
    PackageRecurringCommit,
    PackageScheduledCharge,
    PackageStatementSchedule,
    PackageSubscription,
    RelativeAccessItem,
    RelativeAccessSchedule,
    RelativeInvoiceItem,
    RelativeInvoiceSchedule,
)
from meterbill.core.packages.validation import link_templates, override_field, validate_package

__all__ = [
    "AbsoluteWindow",
    "AliasChange",
    "AliasHolding",
    "CohortMember",
    "IdFactory",
    "Package",
    "PackageAlias",
    "PackageCommit",
    "PackageOverride",
    "PackageRecurringCommit",
    "PackageScheduledCharge",
    "PackageStatementSchedule",
    "PackageSubscription",
    "RelativeAccessItem",
    "RelativeAccessSchedule",
    "RelativeInvoiceItem",
    "RelativeInvoiceSchedule",
    "effective_windows",
    "link_templates",
    "materialise",
    "override_field",
    "resolve_package_alias",
    "take_aliases",
    "validate_package",
]
