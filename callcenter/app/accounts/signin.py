"""Signing in with a login and a password, for the login page and the token endpoint alike.

Throttled per account and per client address; every success, failure and
lockout is audited in its own transaction, so a refused sign-in still leaves
its trace.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.app.accounts.models import User
from callcenter.app.accounts.passwords import dummy_hash, hasher
from callcenter.app.accounts.sessions import Kind, Opened, open_session
from callcenter.app.accounts.throttle import LoginThrottle
from callcenter.app.accounts.users import find_user
from callcenter.kernel.audit import Action, record
from callcenter.kernel.db import transaction
from callcenter.kernel.settings import Settings

WRONG = "wrong login or password"


class SignInRefused(Exception):
    def __init__(self, status: int, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


def lifetime(settings: Settings, kind: Kind) -> timedelta:
    if kind is Kind.BROWSER:
        return timedelta(hours=settings.session_hours)
    return timedelta(days=settings.refresh_token_days)


async def sign_in(
    sessions: async_sessionmaker[AsyncSession],
    throttle: LoginThrottle,
    settings: Settings,
    *,
    login: str,
    password: str,
    kind: Kind,
    address: str,
    at: datetime,
) -> tuple[User, Opened]:
    """The user and their new session; ``SignInRefused`` (401 or 429) otherwise."""
    login = login.strip()
    verdict = await throttle.check(login, address, at)
    if verdict.locked_until is not None:
        wait = math.ceil((verdict.locked_until - at).total_seconds())
        await _audit(sessions, at, login, Action.LOGIN_FAILED, address, "refused: locked out")
        raise SignInRefused(
            429, f"too many failed sign-ins; try again in {math.ceil(wait / 60)} min", wait
        )
    async with transaction(sessions) as session:
        user = await find_user(session, login)
        opened = None
        if user is not None and _password_ok(settings, user, password):
            opened = await open_session(
                session, user, kind, at=at, lifetime=lifetime(settings, kind), address=address
            )
            record(
                session,
                at=at,
                actor=user.login,
                role=user.role,
                action=Action.LOGIN,
                detail=kind.value,
                address=address,
            )
    if opened is not None and user is not None:
        await throttle.succeeded(login)
        return user, opened
    locked = await throttle.failed(login, address, at)
    await _audit(sessions, at, login, Action.LOGIN_FAILED, address, WRONG)
    if locked:
        await _audit(sessions, at, login, Action.LOCKED_OUT, address, "too many failures")
    raise SignInRefused(401, WRONG)


def _password_ok(settings: Settings, user: User | None, password: str) -> bool:
    """Checks the password; a hash made with an older cost is replaced by today's."""
    if user is None or user.disabled:
        hasher(settings).verify(password, dummy_hash(settings))  # same cost either way
        return False
    valid, updated = hasher(settings).verify_and_update(password, user.password_hash)
    if valid and updated is not None:
        user.password_hash = updated
    return valid


async def _audit(
    sessions: async_sessionmaker[AsyncSession],
    at: datetime,
    login: str,
    action: Action,
    address: str,
    detail: str,
) -> None:
    async with transaction(sessions) as session:
        record(session, at=at, actor=login, action=action, address=address, detail=detail)
