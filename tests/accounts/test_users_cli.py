"""``callcenter users``: the first admin, counsellors with skills, and every change by command."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from callcenter.app.accounts.models import User
from callcenter.app.cli import app
from callcenter.kernel.audit import AuditEntry
from callcenter.kernel.db import make_engine, make_sessionmaker
from seats.models import AgentRecord

runner = CliRunner()


async def _read(url: str) -> tuple[dict[str, User], list[str], dict[str, AgentRecord]]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            users = {u.login: u for u in await session.scalars(select(User))}
            trail = [f"{a.action} {a.target}" for a in await session.scalars(select(AuditEntry))]
            agents = {a.agent_id: a for a in await session.scalars(select(AgentRecord))}
            return users, trail, agents
    finally:
        await engine.dispose()


def test_users_are_managed_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {"CALLCENTER_DATABASE_URL": url}

    def run(*args: str, password: str | None = None) -> str:
        result = runner.invoke(app, ["users", *args], env=env, input=password)
        assert result.exit_code == 0, result.output
        return result.output

    run("add", "chief", "--role", "admin", "--password-stdin", password="first admin secret\n")
    counsellor = ["add", "li", "--agent", "--skills", "crisis,psychological", "--seat", "8001"]
    typed = runner.invoke(
        app, ["users", *counsellor], env=env, input="counsellor secret\ncounsellor secret\n"
    )
    assert typed.exit_code == 0, typed.output
    assert "counsellor secret" not in typed.output  # asked without echo
    mismatch = runner.invoke(
        app, ["users", "add", "wang", "--role", "ops"], env=env, input="one secret 1\nanother 22\n"
    )
    assert mismatch.exit_code != 0
    bad_skill = runner.invoke(
        app, ["users", "add", "zhou", "--agent", "--skills", "magic", "--password-stdin"],
        env=env, input="a secret of zhou\n",
    )  # fmt: skip
    assert bad_skill.exit_code == 2 and "crisis" in bad_skill.output
    weak = runner.invoke(app, ["users", "add", "x1", "--password-stdin"], env=env, input="short\n")
    assert weak.exit_code == 1 and "10 characters" in weak.output

    listed = run("list")
    assert "chief" in listed and "crisis,psychological" in listed
    run("set-role", "li", "site", "--site", "3")
    run("reset-password", "chief", "--password-stdin", password="a new admin secret\n")
    run("disable", "li")
    users, trail, agents = asyncio.run(_read(url))
    assert users["li"].role == "site" and users["li"].site_id == 3 and users["li"].disabled
    assert not agents["li"].active  # no longer a counsellor with a seat
    assert users["chief"].password_hash.startswith("$argon2id$")
    assert trail == [
        "user-created user:chief",
        "user-created user:li",
        "user-changed user:li",
        "password-reset user:chief",
        "user-changed user:li",
    ]


def test_privacy_chores_from_the_command_line(tmp_path: Path) -> None:
    env = {"CALLCENTER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}"}
    rotated = runner.invoke(app, ["keys", "rotate"], env=env)
    assert rotated.exit_code == 0, rotated.output
    assert "re-sealed under key 'demo'" in rotated.output
    dry = runner.invoke(app, ["retention", "--older-than", "400d", "--dry-run"], env=env)
    assert dry.exit_code == 0 and "0 orders would be anonymised" in dry.output
    bad = runner.invoke(app, ["retention", "--older-than", "a year"], env=env)
    assert bad.exit_code == 2 and "365d" in bad.output
    no_key = runner.invoke(
        app, ["keys", "rotate"], env={**env, "CALLCENTER_ENCRYPTION_KEYS": "k1:tooshort"}
    )
    assert no_key.exit_code == 2 and "CALLCENTER_ENCRYPTION_KEYS" in no_key.output
