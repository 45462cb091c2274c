"""``callcenter users ...``: staff accounts from the command line (the first admin starts here)."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.app.accounts import users as accounts
from callcenter.app.accounts.models import User
from callcenter.app.startup import load_settings
from callcenter.kernel.auth import Role
from callcenter.kernel.clock import SystemClock
from callcenter.kernel.db import make_engine, make_sessionmaker, transaction
from callcenter.kernel.migrations import upgrade_to_head
from callcenter.kernel.settings import Settings
from seats.skills import Skill

users_app = typer.Typer(help="Staff accounts: add, list, disable, reset passwords, set roles.")
console = Console()
T = TypeVar("T")
ACTOR = f"cli:{getpass.getuser()}"
StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from standard input")
]


def _settings() -> Settings:
    return load_settings()


def _run(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    """One transaction against the configured database (migrated first); refusals exit 1."""
    settings = _settings()

    async def run() -> T:
        engine = make_engine(settings.database_url)
        try:
            await upgrade_to_head(engine)
            sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(engine)
            async with transaction(sessions) as session:
                return await work(session, settings)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except accounts.AccountError as exc:
        console.print(f"[red]{exc.reason}[/red]")
        raise typer.Exit(1) from exc


def read_password(from_stdin: bool) -> str:
    """From stdin for scripts, else asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


def _skills(text: str) -> tuple[Skill, ...]:
    try:
        return tuple(Skill(part.strip()) for part in text.split(",") if part.strip())
    except ValueError as exc:
        known = ", ".join(skill.value for skill in Skill)
        raise typer.BadParameter(f"{exc}; skills are: {known}") from exc


@users_app.command("add")
def add(
    login: str,
    role: Annotated[Role, typer.Option(help="agent, supervisor, site, police, ops or admin")] = (
        Role.AGENT
    ),
    agent: Annotated[bool, typer.Option("--agent", help="a counsellor (role agent)")] = False,
    skills: Annotated[str, typer.Option(help="counsellors: crisis,psychological,...")] = "",
    name: Annotated[str, typer.Option(help="display name")] = "",
    site: Annotated[int | None, typer.Option(help="site users: their site's id")] = None,
    seat: Annotated[str | None, typer.Option(help="counsellors: their default seat")] = None,
    password_stdin: StdinOption = False,
) -> None:
    """Create an account; the password is asked without echo (or read from stdin)."""
    chosen = Role.AGENT if agent else role
    new = accounts.NewUser(
        login=login,
        password=read_password(password_stdin),
        role=chosen,
        display_name=name,
        site_id=site,
        skills=_skills(skills) if chosen is Role.AGENT else (),
        default_seat=seat,
    )

    async def work(session: AsyncSession, settings: Settings) -> None:
        await accounts.create_user(session, new, settings, actor=ACTOR, at=SystemClock().now())

    _run(work)
    console.print(f"user {login} created ({chosen.value})")


@users_app.command("list")
def list_users() -> None:
    """Every account with its role, site, skills and whether it is disabled."""

    async def work(session: AsyncSession, settings: Settings) -> list[User]:
        return await accounts.list_users(session)

    table = Table("login", "name", "role", "site", "skills", "seat", "disabled")
    for user in _run(work):
        table.add_row(
            user.login,
            user.display_name,
            user.role,
            str(user.site_id or ""),
            user.skills,
            user.default_seat or "",
            "yes" if user.disabled else "",
        )
    console.print(table)


@users_app.command("disable")
def disable(login: str) -> None:
    """Disable an account: its sessions and tokens end at once."""

    async def work(session: AsyncSession, settings: Settings) -> None:
        await accounts.change_user(
            session, login, actor=ACTOR, at=SystemClock().now(), disabled=True
        )

    _run(work)
    console.print(f"user {login} disabled")


@users_app.command("reset-password")
def reset_password(login: str, password_stdin: StdinOption = False) -> None:
    """Set a new password: the user's sessions and tokens end at once."""
    password = read_password(password_stdin)

    async def work(session: AsyncSession, settings: Settings) -> None:
        await accounts.reset_password(
            session, login, password, settings, actor=ACTOR, at=SystemClock().now()
        )

    _run(work)
    console.print(f"password of {login} reset")


@users_app.command("set-role")
def set_role(
    login: str,
    role: Role,
    site: Annotated[int | None, typer.Option(help="for role site: the site's id")] = None,
    skills: Annotated[str, typer.Option(help="for role agent: crisis,psychological,...")] = "",
) -> None:
    """Change an account's role (and site or skills): its sessions end at once."""

    async def work(session: AsyncSession, settings: Settings) -> None:
        await accounts.change_user(
            session,
            login,
            actor=ACTOR,
            at=SystemClock().now(),
            role=role,
            site_id=site,
            skills=_skills(skills) if skills else None,
        )

    _run(work)
    console.print(f"user {login} is now {role.value}")
