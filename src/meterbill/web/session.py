"""The UI session: the API token in a cookie, and a CSRF token derived from it.

The cookie holds the same bearer token the API takes (``meterbill token create``); it is
HttpOnly (no script reads it) and SameSite=Strict (no other site's request carries it). Every
form also carries ``csrf_token = HMAC-SHA256(key=token, "meterbill-ui-csrf")``: only a page
rendered for this session knows it, it reveals nothing of the token, and it needs no server
state, so it survives restarts and several worker processes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

COOKIE = "meterbill_ui"
CSRF_FIELD = "csrf_token"
_CSRF_LABEL = b"meterbill-ui-csrf"
# The cookie lives as long as the browser session; a revoked token ends it at the next page.
COOKIE_PATH = "/ui"


def csrf_token(token: str) -> str:
    """The CSRF token of the session holding ``token``."""
    return hmac.new(token.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


def csrf_ok(token: str, form: Mapping[str, str]) -> bool:
    """Whether ``form`` carries this session's CSRF token (constant-time comparison)."""
    given = form.get(CSRF_FIELD, "")
    return hmac.compare_digest(given.encode(), csrf_token(token).encode())


def same_origin(origin: str | None, host: str | None, scheme: str) -> bool:
    """Browsers send ``Origin`` on POST; one naming another site is refused outright.

    No ``Origin`` (older clients, tests) is allowed: the CSRF token is the real check.
    """
    if origin is None:
        return True
    return host is not None and origin == f"{scheme}://{host}"


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path inside the UI (never another site)."""
    if target and target.startswith("/ui/") and not target.startswith("//"):
        return target
    return "/ui/"
