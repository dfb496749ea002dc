"""The web UI as an ASGI app, mounted under ``/ui`` by ``meterbill.api.app.create_app``.

Server-rendered pages over the services (never over HTTP to the API, never SQL). It shares the
parent app's ``state.context`` and ``state.token_verifier``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from meterbill.api.auth import TokenVerifier
from meterbill.api.context import AppContext
from meterbill.web import billing, customers, dashboard, login, metrics, products, rate_cards
from meterbill.web._framework import HERE, Page, protected


def _get(path: str, page: Page) -> Route:
    return Route(path, protected(page), methods=["GET"])


def _post(path: str, page: Page) -> Route:
    return Route(path, protected(page), methods=["POST"])


ROUTES: list[BaseRoute] = [
    Route("/login", login.login_page, methods=["GET"]),
    Route("/login", login.log_in, methods=["POST"]),
    Route("/logout", login.log_out, methods=["POST"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    _get("/", dashboard.dashboard),
    _get("/customers", customers.list_customers),
    _get("/customers/{customer_id}", customers.show_customer),
    _get("/customers/{customer_id}/contracts/{contract_id}", billing.show_contract),
    _get("/customers/{customer_id}/invoices/{invoice_id}", billing.show_invoice),
    _get("/billable-metrics", metrics.list_metrics),
    _get("/billable-metrics/{metric_id}", metrics.show_metric),
    _get("/pricing-units", metrics.list_pricing_units),
    _get("/products", products.list_products),
    _get("/products/new", products.new_product),
    _post("/products/new", products.create_product),
    _get("/products/{product_id}", products.show_product),
    _get("/rate-cards", rate_cards.list_rate_cards),
    _get("/rate-cards/new", rate_cards.new_rate_card),
    _post("/rate-cards/new", rate_cards.create_rate_card),
    _get("/rate-cards/{rate_card_id}", rate_cards.show_rate_card),
    _post("/rate-cards/{rate_card_id}/rates", rate_cards.add_rate),
    _post("/rate-cards/{rate_card_id}/aliases", rate_cards.assign_alias),
    _get("/packages", billing.list_packages),
    _get("/packages/{package_id}", billing.show_package),
]


def create_web_app(context: AppContext, token_verifier: TokenVerifier) -> Starlette:
    """The UI app; pages find the context and verifier on ``request.app.state``."""
    app = Starlette(routes=ROUTES)
    app.state.context = context
    app.state.token_verifier = token_verifier
    return app
