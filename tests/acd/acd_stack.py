"""A running ACD against the PBX simulator over TCP, for scenario tests and benchmarks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from acd.events import Skill
from acd.policy import RoutingPolicy
from acd.service import AcdService
from acd.simulator import PbxSimulator
from callcenter.app.system import System
from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.settings import Settings
from seats.agents import Agent

ALL_SEATS = [str(n) for n in range(8001, 8021)]


@dataclass
class Stack:
    sim: PbxSimulator
    system: System
    events: list[DomainEvent] = field(default_factory=list)

    @property
    def acd(self) -> AcdService:
        assert self.system.acd is not None
        return self.system.acd

    def login(self, agent_id: str, seat: str, skills: Iterable[Skill] = (Skill.GENERAL,)) -> None:
        agent = Agent(agent_id=agent_id, name=agent_id, skills=frozenset(skills))
        self.acd.command(lambda now: self.acd.core.login(agent, seat, now))

    def seat(self, seat: str) -> dict[str, object]:
        for view in self.acd.core.seats_view(0):
            if view.seat == seat:
                return {k: getattr(view, k) for k in ("state", "agent", "pause_reason")}
        raise KeyError(seat)

    def redirects(self, call_id: str | None = None) -> list[tuple[str, str]]:
        """(context, exten) of every Redirect the ACD sent, in order."""
        return [
            (a["Context"], a["Exten"]) for a in self.sim.actions if a.get("Action") == "Redirect"
        ]

    def of_kind(self, kind: str) -> list[DomainEvent]:
        return [e for e in self.events if e.kind == kind]


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


@asynccontextmanager
async def acd_stack(
    tmp_path: Path,
    *,
    policy: RoutingPolicy | None = None,
    time_scale: float = 0.01,
    database_url: str | None = None,
    redis_url: str | None = None,
    hotline_id: str = "12355",
) -> AsyncIterator[Stack]:
    sim = PbxSimulator(seats=ALL_SEATS, time_scale=time_scale)
    await sim.start()
    settings = Settings(
        ami_port=sim.port,
        database_url=database_url or f"sqlite+aiosqlite:///{tmp_path / 'acd.sqlite3'}",
        data_dir=tmp_path,
        redis_url=redis_url,
        hotline_id=hotline_id,
    )
    system = System(settings, policy=policy or RoutingPolicy(wrapup_seconds=0.05))
    stack = Stack(sim=sim, system=system)
    system.runtime.bus.observe(stack.events.append)
    await system.start()
    try:
        assert system.link is not None
        await system.link.wait_logged_in(5)
        yield stack
    finally:
        await system.stop()
        await sim.stop()
