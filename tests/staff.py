"""Signed-in API clients of every role, through the real token endpoint (no header tricks).

``Staff(http, sessions, settings)`` creates each account the first time it is
asked for and signs it in with the OAuth2 password flow; ``await
staff.headers("agent", "a1")`` is then the ``Authorization`` header of that
counsellor. Passwords are hashed with the cheap argon2 cost the test
environment sets (tests/conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Iterable
from typing import TYPE_CHECKING

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.app.accounts.users import NewUser, create_user, find_user
from callcenter.kernel.auth import Role
from callcenter.kernel.clock import SystemClock
from callcenter.kernel.crypto import Keyring
from callcenter.kernel.db import make_engine, make_sessionmaker, transaction
from callcenter.kernel.settings import Settings
from seats.registry import find_agent
from seats.skills import Skill

if TYPE_CHECKING:
    from callcenter.app.demo import DemoStack

PASSWORD = "correct-horse-battery-staple"
DEFAULT_LOGIN = {
    Role.AGENT: "agent-li",
    Role.SUPERVISOR: "sup-wang",
    Role.SITE: "site-user",
    Role.POLICE: "liaison-1",
    Role.OPS: "ops-zhao",
    Role.ADMIN: "admin-chen",
}
COUNSELLOR_SKILLS = (Skill.GENERAL, Skill.PSYCHOLOGICAL)


async def ensure_user(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    role: Role | str,
    login: str,
    *,
    site_id: int | None = None,
    skills: Iterable[Skill] = COUNSELLOR_SKILLS,
    password: str = PASSWORD,
) -> None:
    role = Role(role)
    async with transaction(sessions) as session:
        if await find_user(session, login) is not None:
            return
        listed = await find_agent(session, login)  # a counsellor the test seeded: same skills
        if listed is not None:
            skills = tuple(sorted(listed.skills))
        new = NewUser(
            login=login,
            password=password,
            role=role,
            display_name=login,
            site_id=site_id if role is Role.SITE else None,
            skills=tuple(skills) if role is Role.AGENT else (),
        )
        await create_user(session, new, settings, actor="tests", at=SystemClock().now())


async def token(http: httpx.AsyncClient, login: str, password: str = PASSWORD) -> str:
    reply = await http.post("/api/auth/token", data={"username": login, "password": password})
    assert reply.status_code == 200, reply.text
    access: str = reply.json()["access_token"]
    return access


class Staff:
    def __init__(
        self,
        http: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
    ) -> None:
        self.http = http
        self.sessions = sessions
        self.settings = settings
        self._signed_in: dict[tuple[Role, str, int | None], dict[str, str]] = {}

    async def headers(
        self,
        role: Role | str,
        login: str | None = None,
        *,
        site: int | None = None,
        fresh: bool = False,
    ) -> dict[str, str]:
        """The bearer header of ``login`` (created with ``role`` the first time).

        ``fresh`` signs in again: access tokens expire by the hotline's clock, which
        tests move forward.
        """
        role = Role(role)
        name = login or (f"site-{site}" if role is Role.SITE else DEFAULT_LOGIN[role])
        key = (role, name, site)
        if fresh or key not in self._signed_in:
            if role is Role.SITE and site is None:
                site = 1
            await ensure_user(self.sessions, self.settings, role, name, site_id=site)
            self._signed_in[key] = {"Authorization": f"Bearer {await token(self.http, name)}"}
        return self._signed_in[key]

    async def client(
        self,
        role: Role | str,
        login: str | None = None,
        *,
        site: int | None = None,
        fresh: bool = False,
    ) -> httpx.AsyncClient:
        """A client of its own that sends that user's bearer token on every request.

        Like a real API client it signs in again when its token has expired (tests move
        the hotline's clock by hours).
        """
        await self.headers(role, login, site=site, fresh=fresh)
        return httpx.AsyncClient(
            transport=self.http._transport,
            base_url=self.http.base_url,
            auth=Renewing(self, Role(role), login, site),
        )


class Renewing(httpx.Auth):
    def __init__(self, staff: Staff, role: Role, login: str | None, site: int | None) -> None:
        self.staff, self.role, self.login, self.site = staff, role, login, site

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers.update(await self.staff.headers(self.role, self.login, site=self.site))
        response = yield request
        if response.status_code == 401:
            again = await self.staff.headers(self.role, self.login, site=self.site, fresh=True)
            request.headers.update(again)
            yield request


# A deployment's own secrets, for the tests that start ``callcenter serve`` as a process
# (it refuses the demo's); rows it writes are read back with the same keys.
DEPLOYMENT_SECRETS = {
    "CALLCENTER_TOKEN_SECRET": "harness-token-secret-" + "t" * 24,
    "CALLCENTER_ENCRYPTION_KEYS": "harness:aGFybmVzcy1rZXktZm9yLXJlc2lsaWVuY2UtdGVzdHM=",
    "CALLCENTER_LOOKUP_KEY": "harness-lookup-key-" + "l" * 24,
}
DEPLOYMENT_KEYRING = Keyring.from_settings(
    Settings(
        encryption_keys=DEPLOYMENT_SECRETS["CALLCENTER_ENCRYPTION_KEYS"],
        lookup_key=DEPLOYMENT_SECRETS["CALLCENTER_LOOKUP_KEY"],
    )
)


async def sign_in_at(url: str, database_url: str, login: str, role: Role | str) -> dict[str, str]:
    """The bearer header of ``login`` at a served process (the account made in its database)."""
    engine = make_engine(database_url)
    try:
        await ensure_user(make_sessionmaker(engine), Settings(), role, login)
    finally:
        await engine.dispose()
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        return {"Authorization": f"Bearer {await token(client, login)}"}


class SignedAt(httpx.Auth):
    """Signs ``login`` in at a served process, and again when its token has expired."""

    def __init__(self, url: str, database_url: str, login: str, role: Role | str) -> None:
        self.args = (url, database_url, login, role)
        self.headers: dict[str, str] = {}

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self.headers:
            self.headers = await sign_in_at(*self.args)
        request.headers.update(self.headers)
        response = yield request
        if response.status_code == 401:
            self.headers = await sign_in_at(*self.args)
            request.headers.update(self.headers)
            yield request


async def demo_client(stack: DemoStack, login: str) -> httpx.AsyncClient:
    """A client of the demo stack signed in as one of its demo accounts."""
    async with httpx.AsyncClient(base_url=stack.url) as anonymous:
        access = await token(anonymous, login, stack.password_of(login))
    return httpx.AsyncClient(base_url=stack.url, headers={"Authorization": f"Bearer {access}"})


async def browser_sign_in(
    http: httpx.AsyncClient, login: str, password: str = PASSWORD, next_page: str = ""
) -> httpx.Response:
    """What the sign-in form does: fetch it (token and cookie), post it back."""
    form = await http.get("/login")
    found = re.search(r'name="form_token" value="([^"]+)"', form.text)
    assert found, "the sign-in form carries its token"
    fields = {"login": login, "password": password, "next": next_page, "form_token": found[1]}
    return await http.post("/login", data=fields)
