"""The unit of work: one transaction, the repositories that share it, rollback by default.

Usage::

    with UnitOfWork(engine) as uow:
        uow.customers.add(customer)
        uow.commit()

Leaving the block without ``commit()`` (or through an exception) rolls everything back, so a
service that raises leaves nothing behind. Services never commit; the edge that owns the
request does.
"""

from __future__ import annotations

from functools import cached_property
from types import TracebackType

from sqlalchemy import Connection, Engine

from meterbill.storage.repositories.balances import BalanceRepository  # --- balances ---
from meterbill.storage.repositories.billable_metrics import BillableMetricRepository
from meterbill.storage.repositories.contracts import ContractRepository
from meterbill.storage.repositories.credit_types import CreditTypeRepository
from meterbill.storage.repositories.custom_fields import CustomFieldRepository
from meterbill.storage.repositories.customers import CustomerRepository
from meterbill.storage.repositories.events import EventRepository
from meterbill.storage.repositories.idempotency import IdempotencyRepository
from meterbill.storage.repositories.invoices import InvoiceRepository
from meterbill.storage.repositories.packages import PackageRepository
from meterbill.storage.repositories.products import ProductRepository
from meterbill.storage.repositories.rate_cards import RateCardRepository
from meterbill.storage.repositories.thresholds import ThresholdRepository  # --- thresholds ---
from meterbill.storage.repositories.tokens import TokenRepository
from meterbill.storage.repositories.usage import UsageRepository


class UnitOfWork:
    """A transaction on ``engine``. ``read_only`` avoids taking SQLite's write lock."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: Connection | None = None

    def __enter__(self) -> UnitOfWork:
        mode = "DEFERRED" if self._read_only else "IMMEDIATE"
        self._connection = self._engine.connect().execution_options(sqlite_begin=mode)
        self._connection.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self.connection
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()
            self._connection = None
            # Repositories are bound to the closed connection: drop them.
            for name in [key for key in self.__dict__ if not key.startswith("_")]:
                del self.__dict__[name]

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open (use it in a with block)")
        return self._connection

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: for the few queries that differ by backend."""
        return self._engine.dialect.name

    def commit(self) -> None:
        """Make everything done in this unit durable, all or nothing."""
        self.connection.commit()

    @cached_property
    def customers(self) -> CustomerRepository:
        return CustomerRepository(self.connection)

    @cached_property
    def credit_types(self) -> CreditTypeRepository:
        return CreditTypeRepository(self.connection)

    @cached_property
    def custom_fields(self) -> CustomFieldRepository:
        return CustomFieldRepository(self.connection)

    @cached_property
    def tokens(self) -> TokenRepository:
        return TokenRepository(self.connection)

    @cached_property
    def idempotency(self) -> IdempotencyRepository:
        return IdempotencyRepository(self.connection)

    # --- catalog repositories (products, rate cards) ---
    @cached_property
    def products(self) -> ProductRepository:
        return ProductRepository(self.connection)

    @cached_property
    def rate_cards(self) -> RateCardRepository:
        return RateCardRepository(self.connection)

    # --- metering repositories (billable metrics, events) ---
    @cached_property
    def billable_metrics(self) -> BillableMetricRepository:
        return BillableMetricRepository(self.connection)

    @cached_property
    def events(self) -> EventRepository:
        return EventRepository(self.connection)

    @cached_property
    def usage(self) -> UsageRepository:
        return UsageRepository(self.connection)

    # --- contracts repositories ---
    @cached_property
    def contracts(self) -> ContractRepository:
        return ContractRepository(self.connection)

    # --- invoices repositories ---
    @cached_property
    def invoices(self) -> InvoiceRepository:
        return InvoiceRepository(self.connection)

    # --- packages repositories ---
    @cached_property
    def packages(self) -> PackageRepository:
        return PackageRepository(self.connection)

    # --- balances repositories (customer commits and credits, ledger entries) ---
    @cached_property
    def balances(self) -> BalanceRepository:
        return BalanceRepository(self.connection)

    # --- thresholds repositories (the watch list of threshold billing) ---
    @cached_property
    def thresholds(self) -> ThresholdRepository:
        return ThresholdRepository(self.connection)
