"""The operator's guide's backup and restore, done for real: ``pg_dump`` a hotline's
database after calls, ``pg_restore`` it into an empty database, and the service
starts on the copy with every call and work order there."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlalchemy import text

from callcenter.app.factory import create_app
from callcenter.app.system import System
from callcenter.kernel.db import execute_autocommit, make_engine
from callcenter.kernel.settings import Settings
from tests.acd.acd_stack import acd_stack, until
from tests.staff import Staff


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _server_major(url: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            number = await conn.scalar(text("show server_version_num"))
    finally:
        await engine.dispose()
    return int(str(number)) // 10000


def _tool(name: str, server_major: int) -> str:
    """The machine's pg tool when it is new enough for the server, else pgserver's own."""
    found = shutil.which(name)
    if found:
        version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
        if int(version.split()[-1].split(".")[0].split("(")[0] or 0) >= server_major:
            return found
    from pgserver._commands import POSTGRES_BIN_PATH  # the throwaway server's own tools

    return str(Path(POSTGRES_BIN_PATH) / name)


def _pg_tool(name: str, server_major: int, *args: str) -> None:
    subprocess.run([_tool(name, server_major), *args], check=True)


async def test_a_dump_restores_into_an_empty_database_and_the_service_starts_on_it(
    tmp_path: Path, empty_pg_url: str, pg_server_url: str
) -> None:
    async with acd_stack(tmp_path / "before", database_url=empty_pg_url) as stack:
        stack.login("a1", "8001")
        call = stack.sim.place_call("13800000001", ivr_choice="0", talk_time=10)
        await until(lambda: stack.seat("8001")["state"] == "on_call")
        stack.sim.hangup_call(call)
        await until(lambda: len(stack.of_kind("CallEnded")) == 1)
        await stack.system.runtime.bus.join()

    major = await _server_major(empty_pg_url)
    dump = tmp_path / "hotline.dump"
    await asyncio.to_thread(
        _pg_tool, "pg_dump", major, "--format=custom", "--no-owner", "--file", str(dump),
        _libpq(empty_pg_url),
    )  # fmt: skip
    copy = f"cc_restore_{uuid.uuid4().hex[:10]}"
    await execute_autocommit(pg_server_url, f'CREATE DATABASE "{copy}"')
    restored = urlsplit(pg_server_url)._replace(path=f"/{copy}").geturl()
    try:
        await asyncio.to_thread(
            _pg_tool, "pg_restore", major, "--no-owner", "--exit-on-error", "--dbname",
            _libpq(restored), str(dump),
        )  # fmt: skip
        settings = Settings(database_url=restored, data_dir=tmp_path / "after")
        async with System(settings, with_acd=False, with_services=False) as system:
            transport = httpx.ASGITransport(app=create_app(system.runtime))
            async with httpx.AsyncClient(transport=transport, base_url="http://ops") as anonymous:
                staff = Staff(anonymous, system.runtime.sessions, settings)
                client = await staff.client("supervisor")
                health = (await client.get("/api/health")).json()
                calls = (await client.get("/api/calls")).json()
                orders = (await client.get("/api/workorders")).json()
        assert health["database"] == "ok"
        assert [c["call_id"] for c in calls] == [call]
        assert orders["total"] == 1 and orders["items"][0]["call_id"] == call
    finally:
        await execute_autocommit(pg_server_url, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
