"""Loading what the invoice core computes from: contract inputs and usage aggregates.

:class:`InputsLoader` lives for one unit of work and caches rate schedules, products and
metric definitions, so billing many contracts on one rate card loads the card once.
``attach_usage`` asks the metering engine for every usage key of many contracts at once: one
``aggregate_many`` call per (window, metric set), all customers together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from meterbill.core.catalog import Product
from meterbill.core.contracts.terms import USD_CENTS, Commit, Contract
from meterbill.core.invoicing import BillingInputs, GroupValue, UsageKey
from meterbill.core.metering import BillableMetricDefinition, GroupBy, UsageWindow
from meterbill.core.pricing import RateEntry
from meterbill.services import rate_cards as rate_card_service
from meterbill.storage.repositories.balances import CustomerCommit
from meterbill.storage.repositories.usage import MetricQuery
from meterbill.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class _Card:
    entries: tuple[RateEntry, ...]
    fiat_credit_type_id: str


@dataclass(slots=True)
class _Cache:
    cards: dict[str, _Card] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    metrics: dict[str, BillableMetricDefinition | None] = field(default_factory=dict)
    # Filled only by ``prefetch_customer_commits`` (the close's batches); other readers query.
    customer_commits: dict[str, tuple[CustomerCommit, ...]] = field(default_factory=dict)


class InputsLoader:
    """Loads :class:`BillingInputs` inside an open unit of work, with caches."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        # Loaders of one open unit of work share their caches: the unit of work drops the
        # public attribute when it closes, so nothing outlives the transaction.
        cache: _Cache = uow.__dict__.setdefault("billing_inputs_cache", _Cache())
        self._cards = cache.cards
        self._products = cache.products
        self._metrics = cache.metrics
        self._customer_commits = cache.customer_commits

    def inputs(self, contract: Contract) -> BillingInputs:
        """The contract's inputs without usage."""
        card = self._card(contract.rate_card_id)
        invoiced = self._invoiced_commits(contract)  # --- balances ---
        wanted = {entry.product_id for entry in card.entries} | _term_products(contract)
        wanted |= {c.product_id for c in invoiced}
        return BillingInputs(
            contract=contract,
            rate_entries=card.entries,
            products=self._load_products(wanted),
            fiat_credit_type_id=card.fiat_credit_type_id,
            invoiced_commits=invoiced,
        )

    # --- balances ---
    def _invoiced_commits(self, contract: Contract) -> tuple[Commit, ...]:
        """The customer-level commits invoiced on ``contract`` (``invoice_contract_id``)."""
        return tuple(
            stored.commit
            for stored in self.customer_commits(contract.customer_id)
            if stored.invoice_contract_id == contract.id and stored.archived_at is None
        )

    def prefetch_customer_commits(self, customer_ids: Iterable[str]) -> None:
        """Load the customer-level commits of many customers in one query; later
        :meth:`customer_commits` calls for them read this copy (for the rest of the unit of
        work: only the close, which writes no commits, prefetches)."""
        missing = set(customer_ids) - self._customer_commits.keys()
        if missing:
            found = self._uow.balances.customer_commits_many(missing)
            for customer_id in missing:
                self._customer_commits[customer_id] = tuple(found.get(customer_id, ()))

    def customer_commits(self, customer_id: str) -> Sequence[CustomerCommit]:
        """The customer's commits and credits in creation order (prefetched, or read now)."""
        found = self._customer_commits.get(customer_id)
        if found is None:
            return self._uow.balances.customer_commits(customer_id)
        return found

    def _card(self, rate_card_id: str | None) -> _Card:
        if rate_card_id is None:
            return _Card((), USD_CENTS)
        if rate_card_id not in self._cards:
            schedule = rate_card_service.load_rate_schedule(self._uow, rate_card_id)
            self._cards[rate_card_id] = _Card(schedule.entries, schedule.card.fiat_credit_type_id)
        return self._cards[rate_card_id]

    def _load_products(self, wanted: set[str]) -> dict[str, Product]:
        missing = sorted(wanted - self._products.keys())
        if missing:
            self._products.update(self._uow.products.get_many(missing))
        return {pid: self._products[pid] for pid in wanted if pid in self._products}

    def definitions(self, metric_ids: Iterable[str]) -> dict[str, BillableMetricDefinition]:
        missing = sorted(set(metric_ids) - self._metrics.keys())
        if missing:
            found = self._uow.billable_metrics.get_many(missing)
            for metric_id in missing:
                metric = found.get(metric_id)
                self._metrics[metric_id] = None if metric is None else metric.definition
        return {
            mid: definition
            for mid in metric_ids
            if (definition := self._metrics.get(mid)) is not None
        }

    def attach_usage(
        self, wanted: Sequence[tuple[BillingInputs, Sequence[UsageKey]]]
    ) -> list[BillingInputs]:
        """Each inputs with the usage of its keys, aggregated by the metering engine."""
        by_window: dict[tuple[datetime, datetime], dict[tuple[str, tuple[str, ...]], set[str]]]
        by_window = defaultdict(lambda: defaultdict(set))
        for inputs, keys in wanted:
            for key in keys:
                window = by_window[(key.starting_at, key.ending_before)]
                window[(key.billable_metric_id, key.group_keys)].add(inputs.contract.customer_id)
        found = self._aggregate(by_window)
        return [
            replace(
                inputs,
                usage={
                    key: found.get(_found_key(inputs.contract.customer_id, key), {}) for key in keys
                },
            )
            for inputs, keys in wanted
        ]

    def _aggregate(
        self,
        by_window: Mapping[
            tuple[datetime, datetime], Mapping[tuple[str, tuple[str, ...]], set[str]]
        ],
    ) -> dict[tuple[object, ...], Mapping[GroupValue, Decimal]]:
        found: dict[tuple[object, ...], Mapping[GroupValue, Decimal]] = {}
        for (start, end), metrics in by_window.items():
            definitions = self.definitions({metric_id for metric_id, _ in metrics})
            queries: list[MetricQuery] = []
            labels: dict[str, tuple[str, tuple[str, ...]]] = {}
            customers: set[str] = set()
            for index, ((metric_id, keys), who) in enumerate(sorted(metrics.items())):
                definition = definitions.get(metric_id)
                if definition is None:
                    continue
                label = f"q{index}"
                labels[label] = (metric_id, keys)
                group_by = GroupBy(keys) if keys else None
                queries.append(MetricQuery(label, definition, group_by))
                customers |= who
            if not queries:
                continue
            results = self._uow.usage.aggregate_many(
                queries, customer_ids=sorted(customers), starting_at=start, ending_before=end
            )
            for (customer, label), windows in results.items():
                metric_id, keys = labels[label]
                found[(customer, start, end, metric_id, keys)] = _table(windows[0], keys)
        return found


def _found_key(customer_id: str, key: UsageKey) -> tuple[object, ...]:
    return (customer_id, key.starting_at, key.ending_before, key.billable_metric_id, key.group_keys)


def _table(window: UsageWindow, keys: tuple[str, ...]) -> Mapping[GroupValue, Decimal]:
    value, groups = window.value, window.groups
    if not keys:
        return {} if value is None else {(): value}
    if not groups:
        return {}
    return {group: amount for group, amount in groups.items() if amount is not None}


def _term_products(contract: Contract) -> set[str]:
    return (
        {s.product_id for s in contract.subscriptions}
        | {c.product_id for c in contract.scheduled_charges}
        | {c.product_id for c in contract.commits}
    )
