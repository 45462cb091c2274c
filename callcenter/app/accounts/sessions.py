"""Server-side sessions: a browser's cookie session, or an API client's refresh-token family.

Only a SHA-256 of each secret is stored. A refresh token is used once: each use
rotates it, and presenting a rotated-out one again (a stolen copy racing its
owner) revokes the whole family.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.app.accounts.models import AuthSession, User
from callcenter.kernel.auth import Principal, Role


class Kind(StrEnum):
    BROWSER = "browser"
    API = "api"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Opened:
    row: AuthSession
    secret: str  # handed to the client once: the cookie, or the refresh token


@dataclass(frozen=True)
class Active:
    user: User
    row: AuthSession

    def principal(self) -> Principal:
        """Read from the user row each time, so a role change applies at once."""
        return Principal(
            user=self.user.login,
            role=Role(self.user.role),
            site_id=self.user.site_id,
            name=self.user.display_name,
            session_id=self.row.id,
            csrf=self.row.csrf if self.row.kind == Kind.BROWSER else "",
        )


async def open_session(
    session: AsyncSession,
    user: User,
    kind: Kind,
    *,
    at: datetime,
    lifetime: timedelta,
    address: str = "",
) -> Opened:
    secret = secrets.token_urlsafe(32)
    row = AuthSession(
        user_id=user.id,
        kind=kind.value,
        secret_hash=digest(secret),
        csrf=secrets.token_urlsafe(24) if kind is Kind.BROWSER else "",
        address=address[:64],
        created_at=at,
        expires_at=at + lifetime,
    )
    session.add(row)
    await session.flush()
    return Opened(row=row, secret=secret)


def _live(row: AuthSession, user: User, at: datetime) -> bool:
    return row.revoked_at is None and row.expires_at > at and not user.disabled


async def active_by_secret(
    session: AsyncSession, secret: str, kind: Kind, at: datetime
) -> Active | None:
    found = await session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.secret_hash == digest(secret), AuthSession.kind == kind.value)
    )
    pair = found.first()
    if pair is None or not _live(pair[0], pair[1], at):
        return None
    return Active(user=pair[1], row=pair[0])


async def active_by_id(
    session: AsyncSession, session_id: int, login: str, at: datetime
) -> Active | None:
    row = await session.get(AuthSession, session_id)
    if row is None:
        return None
    user = await session.get(User, row.user_id)
    if user is None or user.login != login or not _live(row, user, at):
        return None
    return Active(user=user, row=row)


async def rotate_refresh(session: AsyncSession, refresh: str, at: datetime) -> Opened | None:
    """A fresh refresh token for a valid one; None (and the family revoked) on a replay."""
    hashed = digest(refresh)
    current = await active_by_secret(session, refresh, Kind.API, at)
    if current is None:
        replayed = await session.scalar(
            select(AuthSession).where(AuthSession.previous_hash == hashed)
        )
        if replayed is not None and replayed.revoked_at is None:
            replayed.revoked_at = at
        return None
    secret = secrets.token_urlsafe(32)
    current.row.previous_hash = hashed
    current.row.secret_hash = digest(secret)
    return Opened(row=current.row, secret=secret)


async def revoke(session: AsyncSession, session_id: int, at: datetime) -> None:
    row = await session.get(AuthSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = at
