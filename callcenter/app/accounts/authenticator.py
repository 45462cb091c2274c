"""Who sent a request: local accounts (session cookie or bearer token), or a trusted SSO proxy.

``CALLCENTER_AUTH_MODE=local`` (the default) reads the session cookie or an
``Authorization: Bearer`` access token. ``proxy`` believes identity headers
only from the addresses in ``CALLCENTER_TRUSTED_PROXIES`` that also carry the
shared secret; any other request is anonymous. In both modes Prometheus may
scrape ``/metrics`` with ``CALLCENTER_METRICS_TOKEN`` as its bearer token.

Cookie-authenticated requests that change anything must carry the session's
``X-CSRF-Token`` and, when the browser sends one, a same-site ``Origin``.
"""

from __future__ import annotations

import hmac
from ipaddress import ip_address, ip_network
from urllib.parse import urlsplit

from fastapi import HTTPException
from starlette.requests import HTTPConnection

from callcenter.app.accounts.sessions import Kind, active_by_id, active_by_secret
from callcenter.app.accounts.tokens import read_access
from callcenter.kernel.auth import Authenticator, Permission, Principal, Role
from callcenter.kernel.runtime import Runtime

SESSION_COOKIE = "cc_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PROXY_USER, PROXY_ROLE, PROXY_SITE, PROXY_NAME = (
    "X-Auth-User",
    "X-Auth-Role",
    "X-Auth-Site",
    "X-Auth-Name",
)
PROXY_SECRET = "X-Proxy-Secret"
SCRAPER = Principal(
    user="metrics-scraper", role=Role.OPS, permissions=frozenset({Permission.METRICS})
)


def bearer_of(connection: HTTPConnection) -> str | None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class LocalAccounts:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def authenticate(self, connection: HTTPConnection) -> Principal | None:
        token = bearer_of(connection)
        if token is not None:
            return await self.from_token(token)
        runtime = self.runtime
        now = runtime.clock.now()
        cookie = connection.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        async with runtime.sessions() as session:
            found = await active_by_secret(session, cookie, Kind.BROWSER, now)
        if found is None:
            return None
        principal = found.principal()
        refuse_forgery(connection, principal.csrf)
        return principal

    async def from_token(self, token: str) -> Principal | None:
        runtime = self.runtime
        now = runtime.clock.now()
        claims = read_access(runtime.settings, token, now)
        if claims is None:
            return None
        async with runtime.sessions() as session:
            active = await active_by_id(session, claims.session_id, claims.login, now)
        return active.principal() if active else None


def refuse_cross_site(connection: HTTPConnection) -> None:
    # "null" is what a browser sends under Referrer-Policy: no-referrer: it tells nothing.
    origin = connection.headers.get("origin")
    if (
        origin
        and origin != "null"
        and urlsplit(origin).netloc != connection.headers.get("host", "")
    ):
        raise HTTPException(403, f"cross-site request refused (Origin {origin})")


def refuse_forgery(connection: HTTPConnection, csrf: str) -> None:
    """A cookie travels with any request the browser makes; these checks tell ours apart."""
    refuse_cross_site(connection)
    if connection.scope["type"] != "http" or connection.scope["method"] in SAFE_METHODS:
        return
    sent = connection.headers.get(CSRF_HEADER.lower(), "")
    if not sent or not _same(sent, csrf):
        raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header for this session")


class TrustedProxy:
    """Single sign-on: a provincial gateway vouches for the user in headers."""

    def __init__(self, runtime: Runtime) -> None:
        settings = runtime.settings
        self.networks = [ip_network(entry, strict=False) for entry in settings.trusted_proxies]
        self.secret = settings.proxy_secret

    def _trusted(self, connection: HTTPConnection) -> bool:
        if not self.secret or connection.client is None:
            return False
        try:
            peer = ip_address(connection.client.host)
        except ValueError:
            return False
        sent = connection.headers.get(PROXY_SECRET.lower(), "")
        return any(peer in net for net in self.networks) and bool(sent) and _same(sent, self.secret)

    async def authenticate(self, connection: HTTPConnection) -> Principal | None:
        if not self._trusted(connection):
            return None
        headers = connection.headers
        user = headers.get(PROXY_USER.lower(), "").strip()
        try:
            role = Role(headers.get(PROXY_ROLE.lower(), ""))
            site = headers.get(PROXY_SITE.lower())
            site_id = int(site) if site else None
        except ValueError:
            return None
        if not user or (role is Role.SITE) != (site_id is not None):
            return None
        name = headers.get(PROXY_NAME.lower(), "")
        return Principal(user=user, role=role, site_id=site_id, name=name)

    async def from_token(self, token: str) -> Principal | None:
        return None  # behind the gateway, identity travels only in its headers


class WithScrapeToken:
    """Prometheus' bearer token opens /metrics and nothing else."""

    def __init__(self, inner: Authenticator, token: str | None) -> None:
        self.inner = inner
        self.token = token

    async def authenticate(self, connection: HTTPConnection) -> Principal | None:
        sent = bearer_of(connection)
        if self.token and sent is not None and _same(sent, self.token):
            return SCRAPER
        return await self.inner.authenticate(connection)

    async def from_token(self, token: str) -> Principal | None:
        return await self.inner.from_token(token)


def make_authenticator(runtime: Runtime) -> Authenticator:
    settings = runtime.settings
    inner: Authenticator = (
        TrustedProxy(runtime) if settings.auth_mode == "proxy" else LocalAccounts(runtime)
    )
    return WithScrapeToken(inner, settings.metrics_token)
