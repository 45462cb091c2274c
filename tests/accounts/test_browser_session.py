"""The browser's side: the sign-in form, the session cookie, CSRF, headers; SSO and scrapers."""

from __future__ import annotations

import re

import httpx
import pytest

from callcenter.kernel.runtime import Runtime
from tests.accounts.conftest import MakeRuntime, client_of
from tests.staff import PASSWORD, browser_sign_in, ensure_user


async def sign_in(http: httpx.AsyncClient, login: str, next_page: str = "") -> httpx.Response:
    return await browser_sign_in(http, login, next_page=next_page)


def csrf_of(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert found, "the page carries its session's anti-forgery token"
    return found.group(1)


async def test_the_form_signs_in_with_a_strict_http_only_cookie(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    await ensure_user(runtime.sessions, runtime.settings, "agent", "a1")
    form = await http.get("/login", params={"next": "/desk"})
    assert form.status_code == 200 and 'name="password"' in form.text
    assert "script" not in form.text  # the sign-in page runs no script at all
    wrong = await browser_sign_in(http, "a1", "nope-nope-nope")
    assert wrong.status_code == 401 and "wrong login or password" in wrong.text
    forged = await http.post("/login", data={"login": "a1", "password": PASSWORD})
    assert forged.status_code == 403 and "cc_session" not in http.cookies  # no form token
    signed = await sign_in(http, "a1", "/desk")
    assert signed.status_code == 303, signed.text[-400:]
    assert signed.headers["location"] == "/desk"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    desk = await http.get("/desk")
    assert desk.status_code == 200 and "a1" in desk.text
    assert (await http.get("/wallboard")).status_code == 403  # a counsellor's page is the desk
    elsewhere = await sign_in(http, "a1", "https://evil.example/")
    assert elsewhere.headers["location"] == "/desk"  # never an open redirect


async def test_over_https_the_cookie_is_secure(runtime: Runtime) -> None:
    await ensure_user(runtime.sessions, runtime.settings, "ops", "ops1")
    async with client_of(runtime, base="https://hotline") as http:
        signed = await sign_in(http, "ops1")
    assert "Secure" in signed.headers["set-cookie"]
    assert signed.headers["location"] == "/wallboard"


async def test_state_changes_need_the_sessions_csrf_token(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    await ensure_user(runtime.sessions, runtime.settings, "supervisor", "sup1")
    await sign_in(http, "sup1")
    page = await http.get("/wallboard")
    token = csrf_of(page.text)
    surge = {"on": False, "reason": ""}
    forged = await http.post("/api/auth/logout", json=surge)
    assert forged.status_code == 403 and "X-CSRF-Token" in forged.json()["detail"]
    cross = await http.post(
        "/api/auth/logout", headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    assert (await http.get("/api/auth/me")).status_code == 200  # reads need no token
    out = await http.post("/api/auth/logout", headers={"X-CSRF-Token": token})
    assert out.status_code == 200
    assert (await http.get("/api/auth/me")).status_code == 401


async def test_pages_send_a_strict_content_security_policy(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    await ensure_user(runtime.sessions, runtime.settings, "agent", "a2")
    await sign_in(http, "a2")
    for path in ("/desk", "/login"):
        page = await http.get(path)
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert not re.search(r"<script(?![^>]*(src=|application/json))", page.text)
    anonymous = await client_of(runtime).get("/wallboard")
    assert anonymous.status_code == 401 and "/login?next=/wallboard" in anonymous.text


@pytest.mark.parametrize(
    ("address", "secret", "signed_in"),
    [
        ("10.0.0.5", "gateway-shared-secret", True),
        ("10.0.0.5", "wrong", False),
        ("192.168.9.9", "gateway-shared-secret", False),
    ],
)
async def test_proxy_mode_believes_only_the_trusted_gateway(
    make_runtime: MakeRuntime, address: str, secret: str, signed_in: bool
) -> None:
    runtime = make_runtime(
        auth_mode="proxy", trusted_proxies="10.0.0.0/24", proxy_secret="gateway-shared-secret"
    )
    headers = {"X-Auth-User": "zhao", "X-Auth-Role": "supervisor", "X-Proxy-Secret": secret}
    async with client_of(runtime, address=address) as http:
        me = await http.get("/api/auth/me", headers=headers)
        bearer = await http.post("/api/auth/token", data={"username": "x", "password": "y" * 10})
    assert me.status_code == (200 if signed_in else 401)
    if signed_in:
        assert me.json()["login"] == "zhao" and me.json()["role"] == "supervisor"
    assert bearer.status_code == 401  # no local accounts behind the gateway


async def test_prometheus_scrapes_metrics_with_its_token_and_nothing_else(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(metrics_token="scrape-token-0123456789")
    async with client_of(runtime) as http:
        token = {"Authorization": "Bearer scrape-token-0123456789"}
        assert (await http.get("/metrics")).status_code == 401
        scraped = await http.get("/metrics", headers=token)
        assert scraped.status_code == 200
        assert "callcenter_callback_backlog" in scraped.text
        assert (await http.get("/api/calls", headers=token)).status_code == 403
