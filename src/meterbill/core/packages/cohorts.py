"""Cohorts: the contracts provisioned from a package, as ``listContractsOnPackage`` lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["CohortMember"]


@dataclass(frozen=True, slots=True)
class CohortMember:
    """One contract on a package: its window and whether it is archived."""

    contract_id: str
    customer_id: str
    starting_at: datetime
    ending_before: datetime | None = None
    archived_at: datetime | None = None
