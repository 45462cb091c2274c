"""What the surge and soak benchmarks share: a fresh PostgreSQL database, ``callcenter serve``
as a real process against the PBX simulator over TCP, its agents, and its resource use."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import text

from acd.simulator import PbxSimulator
from callcenter.kernel.auth import Role
from callcenter.kernel.crypto import install
from callcenter.kernel.db import execute_autocommit, make_engine
from tests.staff import DEPLOYMENT_KEYRING, DEPLOYMENT_SECRETS, sign_in_at

# A deployment's own secrets (serve refuses the demo's): the simulator is given the AMI one.
BENCH_AMI_SECRET = "bench-ami-secret"
BENCH_SECRETS = DEPLOYMENT_SECRETS
install(DEPLOYMENT_KEYRING)  # the bench reads rows the serve process sealed with these keys
# Signing the staff in is not what a bench measures: argon2id at its production cost takes
# 64 MiB for each sign-in the serve process checks, which would be the peak RSS of the run.
# The bench hashes its staff's passwords cheaply (the hash carries its cost to serve).
for _name, _value in (("TIME_COST", "1"), ("MEMORY_KIB", "8"), ("PARALLELISM", "1")):
    os.environ.setdefault(f"CALLCENTER_ARGON2_{_name}", _value)

PG_SERVER = os.environ.get(
    "CALLCENTER_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CALLCENTER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    name = f"cc_bench_{uuid.uuid4().hex[:10]}"
    await execute_autocommit(PG_SERVER, f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(PG_SERVER)._replace(path=f"/{name}").geturl()
    finally:
        await execute_autocommit(PG_SERVER, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class ServeProcess:
    process: asyncio.subprocess.Process
    url: str
    database_url: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_mb(self) -> float:
        return _status_kb(self.pid, "VmHWM") / 1024

    def rss_mb(self) -> float:
        return _status_kb(self.pid, "VmRSS") / 1024

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def open_fds(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    async def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, as_: str = ""
    ) -> Any:
        """As the counsellor ``as_``, else as the bench's admin."""
        login, role = (as_, Role.AGENT) if as_ else ("bench-admin", Role.ADMIN)
        headers = await sign_in_at(self.url, self.database_url, login, role)
        async with httpx.AsyncClient(timeout=10, headers=headers) as client:
            reply = await client.request(method, self.url + path, json=body)
            reply.raise_for_status()
            return reply.json()


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


@contextlib.asynccontextmanager
async def serve(sim: PbxSimulator, database_url: str, folder: Path, seats: int,
                **settings: str) -> AsyncIterator[ServeProcess]:  # fmt: skip
    port = free_port()
    env = {
        **os.environ,
        **BENCH_SECRETS,  # serve refuses the demo's secrets
        "CALLCENTER_AMI_SECRET": BENCH_AMI_SECRET,
        "CALLCENTER_AMI_PORT": str(sim.port),
        "CALLCENTER_DATABASE_URL": database_url,
        "CALLCENTER_REDIS_URL": REDIS_URL,
        "CALLCENTER_HOTLINE_ID": f"bench-{uuid.uuid4().hex[:6]}",
        "CALLCENTER_HTTP_PORT": str(port),
        "CALLCENTER_DATA_DIR": str(folder),
        "CALLCENTER_SEAT_EXTENSIONS": ",".join(str(8001 + n) for n in range(seats)),
        "CALLCENTER_NORMAL_SEATS": str(seats),
        "CALLCENTER_LOG_LEVEL": "WARNING",
        **{f"CALLCENTER_{key.upper()}": value for key, value in settings.items()},
    }
    with (folder / "serve.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from callcenter.app.cli import app; app()", "serve",
            env=env, stdout=log, stderr=log, stdin=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
    running = ServeProcess(process, f"http://127.0.0.1:{port}", database_url)
    try:
        await _until_up(running)
        yield running
    finally:
        if process.returncode is None:
            process.terminate()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(15):
                    await process.wait()
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _until_up(running: ServeProcess) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if running.process.returncode is not None:
            raise RuntimeError("callcenter serve exited at start (see serve.log)")
        with contextlib.suppress(httpx.HTTPError, ValueError):
            async with httpx.AsyncClient(timeout=10) as client:  # public: no account yet
                health = (await client.get(running.url + "/api/health")).json()
            if health["ami"]["status"] == "ok":
                return
        await asyncio.sleep(0.1)
    raise RuntimeError("callcenter serve did not come up in 60 s")


async def staff(running: ServeProcess, seats: int) -> None:
    """One agent per seat, with every skill, logged in."""
    for n in range(seats):
        agent = f"b{n:02d}"
        skills = ["general", "psychological", "legal", "crisis"]
        await running.request("PUT", "/api/agents", {"agent": agent, "name": agent,
                                                     "skills": skills})  # fmt: skip
        await running.request("POST", "/api/agents/login", {"seat": str(8001 + n)}, as_=agent)


async def db_connections(database_url: str) -> int:
    name = urlsplit(database_url).path.lstrip("/")
    engine = make_engine(PG_SERVER)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
            return int(found or 0)
    finally:
        await engine.dispose()
