"""Logging in with an API token, and out."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from meterbill.api.auth import TokenVerifier
from meterbill.web._framework import WebRequest, protected, read_form, redirect, render_bare
from meterbill.web.session import COOKIE, COOKIE_PATH, safe_next, same_origin


async def login_page(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"))
    return render_bare("login.html", next=target, error=None)


async def log_in(request: Request) -> Response:
    """Check the token like the API does; on success keep it in an HttpOnly, SameSite=Strict
    cookie scoped to ``/ui``.
    """
    form = await read_form(request)
    target = safe_next(form.get("next"))
    origin = request.headers.get("origin")
    if not same_origin(origin, request.headers.get("host"), request.url.scheme):
        return render_bare("refused.html", status_code=403)
    token = form.get("token", "").strip()
    verifier = request.app.state.token_verifier
    assert isinstance(verifier, TokenVerifier)
    if not token or not await run_in_threadpool(verifier.is_valid, token):
        error = "That token is not valid (unknown or revoked)."
        return render_bare("login.html", status_code=401, next=target, error=error)
    response = redirect(target)
    response.set_cookie(
        COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def _log_out(_request: WebRequest) -> Response:
    response = redirect("/ui/login")
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


log_out = protected(_log_out)
"""POST only, with the CSRF token: another site cannot log the user out."""
