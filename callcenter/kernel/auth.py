"""Who is asking, and what they may do: roles, permissions, and the per-route check.

Every route declares the one permission it needs, a ``Requires`` dependency
(``Annotated[Principal, Depends(requires(P.X))]``) the route-enumeration test reads. The principal
itself comes from the ``AUTHENTICATOR`` slot, which the application floor fills
(local accounts, or a trusted single sign-on proxy): the kernel only knows the
shape of an identity, never where it is stored. A request nobody vouches for is
anonymous and gets 401; a role without the permission gets 403 naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from fastapi import HTTPException
from starlette.requests import HTTPConnection

from callcenter.kernel.runtime import Runtime, Slot


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    SITE = "site"  # a local counselling site's user
    POLICE = "police"  # police liaison
    OPS = "ops"
    ADMIN = "admin"


class Permission(StrEnum):
    SIGNED_IN = "signed-in"  # any account: who am I, sign out
    LIVE = "live:watch"
    WALLBOARD = "wallboard:view"
    DESK = "desk:use"
    SEATS_READ = "seats:read"
    SEAT_SELF = "seat:own"  # log in to a seat, pause, resume: only as oneself
    SEATS_SUPERVISE = "seats:supervise"  # surge, force-pause, force-logout
    LISTEN = "calls:listen"
    QUEUE_READ = "queue:read"
    CALLS_READ = "calls:read"
    AGENTS_READ = "agents:read"
    AGENTS_MANAGE = "agents:manage"
    ORDERS_READ = "workorders:read"
    ORDERS_WRITE = "workorders:write"
    ORDERS_ALL = "workorders:all"  # scope: every order, not only one's own
    REFERRALS_SEND = "referrals:send"
    REFERRALS_READ = "referrals:read"
    REFERRALS_STEP = "referrals:step"
    SITES_READ = "sites:read"
    VISITS = "return-visits:record"
    CALLBACKS_READ = "callbacks:read"
    CALLBACKS_WRITE = "callbacks:write"
    STATS_READ = "stats:read"
    CRISIS_EVALUATE = "crisis:evaluate"
    CRISIS_READ = "crisis:read"
    CRISIS_HANDLE = "crisis:handle"
    CRISIS_SUPERVISE = "crisis:supervise"
    CRISIS_RULES_READ = "crisis-rules:read"
    CRISIS_RULES_WRITE = "crisis-rules:write"
    STAFFING_READ = "staffing:read"  # forecast, outlook, rotas
    STAFFING_PLAN = "staffing:plan"  # generate and publish rotas, everyone's availability
    AVAILABILITY_OWN = "availability:own"  # a counsellor's own availability
    FULL_NUMBERS = "numbers:full"  # scope: every caller's full number
    METRICS = "ops:metrics"
    USERS_MANAGE = "users:manage"
    AUDIT_READ = "audit:read"


P = Permission
_EVERYONE = {P.SIGNED_IN}

# The role matrix. Scopes narrow further inside a route: an agent's orders are
# the ones they answered; a site sees its own referrals; police their hand-offs.
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset(
        {
            *_EVERYONE,
            P.LIVE,
            P.DESK,
            P.SEATS_READ,
            P.SEAT_SELF,
            P.QUEUE_READ,
            P.CALLS_READ,
            P.ORDERS_READ,
            P.ORDERS_WRITE,
            P.REFERRALS_SEND,
            P.REFERRALS_READ,
            P.SITES_READ,
            P.VISITS,
            P.CALLBACKS_READ,
            P.CALLBACKS_WRITE,
            P.CRISIS_EVALUATE,
            P.STAFFING_READ,
            P.AVAILABILITY_OWN,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            *_EVERYONE,
            P.LIVE,
            P.WALLBOARD,
            P.SEATS_READ,
            P.SEATS_SUPERVISE,
            P.LISTEN,
            P.QUEUE_READ,
            P.CALLS_READ,
            P.AGENTS_READ,
            P.ORDERS_READ,
            P.ORDERS_WRITE,
            P.ORDERS_ALL,
            P.REFERRALS_SEND,
            P.REFERRALS_READ,
            P.REFERRALS_STEP,
            P.SITES_READ,
            P.VISITS,
            P.CALLBACKS_READ,
            P.CALLBACKS_WRITE,
            P.STATS_READ,
            P.CRISIS_EVALUATE,
            P.CRISIS_READ,
            P.CRISIS_HANDLE,
            P.CRISIS_SUPERVISE,
            P.CRISIS_RULES_READ,
            P.FULL_NUMBERS,
            P.AUDIT_READ,
            P.STAFFING_READ,
            P.STAFFING_PLAN,
            P.AVAILABILITY_OWN,
        }
    ),
    Role.SITE: frozenset(
        {
            *_EVERYONE,
            P.REFERRALS_READ,
            P.REFERRALS_STEP,
            P.SITES_READ,
            P.CRISIS_READ,
            P.CRISIS_HANDLE,
        }
    ),
    Role.POLICE: frozenset({*_EVERYONE, P.CRISIS_READ, P.CRISIS_HANDLE}),
    Role.OPS: frozenset(
        {
            *_EVERYONE,
            P.LIVE,
            P.WALLBOARD,
            P.SEATS_READ,
            P.QUEUE_READ,
            P.CALLS_READ,
            P.AGENTS_READ,
            P.CALLBACKS_READ,
            P.STATS_READ,
            P.METRICS,
            P.STAFFING_READ,
        }
    ),
    Role.ADMIN: frozenset(
        {
            *_EVERYONE,
            P.SEATS_READ,
            P.AGENTS_READ,
            P.AGENTS_MANAGE,
            P.SITES_READ,
            P.CRISIS_RULES_READ,
            P.CRISIS_RULES_WRITE,
            P.USERS_MANAGE,
            P.AUDIT_READ,
        }
    ),
}


@dataclass(frozen=True)
class Principal:
    user: str
    role: Role
    site_id: int | None = None
    name: str = ""
    session_id: int | None = None  # the server-side session or token family, when any
    csrf: str = ""  # a browser session's anti-forgery token, for the pages it renders
    permissions: frozenset[Permission] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not self.permissions:
            object.__setattr__(self, "permissions", ROLE_PERMISSIONS[self.role])

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def agent_id(self) -> str | None:
        """A counsellor's agent id is their login: the desk acts only as them."""
        return self.user if self.role is Role.AGENT else None

    @property
    def sees_full_numbers(self) -> bool:
        """Every caller's full number (supervisors); others see their own calls' only."""
        return P.FULL_NUMBERS in self.permissions

    @property
    def sees_all_orders(self) -> bool:
        return P.ORDERS_ALL in self.permissions


class Authenticator(Protocol):
    async def authenticate(self, connection: HTTPConnection) -> Principal | None:
        """The principal behind a request or a WebSocket handshake; None when anonymous."""
        ...

    async def from_token(self, token: str) -> Principal | None:
        """The principal of an access token sent inside a channel (a socket's first message)."""
        ...


AUTHENTICATOR: Slot[Authenticator] = Slot("authenticator")


async def identify(connection: HTTPConnection) -> Principal | None:
    """Who sent this request (once per request, however many routes' checks ask)."""
    state = connection.state
    if not hasattr(state, "principal"):
        runtime: Runtime = connection.app.state.runtime
        state.principal = await runtime.get(AUTHENTICATOR).authenticate(connection)
    principal: Principal | None = state.principal
    return principal


def forbidden(principal: Principal, permission: Permission) -> HTTPException:
    return HTTPException(
        403, f"permission {permission.value} needed; role {principal.role.value} lacks it"
    )


UNAUTHENTICATED = "sign in first: no valid session or bearer token"


class Requires:
    """A route's declared permission: 401 for nobody, 403 naming what is missing."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __repr__(self) -> str:
        return f"Requires({self.permission.value!r})"

    async def __call__(self, connection: HTTPConnection) -> Principal:
        principal = await identify(connection)
        if principal is None:
            raise HTTPException(401, UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})
        if not principal.may(self.permission):
            raise forbidden(principal, self.permission)
        return principal


class Watching(Requires):
    """A live socket's declared permission. It never refuses by itself: the socket may
    still sign in with its first message, and is closed with 4401/4403 if it does not."""

    async def __call__(self, connection: HTTPConnection) -> Principal | None:  # type: ignore[override]
        try:
            return await identify(connection)
        except HTTPException:  # a cross-site handshake counts as nobody
            return None


class Public:
    """A route open to anyone (health, the login page): declared, so it is never an accident."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Public({self.reason!r})"

    async def __call__(self) -> None:
        return None


_REQUIRES: dict[Permission, Requires] = {}


def requires(permission: Permission) -> Requires:
    """The one ``Requires`` of a permission, for ``Annotated[Principal, Depends(...)]``."""
    return _REQUIRES.setdefault(permission, Requires(permission))


def require(principal: Principal, permission: Permission) -> None:
    """A second check inside a route, for an action narrower than the route's own."""
    if not principal.may(permission):
        raise forbidden(principal, permission)
