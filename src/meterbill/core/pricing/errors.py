"""The pricing core's error: a validation failure that names the offending field."""

from __future__ import annotations

from meterbill.core.errors import DomainValidationError


class PricingValidationError(DomainValidationError):
    """A rate, tier, override or quantity the pricing rules do not allow (HTTP 400 at the edge).

    ``field`` is the dotted path of the offending field in Metronome's wire names
    (``"tiers[2].size"``, ``"overwrite_rate.price"``); the message repeats it so a caller
    that only shows ``message`` still names the problem.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
