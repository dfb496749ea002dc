"""The billing worker: a thread inside ``meterbill serve`` that finalises due invoices.

Every ``interval`` seconds it runs :func:`meterbill.services.billing_close.close` at the
clock's current instant. Several servers may run it on one database: finalisation is
exactly-once by construction. A failing round is logged and retried at the next tick.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from meterbill.clock import Clock
from meterbill.services import threshold_billing
from meterbill.services.billing_close import NewUnitOfWork, close

_log = logging.getLogger("meterbill.billing")


class BillingWorker:
    def __init__(
        self, new_uow: NewUnitOfWork, clock: Clock, *, grace: timedelta, interval: float
    ) -> None:
        self._new_uow = new_uow
        self._clock = clock
        self._grace = grace
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="billing-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_once(self) -> int:
        """One round: evaluate threshold billing, then finalise what is due now; how many
        invoices were stored."""
        # --- thresholds: contracts that started since, or whose post-ingest evaluation failed
        threshold_billing.evaluate_watched(self._new_uow, self._clock)
        return close(self._new_uow, self._clock.now(), self._grace).finalized

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                finalized = self.run_once()
                if finalized:
                    _log.info("finalised %d invoices", finalized)
            except Exception:  # a round must never kill the worker
                _log.exception("billing round failed; retrying at the next tick")
            self._stop.wait(self._interval)
