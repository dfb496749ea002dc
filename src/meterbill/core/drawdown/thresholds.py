"""Threshold billing, purely: when a balance or spend crosses a configured threshold, and the
commit that answers it (``spec/metronome-semantics.md`` §7.2-7.4,
``docs/decisions/balances-threshold-billing.md``).

* Prepaid balance threshold (auto-recharge): when the balance drops to ``threshold_amount`` or
  below, a commit tops it back up to ``recharge_to_amount`` (its amount is the difference). The
  customer pays ``payment_fraction`` of it when a discount applies.
* Spend threshold: when the spend not yet paid reaches ``threshold_amount``, a commit of that
  spend is charged at once and drawn down by the usage it paid for, bringing the outstanding
  spend back to zero.

Minimums (§7.3): threshold >= $5 and recharge_to >= threshold + $10, in the pricing unit's own
denomination (500 and 1,000 for USD cents, 5 and 10 for other units).

The configurations are kept on the contract as the wire sent them (``Contract.settings``); the
parsers here read that mapping into frozen values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType

from meterbill.core.contracts.terms import (
    USD_CENTS,
    AccessItem,
    AccessSchedule,
    BalanceRateType,
    Commit,
    CommitKind,
    CommitSpecifier,
    Contract,
    InvoiceItem,
    InvoiceSchedule,
)
from meterbill.core.drawdown._exact import ZERO, mul, sub, total
from meterbill.core.errors import DomainValidationError
from meterbill.core.periods import Offset, OffsetUnit, Period, add_offset

__all__ = [
    "DEFAULT_THRESHOLD_PRIORITY",
    "PREPAID_CONFIG",
    "SPEND_CONFIG",
    "DiscountCap",
    "PaymentGate",
    "Recharge",
    "RechargeConfig",
    "SpendConfig",
    "ThresholdCommit",
    "ThresholdSource",
    "any_enabled",
    "discount_applies",
    "is_payment_failed",
    "is_pending",
    "is_unusable",
    "recharge_commit",
    "recharge_config",
    "recharge_for",
    "settle_gate",
    "spend_commit",
    "spend_config",
    "spend_threshold_charge",
    "threshold_source",
    "tracked_spend",
    "tracker_of",
    "validate_recharge_config",
]

PREPAID_CONFIG = "prepaid_balance_threshold_configuration"
SPEND_CONFIG = "spend_threshold_configuration"

DEFAULT_THRESHOLD_PRIORITY = Decimal(100)
"""Threshold commits default to priority 100 (SDK ``BaseThresholdCommit.priority``)."""

MIN_THRESHOLD_CENTS = Decimal(500)
MIN_RECHARGE_GAP_CENTS = Decimal(1000)
MIN_THRESHOLD_UNITS = Decimal(5)
MIN_RECHARGE_GAP_UNITS = Decimal(10)

_DEFAULT_DURATION = Offset(OffsetUnit.YEARS, 1)
_SOURCE_KEY = "threshold_source"
_DISCOUNTED_KEY = "counts_as_discounted"
_GATE_KEY = "payment_gate"


class PaymentGate(Enum):
    """NONE: the commit is usable at once; EXTERNAL: only once the payment is released."""

    NONE = "NONE"
    EXTERNAL = "EXTERNAL"


class ThresholdSource(Enum):
    """Why a threshold commit exists (spend trackers count ``THRESHOLD_RECHARGE``)."""

    THRESHOLD_RECHARGE = "THRESHOLD_RECHARGE"
    SPEND_THRESHOLD = "SPEND_THRESHOLD"


@dataclass(frozen=True, slots=True)
class DiscountCap:
    """The discount stops once the tracker ``spend_tracker_alias`` reached ``amount``."""

    amount: Decimal
    spend_tracker_alias: str


@dataclass(frozen=True, slots=True)
class ThresholdCommit:
    """The template of the commits a threshold creates (``BaseThresholdCommit`` and the
    prepaid configuration's extras)."""

    product_id: str
    name: str | None = None
    description: str | None = None
    priority: Decimal = DEFAULT_THRESHOLD_PRIORITY
    applicable_product_ids: tuple[str, ...] = ()
    applicable_product_tags: tuple[str, ...] = ()
    specifiers: tuple[CommitSpecifier, ...] = ()
    duration: Offset = _DEFAULT_DURATION
    rate_type: BalanceRateType = BalanceRateType.LIST_RATE
    rollover_fraction: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RechargeConfig:
    """A ``prepaid_balance_threshold_configuration``."""

    commit: ThresholdCommit
    is_enabled: bool
    gate: PaymentGate
    threshold_amount: Decimal
    recharge_to_amount: Decimal
    credit_type_id: str = USD_CENTS
    payment_fraction: Decimal | None = None
    cap: DiscountCap | None = None
    # (entity, key, value) sets: a balance whose custom fields hold every pair of one set is
    # left out of the balance the threshold looks at.
    excluded: tuple[tuple[tuple[str, str, str], ...], ...] = ()


@dataclass(frozen=True, slots=True)
class SpendConfig:
    """A ``spend_threshold_configuration``."""

    commit: ThresholdCommit
    is_enabled: bool
    gate: PaymentGate
    threshold_amount: Decimal
    payment_fraction: Decimal | None = None
    cap: DiscountCap | None = None


@dataclass(frozen=True, slots=True)
class Recharge:
    """A recharge commit: ``access_amount`` granted, ``invoice_amount`` paid."""

    access_amount: Decimal
    invoice_amount: Decimal


# --- parsing the stored configuration ----------------------------------------------------------


def _decimal(value: object, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise DomainValidationError(f"{path}: must be a number")
    try:
        return Decimal(value)
    except ArithmeticError as error:
        raise DomainValidationError(f"{path}: must be a number") from error


def _mapping(value: object, path: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise DomainValidationError(f"{path}: must be an object")
    return value


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return tuple(str(v) for v in value)
    return ()


def _texts(value: object) -> Mapping[str, str]:
    given = value if isinstance(value, Mapping) else {}
    return MappingProxyType({str(k): str(v) for k, v in given.items()})


def _specifiers(value: object) -> tuple[CommitSpecifier, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return ()
    found = []
    for given in value:
        if not isinstance(given, Mapping):
            continue
        product = given.get("product_id")
        found.append(
            CommitSpecifier(
                product_id=str(product) if product is not None else None,
                product_tags=_strings(given.get("product_tags")),
                pricing_group_values=_texts(given.get("pricing_group_values")),
                presentation_group_values=_texts(given.get("presentation_group_values")),
            )
        )
    return tuple(found)


def _commit(value: object, path: str) -> ThresholdCommit:
    given = _mapping(value, path)
    product = given.get("product_id")
    if not isinstance(product, str) or not product:
        raise DomainValidationError(f"{path}.product_id: required")
    duration = _DEFAULT_DURATION
    if given.get("duration") is not None:
        raw = _mapping(given["duration"], f"{path}.duration")
        unit, amount = raw.get("unit"), raw.get("value")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise DomainValidationError(f"{path}.duration.value: must be a positive integer")
        try:
            duration = Offset(OffsetUnit(str(unit).upper()), amount)
        except ValueError as error:
            raise DomainValidationError(f"{path}.duration.unit: unknown unit {unit!r}") from error
    priority = given.get("priority")
    rate = str(given.get("rate_type") or "LIST_RATE").upper()
    rollover = given.get("rollover_fraction")
    name, description = given.get("name"), given.get("description")
    return ThresholdCommit(
        product_id=product,
        name=str(name) if name is not None else None,
        description=str(description) if description is not None else None,
        priority=(
            _decimal(priority, f"{path}.priority")
            if priority is not None
            else DEFAULT_THRESHOLD_PRIORITY
        ),
        applicable_product_ids=_strings(given.get("applicable_product_ids")),
        applicable_product_tags=_strings(given.get("applicable_product_tags")),
        specifiers=_specifiers(given.get("specifiers")),
        duration=duration,
        rate_type=BalanceRateType(rate),
        rollover_fraction=(
            _decimal(rollover, f"{path}.rollover_fraction") if rollover is not None else None
        ),
    )


def _gate(value: object, path: str) -> PaymentGate:
    given = _mapping(value, path)
    name = str(given.get("payment_gate_type", "")).upper()
    try:
        return PaymentGate(name)
    except ValueError as error:
        raise DomainValidationError(
            f"{path}.payment_gate_type: {name or 'missing'} is not supported (use NONE or EXTERNAL)"
        ) from error


def _discount(value: object, path: str) -> tuple[Decimal | None, DiscountCap | None]:
    if value is None:
        return None, None
    given = _mapping(value, path)
    fraction = _decimal(given.get("payment_fraction"), f"{path}.payment_fraction")
    if not ZERO <= fraction <= 1:
        raise DomainValidationError(f"{path}.payment_fraction: must be between 0 and 1")
    cap = None
    if given.get("cap") is not None:
        raw = _mapping(given["cap"], f"{path}.cap")
        alias = raw.get("spend_tracker_alias")
        if not isinstance(alias, str) or not alias:
            raise DomainValidationError(f"{path}.cap.spend_tracker_alias: required")
        cap = DiscountCap(_decimal(raw.get("amount"), f"{path}.cap.amount"), alias)
    return fraction, cap


def _excluded(value: object) -> tuple[tuple[tuple[str, str, str], ...], ...]:
    found: list[tuple[tuple[str, str, str], ...]] = []
    for specifier in value if isinstance(value, Sequence) and not isinstance(value, str) else ():
        if not isinstance(specifier, Mapping):
            continue
        for exclude in specifier.get("exclude") or ():
            if not isinstance(exclude, Mapping):
                continue
            filters = tuple(
                (str(f.get("entity")), str(f.get("key")), str(f.get("value")))
                for f in exclude.get("custom_field_filters") or ()
                if isinstance(f, Mapping)
            )
            if filters:
                found.append(filters)
    return tuple(found)


def recharge_config(settings: Mapping[str, object]) -> RechargeConfig | None:
    """The contract's prepaid balance threshold configuration (None when it has none)."""
    raw = settings.get(PREPAID_CONFIG)
    if raw is None:
        return None
    given = _mapping(raw, PREPAID_CONFIG)
    fraction, cap = _discount(
        given.get("discount_configuration"), f"{PREPAID_CONFIG}.discount_configuration"
    )
    credit_type = given.get("custom_credit_type_id")
    return RechargeConfig(
        commit=_commit(given.get("commit"), f"{PREPAID_CONFIG}.commit"),
        is_enabled=bool(given.get("is_enabled")),
        gate=_gate(given.get("payment_gate_config"), f"{PREPAID_CONFIG}.payment_gate_config"),
        threshold_amount=_decimal(
            given.get("threshold_amount"), f"{PREPAID_CONFIG}.threshold_amount"
        ),
        recharge_to_amount=_decimal(
            given.get("recharge_to_amount"), f"{PREPAID_CONFIG}.recharge_to_amount"
        ),
        credit_type_id=str(credit_type) if credit_type else USD_CENTS,
        payment_fraction=fraction,
        cap=cap,
        excluded=_excluded(given.get("threshold_balance_specifiers")),
    )


def spend_config(settings: Mapping[str, object]) -> SpendConfig | None:
    """The contract's spend threshold configuration (None when it has none)."""
    raw = settings.get(SPEND_CONFIG)
    if raw is None:
        return None
    given = _mapping(raw, SPEND_CONFIG)
    fraction, cap = _discount(
        given.get("discount_configuration"), f"{SPEND_CONFIG}.discount_configuration"
    )
    threshold = _decimal(given.get("threshold_amount"), f"{SPEND_CONFIG}.threshold_amount")
    if threshold <= ZERO:
        raise DomainValidationError(f"{SPEND_CONFIG}.threshold_amount: must be greater than 0")
    return SpendConfig(
        commit=_commit(given.get("commit"), f"{SPEND_CONFIG}.commit"),
        is_enabled=bool(given.get("is_enabled")),
        gate=_gate(given.get("payment_gate_config"), f"{SPEND_CONFIG}.payment_gate_config"),
        threshold_amount=threshold,
        payment_fraction=fraction,
        cap=cap,
    )


def any_enabled(settings: Mapping[str, object]) -> bool:
    """Whether a threshold configuration of these contract settings is enabled."""
    spend, recharge = spend_config(settings), recharge_config(settings)
    return bool((spend and spend.is_enabled) or (recharge and recharge.is_enabled))


def validate_recharge_config(config: RechargeConfig, field: str = PREPAID_CONFIG) -> None:
    """Refuse thresholds below Metronome's minimums (400 naming ``field``)."""
    cents = config.credit_type_id == USD_CENTS
    minimum = MIN_THRESHOLD_CENTS if cents else MIN_THRESHOLD_UNITS
    gap = MIN_RECHARGE_GAP_CENTS if cents else MIN_RECHARGE_GAP_UNITS
    if config.threshold_amount < minimum:
        raise DomainValidationError(f"{field}.threshold_amount: must be at least {minimum}")
    if config.recharge_to_amount < config.threshold_amount + gap:
        raise DomainValidationError(
            f"{field}.recharge_to_amount: must be at least threshold_amount + {gap}"
        )


# --- when a threshold fires ---------------------------------------------------------------------


def recharge_for(
    balance: Decimal,
    threshold_amount: Decimal,
    recharge_to_amount: Decimal,
    payment_fraction: Decimal | None = None,
) -> Recharge | None:
    """The recharge due when ``balance`` is at or below the threshold (None otherwise)."""
    if balance > threshold_amount:
        return None
    access = sub(recharge_to_amount, max(balance, ZERO))
    if access <= ZERO:
        return None
    paid = access if payment_fraction is None else mul(access, payment_fraction)
    return Recharge(access, paid)


def spend_threshold_charge(unbilled_spend: Decimal, threshold_amount: Decimal) -> Decimal | None:
    """The spend to bill now: all of ``unbilled_spend`` once it reaches the threshold."""
    if threshold_amount <= ZERO or unbilled_spend < threshold_amount:
        return None
    return unbilled_spend


def discount_applies(cap: DiscountCap | None, tracked: Decimal) -> bool:
    """A discount applies until its cap's tracker has accumulated ``cap.amount``."""
    return cap is None or tracked < cap.amount


# --- the commits ---------------------------------------------------------------------------------


def threshold_source(commit: Commit) -> ThresholdSource | None:
    """Which threshold created ``commit`` (None for any other commit)."""
    value = commit.settings.get(_SOURCE_KEY)
    return ThresholdSource(value) if isinstance(value, str) else None


def _threshold_commit(
    template: ThresholdCommit,
    *,
    ids: Sequence[str],
    access: Decimal,
    paid: Decimal,
    credit_type_id: str,
    window: Period,
    charged_at: datetime,
    source: ThresholdSource,
    discounted: bool,
    gate: PaymentGate,
    ordinal: int,
) -> Commit:
    commit_id, access_id, invoice_id = ids
    settings: dict[str, object] = {_SOURCE_KEY: source.value, _DISCOUNTED_KEY: discounted}
    if gate is PaymentGate.EXTERNAL:
        settings[_GATE_KEY] = "PENDING"
    return Commit(
        id=commit_id,
        kind=CommitKind.PREPAID,
        product_id=template.product_id,
        access_schedule=AccessSchedule(
            (AccessItem(access_id, access, window.starting_at, window.ending_before),),
            credit_type_id=credit_type_id,
        ),
        invoice_schedule=InvoiceSchedule(
            (InvoiceItem(invoice_id, charged_at, paid, Decimal(1), paid),),
            credit_type_id=credit_type_id,
        ),
        name=template.name,
        description=template.description,
        priority=template.priority,
        applicable_product_ids=template.applicable_product_ids,
        applicable_product_tags=template.applicable_product_tags,
        specifiers=template.specifiers,
        rate_type=template.rate_type,
        rollover_fraction=template.rollover_fraction,
        ordinal=ordinal,
        created_at=charged_at,
        settings=MappingProxyType(settings),
    )


def recharge_commit(
    config: RechargeConfig,
    balance: Decimal,
    *,
    ids: Sequence[str],
    period: Period,
    now: datetime,
    tracked: Decimal,
    ordinal: int,
) -> Commit | None:
    """The recharge commit when ``balance`` is at or below the threshold, else None.

    Its access starts with the statement period holding ``now`` (so all of the period's usage
    may draw on it, whatever the order events arrive in) and lasts ``commit.duration`` past the
    period's end; it is invoiced at ``now``. ``tracked`` is what the cap's spend tracker holds.
    """
    discounted = config.payment_fraction is not None and discount_applies(config.cap, tracked)
    fraction = config.payment_fraction if discounted else None
    due = recharge_for(balance, config.threshold_amount, config.recharge_to_amount, fraction)
    if due is None:
        return None
    ending = add_offset(period.ending_before, config.commit.duration)
    return _threshold_commit(
        config.commit,
        ids=ids,
        access=due.access_amount,
        paid=due.invoice_amount,
        credit_type_id=config.credit_type_id,
        window=Period(period.starting_at, ending),
        charged_at=now,
        source=ThresholdSource.THRESHOLD_RECHARGE,
        discounted=discounted,
        gate=config.gate,
        ordinal=ordinal,
    )


def spend_commit(
    config: SpendConfig,
    outstanding: Decimal,
    *,
    ids: Sequence[str],
    window: Period,
    now: datetime,
    tracked: Decimal,
    ordinal: int,
) -> Commit | None:
    """The commit paying ``outstanding`` spend once it reaches the threshold, else None.

    Its access is ``window`` (the open statement periods whose spend it pays); it applies to
    every product (a spend threshold cannot be scoped) and is invoiced at ``now``.
    """
    amount = spend_threshold_charge(outstanding, config.threshold_amount)
    if amount is None:
        return None
    discounted = config.payment_fraction is not None and discount_applies(config.cap, tracked)
    paid = amount
    if discounted and config.payment_fraction is not None:
        paid = mul(amount, config.payment_fraction)
    return _threshold_commit(
        config.commit,
        ids=ids,
        access=amount,
        paid=paid,
        credit_type_id=USD_CENTS,
        window=window,
        charged_at=now,
        source=ThresholdSource.SPEND_THRESHOLD,
        discounted=discounted,
        gate=config.gate,
        ordinal=ordinal,
    )


def is_pending(commit: Commit) -> bool:
    """An EXTERNAL-gated threshold commit whose payment was not released yet (not usable)."""
    return commit.settings.get(_GATE_KEY) == "PENDING"


def is_unusable(commit: Commit) -> bool:
    """A gated commit whose payment is pending or failed: it grants no balance."""
    return commit.settings.get(_GATE_KEY) in ("PENDING", "FAILED")


def is_payment_failed(commit: Commit) -> bool:
    """A gated commit whose payment failed: its purchase is not invoiced."""
    return commit.settings.get(_GATE_KEY) == "FAILED"


def settle_gate(commit: Commit, *, paid: bool, at: datetime) -> Commit:
    """``commit`` after its EXTERNAL payment gate ended: usable when ``paid``, else archived
    at ``at`` and never usable."""
    settings = {k: v for k, v in commit.settings.items() if k != _GATE_KEY}
    if paid:
        return replace(commit, settings=MappingProxyType(settings))
    settings[_GATE_KEY] = "FAILED"
    return replace(commit, settings=MappingProxyType(settings), archived_at=at)


# --- spend trackers ------------------------------------------------------------------------------


def _discounted(commit: Commit) -> bool:
    if threshold_source(commit) is not None:
        return commit.settings.get(_DISCOUNTED_KEY) is True
    attributes = commit.settings.get("spend_tracker_attributes")
    return isinstance(attributes, Mapping) and attributes.get("counts_as_discounted") is True


def _tracker_counts(specifiers: object, commit: Commit, credit_type_id: str | None) -> bool:
    schedule = commit.invoice_schedule
    if commit.kind is not CommitKind.PREPAID or schedule is None or is_payment_failed(commit):
        return False
    if credit_type_id is not None and schedule.credit_type_id != credit_type_id:
        return False
    source = "THRESHOLD_RECHARGE" if threshold_source(commit) is not None else "MANUAL"
    discounted = _discounted(commit)
    for given in specifiers if isinstance(specifiers, Sequence) else ():
        if not isinstance(given, Mapping):
            continue
        if str(given.get("spend_type", "COMMIT_PURCHASE")).upper() != "COMMIT_PURCHASE":
            continue
        sources = {str(s).upper() for s in given.get("sources") or ()}
        if sources and source not in sources:
            continue
        wanted = str(given.get("discounted") or "ANY").upper()
        if wanted == "DISCOUNTED_ONLY" and not discounted:
            continue
        if wanted == "UNDISCOUNTED_ONLY" and discounted:
            continue
        return True
    return False


def tracker_of(settings: Mapping[str, object], alias: str) -> Mapping[str, object] | None:
    """The spend tracker ``alias`` among the contract's ``spend_trackers``."""
    trackers = settings.get("spend_trackers")
    for tracker in trackers if isinstance(trackers, Sequence) else ():
        if isinstance(tracker, Mapping) and tracker.get("alias") == alias:
            return tracker
    return None


def tracked_spend(contract: Contract, alias: str, period: Period) -> Decimal:
    """What the spend tracker ``alias`` accumulated in ``period``: the purchase amounts of the
    commits it counts, invoiced inside the period (0 when the contract has no such tracker)."""
    tracker = tracker_of(contract.settings, alias)
    if tracker is None:
        return ZERO
    credit_type = tracker.get("credit_type_id")
    specifiers = tracker.get("applicable_spend_specifiers")
    amounts: list[Decimal] = []
    for commit in contract.commits:
        schedule = commit.invoice_schedule
        if schedule is None or not _tracker_counts(
            specifiers, commit, str(credit_type) if credit_type else None
        ):
            continue
        amounts.extend(
            item.amount
            for item in schedule.items
            if period.starting_at <= item.timestamp < period.ending_before
        )
    return total(amounts)
