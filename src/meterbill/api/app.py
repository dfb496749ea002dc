"""The application factory: one FastAPI app per engine, clock and settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine, text

import meterbill
from meterbill.api.auth import TokenVerifier, require_token
from meterbill.api.body_dep import DOCUMENTED_BODIES
from meterbill.api.context import AppContext
from meterbill.api.errors import install_error_handlers
from meterbill.api.idempotency import IdempotencyMiddleware
from meterbill.api.json import WireResponse
from meterbill.api.v1 import balances as balances_api  # --- balances router ---
from meterbill.api.v1 import (
    billable_metrics,
    credit_types,
    custom_fields,
    customers,
    products,
    rate_cards,
    usage,
)
from meterbill.api.v1 import contracts as contracts_v1  # --- contracts routers ---
from meterbill.api.v1 import invoices as invoices_api
from meterbill.api.v1 import packages as packages_api  # --- packages router ---
from meterbill.api.v1 import threshold_billing as threshold_billing_api
from meterbill.api.v2 import contracts as contracts_v2  # --- contracts routers ---
from meterbill.clock import Clock, SystemClock
from meterbill.config import Settings
from meterbill.services.billing_worker import BillingWorker
from meterbill.storage.database import make_engine
from meterbill.web import create_web_app  # --- web ui ---

API_ROUTERS: list[APIRouter] = [
    customers.router,
    credit_types.router,
    custom_fields.router,
    # --- catalog routers ---
    products.router,
    rate_cards.router,
    # --- metering routers ---
    billable_metrics.router,
    usage.router,
    # --- contracts routers ---
    contracts_v1.router,
    contracts_v2.router,
    # --- invoices routers ---
    invoices_api.router,
    # --- packages routers ---
    packages_api.router,
    # --- balances routers ---
    balances_api.router,
    # --- thresholds routers ---
    threshold_billing_api.router,
]


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """Build the app. Migrations are not run here: ``meterbill serve`` and tests do that."""
    settings = settings or Settings.from_env()
    context = AppContext(
        engine=engine or make_engine(settings.database_url),
        clock=clock or SystemClock(),
        settings=settings,
    )
    app = FastAPI(
        title="meterbill",
        version=meterbill.__version__,
        description="Usage-based billing speaking Metronome's v1/v2 contracts API.",
        default_response_class=WireResponse,
        lifespan=_billing_lifespan(context),  # --- invoices: the billing worker ---
    )
    app.state.context = context
    app.state.token_verifier = TokenVerifier(context)
    install_error_handlers(app)
    api = APIRouter(dependencies=[Depends(require_token)])
    for router in API_ROUTERS:
        api.include_router(router)
    app.include_router(api)
    app.mount("/ui", create_web_app(context, app.state.token_verifier))  # --- web ui ---
    app.add_api_route("/healthz", _health_route(context), methods=["GET"], include_in_schema=True)
    app.add_middleware(IdempotencyMiddleware, context=context)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _billing_lifespan(context: AppContext) -> Any:
    """Start the billing worker with the app (when configured) and stop it with it."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        settings = context.settings
        worker = BillingWorker(
            context.uow,
            context.clock,
            grace=timedelta(hours=settings.invoice_grace_hours),
            interval=settings.billing_worker_interval_seconds,
        )
        if settings.run_billing_worker:
            worker.start()
        try:
            yield
        finally:
            worker.stop()

    return lifespan


def _health_route(context: AppContext) -> Any:
    def healthz() -> WireResponse:
        """Liveness and database reachability; no authentication."""
        with context.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return WireResponse({"status": "ok"})

    return healthz


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, routes=app.routes, description=app.description
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model in DOCUMENTED_BODIES.items():
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in model_schema.pop("$defs", {}).items():
            components.setdefault(def_name, definition)
        components[name] = model_schema
    schema.setdefault("components", {})["securitySchemes"] = {
        "bearerAuth": {"type": "http", "scheme": "bearer"}
    }
    schema["security"] = [{"bearerAuth": []}]
    app.openapi_schema = schema
    return schema
