"""The little the pages need: a request value, templates, and the adapter that checks the
session and CSRF token before running a page in the thread pool.

Pages are plain functions ``page(request: WebRequest) -> Response``; they call services with
``request.context.uow()`` exactly as the API handlers do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from meterbill.api.auth import TokenVerifier
from meterbill.api.context import AppContext
from meterbill.core.errors import DomainError, NotFound
from meterbill.web import format as fmt
from meterbill.web.session import COOKIE, CSRF_FIELD, csrf_ok, csrf_token, same_origin

HERE = Path(__file__).parent
MAX_FORM_BYTES = 64 * 1024

_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.globals.update(fmt.TEMPLATE_HELPERS)


@dataclass(frozen=True, slots=True)
class WebRequest:
    """What a page sees of its request: the app context, parameters and the session's CSRF."""

    context: AppContext
    path: str
    path_params: Mapping[str, str]
    query: Mapping[str, str]
    form: Mapping[str, str] = field(default_factory=dict)
    csrf: str = ""

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        """``template`` rendered (autoescaped) with ``values``, the CSRF token and the path."""
        html = _templates.get_template(template).render(
            csrf_field=CSRF_FIELD, csrf=self.csrf, path=self.path, **values
        )
        return HTMLResponse(html, status_code=status_code)


Page = Callable[[WebRequest], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def render_bare(template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """A page outside a session (login, errors before login)."""
    html = _templates.get_template(template).render(csrf_field=CSRF_FIELD, csrf="", **values)
    return HTMLResponse(html, status_code=status_code)


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the only kind the UI's forms send)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)


def session_token(request: Request) -> str | None:
    token = request.cookies.get(COOKIE)
    return token or None


def protected(page: Page) -> Endpoint:
    """The page behind the login: no valid session goes to the login page; a POST without this
    session's CSRF token (or from another origin) is refused with 403 and changes nothing.
    """

    async def endpoint(request: Request) -> Response:
        context = request.app.state.context
        verifier = request.app.state.token_verifier
        assert isinstance(context, AppContext) and isinstance(verifier, TokenVerifier)
        token = session_token(request)
        if token is None or not await run_in_threadpool(verifier.is_valid, token):
            return _to_login(request)
        form: dict[str, str] = {}
        if request.method == "POST":
            form = await read_form(request)
            origin_ok = same_origin(
                request.headers.get("origin"), request.headers.get("host"), request.url.scheme
            )
            if not origin_ok or not csrf_ok(token, form):
                return render_bare("refused.html", status_code=403)
        web_request = WebRequest(
            context=context,
            path=request.url.path,
            path_params={k: str(v) for k, v in request.path_params.items()},
            query=dict(request.query_params),
            form=form,
            csrf=csrf_token(token),
        )
        return await run_in_threadpool(_run, page, web_request)

    return endpoint


def _run(page: Page, request: WebRequest) -> Response:
    """Run ``page``; a domain error it lets through becomes an HTML error page."""
    try:
        return page(request)
    except NotFound as error:
        return request.render("error.html", status_code=404, title="Not found", error=error)
    except DomainError as error:
        return request.render("error.html", status_code=400, title="Cannot show", error=error)


def _to_login(request: Request) -> Response:
    target = request.url.path if request.method == "GET" else "/ui/"
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"/ui/login?next={quote(target, safe='')}", status_code=303)


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: see the result (303 so a reload does not post again)."""
    return RedirectResponse(url, status_code=303)
