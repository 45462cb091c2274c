"""The demo's people: sample referral sites and one account per role, with fresh passwords.

Each ``callcenter demo`` start sets new random passwords (printed in its
banner), so a demo database copied elsewhere keeps no known password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.app.accounts import users as accounts
from callcenter.kernel.auth import Role
from callcenter.kernel.settings import Settings
from seats.skills import Skill
from workorders.referrals.models import Site
from workorders.referrals.sites import import_sites

ACTOR = "demo"


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    login: str
    password: str
    name: str = ""


def sample_sites_file() -> Path:
    return Path(str(resources.files("workorders.data").joinpath("sites_sample.csv")))


async def seed_sites(session: AsyncSession) -> int | None:
    """The sample referral sites; the id of the first, for the demo's site user."""
    result = await import_sites(session, sample_sites_file())
    if not result.ok:
        raise RuntimeError(f"the sample sites do not import: {result.errors}")
    first: int | None = await session.scalar(select(Site.id).order_by(Site.id).limit(1))
    return first


def staff(agents: list[tuple[str, str, frozenset[Skill]]]) -> list[tuple[Role, str, str]]:
    """(role, login, display name) of every demo account; counsellors are the simulated agents."""
    return [
        (Role.SUPERVISOR, "demo-supervisor", "值班长 Duty lead"),
        *((Role.AGENT, agent_id, name) for agent_id, name, _ in agents),
        (Role.SITE, "demo-site", "示例站点 Sample site"),
        (Role.POLICE, "demo-police", "警务联络 Police liaison"),
        (Role.ADMIN, "demo-admin", "管理员 Admin"),
        (Role.OPS, "demo-ops", "运维 Ops"),
    ]


async def seed_accounts(
    session: AsyncSession,
    settings: Settings,
    agents: list[tuple[str, str, frozenset[Skill]]],
    *,
    site_id: int | None,
    seats: list[str],
    at: datetime,
) -> list[DemoAccount]:
    """Create (or reset) one account per demo person, each with a new random password."""
    skills = {agent_id: tuple(sorted(s)) for agent_id, _, s in agents}
    seat_of = dict(zip([a[0] for a in agents], seats, strict=False))
    made: list[DemoAccount] = []
    for role, login, name in staff(agents):
        password = secrets.token_urlsafe(9)
        if await accounts.find_user(session, login) is None:
            new = accounts.NewUser(
                login=login,
                password=password,
                role=role,
                display_name=name,
                site_id=site_id if role is Role.SITE else None,
                skills=skills.get(login, ()),
                default_seat=seat_of.get(login),
            )
            await accounts.create_user(session, new, settings, actor=ACTOR, at=at)
        else:
            await accounts.reset_password(session, login, password, settings, actor=ACTOR, at=at)
        made.append(DemoAccount(role=role, login=login, password=password, name=name))
    return made
