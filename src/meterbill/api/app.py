"""The application factory: one FastAPI app per engine, clock and settings."""

from __future__ import annotations

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
from meterbill.api.v1 import credit_types, custom_fields, customers
from meterbill.clock import Clock, SystemClock
from meterbill.config import Settings
from meterbill.storage.database import make_engine

API_ROUTERS: list[APIRouter] = [
    customers.router,
    credit_types.router,
    custom_fields.router,
    # --- catalog routers ---
    # --- metering routers ---
    # --- contracts routers ---
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
    )
    app.state.context = context
    app.state.token_verifier = TokenVerifier(context)
    install_error_handlers(app)
    api = APIRouter(dependencies=[Depends(require_token)])
    for router in API_ROUTERS:
        api.include_router(router)
    app.include_router(api)
    app.add_api_route("/healthz", _health_route(context), methods=["GET"], include_in_schema=True)
    app.add_middleware(IdempotencyMiddleware, context=context)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


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
