"""``callcenter serve`` as a real process against the PBX simulator over TCP, for fault tests.

The simulator runs in the test's own event loop; each ``Serve`` is a subprocess
with its own settings (short lease and timeouts), its log in a file, killed
with SIGKILL or stopped with SIGTERM like ops would. ``Floor`` reads what the
database holds, for the assertions. A serve process refuses demo secrets, so the
harness gives it its own (and ``Floor`` reads the rows with the same keys); API
calls are made by accounts signed in through the token endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

from acd.callback.models import CallbackAttempt, CallbackTask
from acd.models import Call
from acd.simulator import PbxSimulator
from callcenter.kernel.auth import Role
from callcenter.kernel.crypto import install, keyring
from callcenter.kernel.db import make_engine, make_sessionmaker
from tests.conftest import free_port
from tests.staff import DEPLOYMENT_KEYRING, DEPLOYMENT_SECRETS, sign_in_at
from workorders.models import WorkOrder

ROOT = Path(__file__).resolve().parents[2]
SEATS = "8001,8002,8003,8004"
AMI_SECRET = "harness-ami-secret"
# The secrets of the harness's own deployment: not the demo's, so serve starts.
SECRETS = {"CALLCENTER_AMI_SECRET": AMI_SECRET, **DEPLOYMENT_SECRETS}


@dataclass
class Serve:
    """One ``callcenter serve`` process."""

    name: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None
    started: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        env = {**os.environ, **self.env, "CALLCENTER_HTTP_PORT": str(self.port)}
        self.started = time.monotonic()
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", "from callcenter.app.cli import app; app()", "serve",
                cwd=ROOT, env=env, stdout=out, stderr=out, stdin=asyncio.subprocess.DEVNULL,
            )  # fmt: skip

    async def health(self) -> dict[str, Any] | None:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                reply = await client.get(self.url + "/api/health")
                return dict(reply.json())
        except (httpx.HTTPError, ValueError):
            return None

    async def until_role(self, role: str, timeout: float = 30) -> dict[str, Any]:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"{self.name} exited: {self.tail()}")
            health = await self.health()
            if health and health.get("role") == role and health["ami"]["status"] == "ok":
                return health
            await asyncio.sleep(0.05)
        raise AssertionError(f"{self.name} not {role} in {timeout}s: {self.tail()}")

    async def headers(self, login: str, role: Role) -> dict[str, str]:
        """A bearer header of ``login`` (made in the database first, if need be)."""
        return await sign_in_at(self.url, self.env["CALLCENTER_DATABASE_URL"], login, role)

    async def status(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, as_: str = ""
    ) -> httpx.Response:
        """The reply, as the counsellor ``as_`` (``admin`` or the supervisor when not given)."""
        login, role = (as_, Role.AGENT) if as_ not in ("", "admin") else (
            ("harness-admin", Role.ADMIN) if as_ == "admin" else ("harness-lead", Role.SUPERVISOR)
        )  # fmt: skip
        headers = await self.headers(login, role)
        async with httpx.AsyncClient(timeout=5) as client:
            return await client.request(method, self.url + path, json=body, headers=headers)

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, as_: str = ""
    ) -> Any:
        reply = await self.status(method, path, body, as_=as_)
        assert reply.status_code < 300, (path, reply.status_code, reply.text)
        return reply.json()

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def terminate(self, timeout: float = 15) -> float:  # noqa: ASYNC109
        """SIGTERM; the seconds until it exited."""
        assert self.process is not None
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(timeout):
            await self.process.wait()
        return time.monotonic() - sent

    async def reap(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
        if self.process is not None:
            await self.process.wait()

    def tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def serve_env(
    sim: PbxSimulator, database_url: str, tmp: Path, *, redis_url: str = "", ha: bool = False
) -> dict[str, str]:
    env = {
        **SECRETS,
        "CALLCENTER_AMI_PORT": str(sim.port),
        "CALLCENTER_DATABASE_URL": database_url,
        "CALLCENTER_SEAT_EXTENSIONS": SEATS,
        "CALLCENTER_NORMAL_SEATS": "4",
        "CALLCENTER_WRAPUP_SECONDS": "0.3",
        "CALLCENTER_RING_TIMEOUT": "5",
        "CALLCENTER_AMI_PING_INTERVAL": "1",
        "CALLCENTER_AMI_ACTION_TIMEOUT": "2",
        "CALLCENTER_LEASE_TTL": "2.4",
        "CALLCENTER_QUIET_HOURS": "00:00-00:00",  # callbacks at any hour of the test
        "CALLCENTER_HA": "true" if ha else "false",
        "CALLCENTER_REDIS_URL": redis_url,
        "CALLCENTER_LOG_LEVEL": "INFO",
    }
    if not redis_url:
        del env["CALLCENTER_REDIS_URL"]
    return env


def processes(tmp: Path, base: dict[str, str]) -> Callable[[str, dict[str, str]], Serve]:
    def make(name: str, extra: dict[str, str]) -> Serve:
        env = {**base, "CALLCENTER_NODE_ID": name,
               "CALLCENTER_DATA_DIR": str(tmp / f"{name}.data"), **extra}  # fmt: skip
        return Serve(name=name, env=env, log=tmp / f"{name}.log")

    return make


class Floor:
    """What the database says, for assertions."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.sessions = make_sessionmaker(self.engine)
        self._keys = keyring()
        install(DEPLOYMENT_KEYRING)  # the rows are sealed with the serve processes' keys

    async def count(self, model: Any, *where: Any) -> int:
        async with self.sessions() as session:
            query = select(func.count()).select_from(model)
            for clause in where:
                query = query.where(clause)
            return int(await session.scalar(query) or 0)

    async def calls(self) -> dict[str, Call]:
        async with self.sessions() as session:
            return {row.call_id: row for row in (await session.scalars(select(Call))).all()}

    async def orders_per_call(self) -> dict[str, int]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(WorkOrder.call_id, func.count()).group_by(WorkOrder.call_id)
            )
            return {str(call_id): int(n) for call_id, n in rows.all()}

    async def callbacks(self) -> tuple[list[CallbackTask], list[CallbackAttempt]]:
        async with self.sessions() as session:
            tasks = list((await session.scalars(select(CallbackTask))).all())
            attempts = list((await session.scalars(select(CallbackAttempt))).all())
            return tasks, attempts

    async def seat_sessions(self) -> dict[str, tuple[str, str | None]]:
        async with self.sessions() as session:
            rows = await session.execute(
                text("SELECT seat, agent_id, pause_reason FROM seat_sessions")
            )
            return {str(seat): (str(agent), reason) for seat, agent, reason in rows.all()}

    async def close(self) -> None:
        install(self._keys)
        await self.engine.dispose()


async def until(
    condition: Callable[[], Any],
    timeout: float = 10,  # noqa: ASYNC109
    what: str = "condition",
) -> float:
    """Wait for a (sync or async) condition; the seconds it took."""
    start = time.monotonic()
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what} not met within {timeout}s")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def simulator(**options: Any) -> Any:
    sim = PbxSimulator(seats=SEATS.split(","), **{"secret": AMI_SECRET, **options})
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()
