"""With Redis, an API worker that runs no ACD still sees live seats and queue."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from acd.events import Skill
from acd.simulator import PbxSimulator
from callcenter.app.factory import create_app
from callcenter.app.system import System
from callcenter.kernel.settings import Settings
from seats.agents import Agent
from tests.staff import Staff


async def test_a_second_worker_reads_snapshots_from_redis(
    tmp_path: Path, redis_url: str, redis_namespace: str
) -> None:
    sim = PbxSimulator(seats=["8001", "8002"], time_scale=0.01)
    await sim.start()
    database = f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}"
    common = {
        "database_url": database,
        "redis_url": redis_url,
        "hotline_id": redis_namespace,
        "data_dir": tmp_path,
    }
    acd_worker = System(Settings(ami_port=sim.port, **common))  # type: ignore[arg-type]
    api_worker = System(Settings(**common), with_acd=False, migrate=False)  # type: ignore[arg-type]
    await acd_worker.start()
    await api_worker.start()
    try:
        assert acd_worker.acd is not None and acd_worker.link is not None
        await acd_worker.link.wait_logged_in(5)
        acd = acd_worker.acd
        agent = Agent(agent_id="a1", name="王老师", skills=frozenset({Skill.GENERAL}))
        acd.command(lambda now: acd.core.login(agent, "8001", now))
        app = create_app(api_worker.runtime)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://worker2"
        ) as anonymous:
            runtime = api_worker.runtime
            client = await Staff(anonymous, runtime.sessions, runtime.settings).client("ops")
            seats: list[dict[str, object]] = []

            async def seat_8001() -> dict[str, object]:
                nonlocal seats
                seats = (await client.get("/api/seats")).json()["seats"]
                return next((s for s in seats if s["seat"] == "8001"), {})

            for _ in range(200):
                if (await seat_8001()).get("state") == "available":
                    break
                await asyncio.sleep(0.01)
            assert (await seat_8001())["agent"] == "a1"
            health = (await client.get("/api/health")).json()
            assert health["redis"] == "ok"
            assert health["ami"]["status"] == "not running"
    finally:
        await api_worker.stop()
        await acd_worker.stop()
        await sim.stop()
