"""A database outage never stops calls and loses no record: the journal carries them over."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from acd.events import Skill
from acd.models import Call
from acd.policy import RoutingPolicy
from acd.simulator import PbxSimulator
from callcenter.app.system import System
from callcenter.kernel.settings import Settings
from seats.agents import Agent
from tests.acd.acd_stack import until
from workorders.models import WorkOrder


class CuttableProxy:
    """A loopback TCP proxy to PostgreSQL that a test can cut and restore."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        socket_dir = parse_qs(parts.query).get("host", [None])[0]
        self._unix = f"{socket_dir}/.s.PGSQL.{parts.port or 5432}" if socket_dir else None
        self._target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._unix:
            up_reader, up_writer = await asyncio.open_unix_connection(self._unix)
        else:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._pipes.update({writer, up_writer})
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))

    @staticmethod
    async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()


def _through(proxy: CuttableProxy, url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"postgres@127.0.0.1:{proxy.port}", query="").geturl()


@pytest.fixture
async def proxy(empty_pg_url: str) -> CuttableProxy:
    cuttable = CuttableProxy(empty_pg_url)
    await cuttable.start()
    return cuttable


async def _count(system: System, model: type[Call] | type[WorkOrder]) -> int:
    async with system.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_calls_go_on_during_an_outage_and_every_record_lands_after(
    tmp_path: Path, empty_pg_url: str, proxy: CuttableProxy
) -> None:
    sim = PbxSimulator(seats=["8001", "8002"], time_scale=0.01)
    await sim.start()
    settings = Settings(
        ami_port=sim.port,
        database_url=_through(proxy, empty_pg_url),
        data_dir=tmp_path,
    )
    system = System(settings, policy=RoutingPolicy(wrapup_seconds=0.05))
    await system.start()
    try:
        assert system.acd is not None and system.link is not None and system.recorder
        await system.link.wait_logged_in(5)
        acd = system.acd
        for agent_id, seat in (("a1", "8001"), ("a2", "8002")):
            agent = Agent(agent_id=agent_id, name=agent_id, skills=frozenset({Skill.GENERAL}))
            acd.command(lambda now, a=agent, s=seat: acd.core.login(a, s, now))
        async with system.runtime.sessions() as session:  # warm the tables
            await session.execute(select(Call).limit(1))
        # Tables are empty: the migration ran through the proxy.
        await proxy.cut()
        calls = [sim.place_call(f"1380000000{n}", ivr_choice="0", talk_time=0.2) for n in range(4)]
        await until(lambda: all(sim.calls[c].ended for c in calls), timeout=10)
        assert all(sim.calls[c].connected_seat for c in calls), "routing went on"
        await until(lambda: len(system.recorder.journal) > 0, timeout=5)
        assert not system.recorder.healthy

        await proxy.start()  # the database is back on the same address
        await until(lambda: system.recorder.healthy, timeout=20)
        assert await _count(system, Call) == 4
        assert await _count(system, WorkOrder) == 4
        async with system.runtime.sessions() as session:
            rows = (await session.scalars(select(Call))).all()
        assert {row.call_id for row in rows} == set(calls)
        assert all(row.outcome == "answered" and row.ended_at for row in rows)
    finally:
        await system.stop()
        await sim.stop()


async def test_a_journal_left_by_a_crash_is_replayed_on_start(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from acd.events import CallArrived
    from callcenter.kernel.journal import Journal

    journal = Journal(tmp_path / "journal.jsonl")
    at = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    journal.append(CallArrived(call_id="sim-1.0", caller_number="+8613800000001", at=at))
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite3'}", data_dir=journal.path.parent
    )
    system = System(settings, with_acd=False)
    await system.start()
    try:
        assert system.recorder is not None
        await until(lambda: system.recorder is not None and system.recorder.healthy, timeout=10)
        assert await _count(system, Call) == 1
        async with system.runtime.sessions() as session:
            call = await session.get(Call, "sim-1.0")
        assert call is not None and call.arrived_at == at
    finally:
        await system.stop()
