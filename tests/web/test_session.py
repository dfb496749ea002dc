"""Login, logout and CSRF: every page is behind a UI session; forms need its CSRF token."""

from __future__ import annotations

import pytest
from metronome import Metronome
from starlette.testclient import TestClient

from meterbill.web.session import csrf_token
from tests.web.conftest import csrf_of

PAGES = ["/ui/", "/ui/customers", "/ui/products", "/ui/rate-cards", "/ui/billable-metrics",
         "/ui/pricing-units", "/ui/packages", "/ui/products/new"]  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
def test_every_page_sends_a_visitor_without_a_session_to_the_login_page(
    http: TestClient, page: str
) -> None:
    response = http.get(page, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/ui/login?next=")


def test_an_api_bearer_header_is_not_a_ui_session(http: TestClient, token: str) -> None:
    response = http.get(
        "/ui/", headers={"Authorization": f"Bearer {token}"}, follow_redirects=False
    )
    assert response.status_code == 303


def test_a_bad_token_is_refused_on_the_login_page(http: TestClient, token: str) -> None:
    response = http.post("/ui/login", data={"token": "not-a-token"}, follow_redirects=False)
    assert response.status_code == 401
    assert "not valid" in response.text
    assert "set-cookie" not in response.headers
    assert http.get("/ui/", follow_redirects=False).status_code == 303


def test_logging_in_sets_an_httponly_strict_cookie_and_returns_where_the_user_was_going(
    http: TestClient, token: str
) -> None:
    first = http.get("/ui/products", follow_redirects=False)
    login_page = http.get(first.headers["location"])
    assert 'value="/ui/products"' in login_page.text
    response = http.post(
        "/ui/login", data={"token": token, "next": "/ui/products"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/products"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/ui" in cookie
    assert http.get("/ui/products").status_code == 200


def test_login_never_redirects_to_another_site(http: TestClient, token: str) -> None:
    response = http.post(
        "/ui/login", data={"token": token, "next": "https://evil.example/"}, follow_redirects=False
    )
    assert response.headers["location"] == "/ui/"


def test_logging_out_ends_the_session(ui: TestClient) -> None:
    token = csrf_of(ui.get("/ui/").text)
    response = ui.post("/ui/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert ui.get("/ui/", follow_redirects=False).status_code == 303


def test_a_revoked_token_ends_the_session(ui: TestClient, client: Metronome) -> None:
    del client
    ui.cookies.set("meterbill_ui", "revoked-or-forged", path="/ui")
    assert ui.get("/ui/", follow_redirects=False).status_code == 303


def test_the_csrf_token_is_derived_from_the_session_and_reveals_nothing(token: str) -> None:
    assert csrf_token(token) == csrf_token(token)
    assert csrf_token(token) != csrf_token(token + "x")
    assert token not in csrf_token(token)


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
    ui: TestClient, client: Metronome
) -> None:
    response = ui.post("/ui/products/new", data={"name": "Sneaky", "type": "FIXED"})
    assert response.status_code == 403
    assert "Nothing was changed" in response.text
    assert client.v1.contracts.products.list().data == []


def test_a_form_with_another_sessions_csrf_token_is_refused(
    ui: TestClient, client: Metronome
) -> None:
    forged = csrf_token("someone-elses-token")
    response = ui.post(
        "/ui/products/new", data={"csrf_token": forged, "name": "Sneaky", "type": "FIXED"}
    )
    assert response.status_code == 403
    assert client.v1.contracts.products.list().data == []


def test_a_form_posted_from_another_origin_is_refused_even_with_the_token(
    ui: TestClient, client: Metronome
) -> None:
    token = csrf_of(ui.get("/ui/products/new").text)
    response = ui.post(
        "/ui/products/new",
        data={"csrf_token": token, "name": "Sneaky", "type": "FIXED"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert client.v1.contracts.products.list().data == []


def test_logout_needs_the_csrf_token(ui: TestClient) -> None:
    assert ui.post("/ui/logout", data={}).status_code == 403
    assert ui.get("/ui/", follow_redirects=False).status_code == 200


def test_the_stylesheet_is_served_without_a_session(http: TestClient) -> None:
    response = http.get("/ui/static/style.css")
    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]
