"""A logged-in browser on the UI, and helpers to read its pages."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from starlette.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def log_in(http: TestClient, token: str) -> None:
    response = http.post("/ui/login", data={"token": token, "next": "/ui/"}, follow_redirects=False)
    assert response.status_code == 303, response.text


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def submit(
    http: TestClient, page: str, action: str, fields: Mapping[str, str]
) -> tuple[int, str, str | None]:
    """Open ``page``, post ``fields`` to ``action`` with the page's CSRF token, as a browser.

    Returns (status, body, Location header).
    """
    token = csrf_of(http.get(page).text)
    response = http.post(action, data={"csrf_token": token, **fields}, follow_redirects=False)
    return response.status_code, response.text, response.headers.get("location")


@pytest.fixture
def ui(http: TestClient, token: str) -> TestClient:
    """``http`` with a UI session (the cookie set by logging in with ``token``)."""
    log_in(http, token)
    return http
