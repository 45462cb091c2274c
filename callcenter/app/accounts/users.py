"""Managing staff accounts: create, list, change role or profile, disable, reset a password.

Counsellors (role ``agent``) also get an entry in the seats' agent directory
under their login, so the ACD routes to them by their skills. Every change is
audited; a role change, a disable or a password reset ends the user's sessions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.app.accounts.models import AuthSession, User
from callcenter.app.accounts.passwords import hasher, password_problem
from callcenter.kernel.audit import Action, record
from callcenter.kernel.auth import Role
from callcenter.kernel.settings import Settings
from seats.models import AgentRecord
from seats.registry import save_agent
from seats.skills import Skill


class AccountError(Exception):
    """A refused account change; ``status`` is the HTTP answer (404, 409, 422)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class NewUser:
    login: str
    password: str
    role: Role
    display_name: str = ""
    site_id: int | None = None
    skills: tuple[Skill, ...] = ()
    default_seat: str | None = None


def profile_problem(role: Role, site_id: int | None, skills: Iterable[Skill]) -> str | None:
    if role is Role.SITE and site_id is None:
        return "a site user needs the site they belong to"
    if role is not Role.SITE and site_id is not None:
        return "only site users belong to a site"
    if role is Role.AGENT and not list(skills):
        return "a counsellor needs at least one skill"
    return None


async def find_user(session: AsyncSession, login: str) -> User | None:
    user: User | None = await session.scalar(select(User).where(User.login == login))
    return user


async def get_user(session: AsyncSession, login: str) -> User:
    user = await find_user(session, login)
    if user is None:
        raise AccountError(404, f"no user {login}")
    return user


async def get_user_by_id(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise AccountError(404, f"no user #{user_id}")
    return user


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.login)))


async def create_user(
    session: AsyncSession, new: NewUser, settings: Settings, *, actor: str, at: datetime
) -> User:
    problem = password_problem(new.password, new.login) or profile_problem(
        new.role, new.site_id, new.skills
    )
    if problem:
        raise AccountError(422, problem)
    if await find_user(session, new.login) is not None:
        raise AccountError(409, f"user {new.login} exists already")
    user = User(
        login=new.login,
        display_name=new.display_name or new.login,
        password_hash=hasher(settings).hash(new.password),
        role=new.role.value,
        site_id=new.site_id,
        skills=",".join(sorted(skill.value for skill in new.skills)),
        default_seat=new.default_seat,
        disabled=False,
        created_at=at,
        updated_at=at,
        password_changed_at=at,
    )
    session.add(user)
    await _sync_agent(session, user)
    await session.flush()
    record(
        session,
        at=at,
        actor=actor,
        action=Action.USER_CREATED,
        target=f"user:{user.login}",
        detail=f"role {user.role}",
    )
    return user


async def change_user(
    session: AsyncSession,
    login: str,
    *,
    actor: str,
    at: datetime,
    role: Role | None = None,
    site_id: int | None = None,
    skills: tuple[Skill, ...] | None = None,
    display_name: str | None = None,
    default_seat: str | None = None,
    disabled: bool | None = None,
) -> User:
    """Change what was given; a new role, site or a disable ends the user's sessions at once."""
    user = await get_user(session, login)
    new_role = role or Role(user.role)
    new_site = site_id if site_id is not None else user.site_id
    if new_role is not Role.SITE:
        new_site = None
    new_skills = skills if skills is not None else _skills(user)
    problem = profile_problem(new_role, new_site, new_skills if new_role is Role.AGENT else ())
    if problem:
        raise AccountError(422, problem)
    changes: list[str] = []
    if new_role.value != user.role:
        changes.append(f"role {user.role} → {new_role.value}")
    if new_site != user.site_id:
        changes.append(f"site {user.site_id} → {new_site}")
    if disabled is not None and disabled != user.disabled:
        changes.append("disabled" if disabled else "enabled")
    ends_sessions = bool(changes)
    user.role, user.site_id = new_role.value, new_site
    if disabled is not None:
        user.disabled = disabled
    if skills is not None:
        user.skills = ",".join(sorted(skill.value for skill in skills))
        changes.append(f"skills {user.skills}")
    if display_name:
        user.display_name = display_name
    if default_seat is not None:
        user.default_seat = default_seat or None
    user.updated_at = at
    await _sync_agent(session, user)
    if ends_sessions:
        await revoke_sessions(session, user, at=at)
    record(
        session,
        at=at,
        actor=actor,
        action=Action.USER_CHANGED,
        target=f"user:{user.login}",
        detail="; ".join(changes) or "profile",
    )
    return user


async def reset_password(
    session: AsyncSession,
    login: str,
    password: str,
    settings: Settings,
    *,
    actor: str,
    at: datetime,
) -> User:
    user = await get_user(session, login)
    problem = password_problem(password, login)
    if problem:
        raise AccountError(422, problem)
    user.password_hash = hasher(settings).hash(password)
    user.password_changed_at = user.updated_at = at
    await revoke_sessions(session, user, at=at)
    record(session, at=at, actor=actor, action=Action.PASSWORD_RESET, target=f"user:{login}")
    return user


async def revoke_sessions(session: AsyncSession, user: User, *, at: datetime) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def _skills(user: User) -> tuple[Skill, ...]:
    return tuple(Skill(part) for part in user.skills.split(",") if part)


async def _sync_agent(session: AsyncSession, user: User) -> None:
    """A counsellor is routed to by skills from the seats' directory, under their login."""
    if user.role == Role.AGENT.value and not user.disabled:
        await save_agent(session, user.login, user.display_name, _skills(user))
        return
    listed = await session.get(AgentRecord, user.login)
    if listed is not None:  # no longer a counsellor, or disabled: no seat for them
        listed.active = False
