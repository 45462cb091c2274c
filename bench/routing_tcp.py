"""End-to-end routing latency over TCP: PBX simulator → AMI → tracker → core → Redirect.

Measured at the simulator, where both ends are visible: from the moment it emits
the AMI event that makes a routing decision possible to the moment it receives
the ACD's Redirect. Two cases:

- ``arrival``: a caller announces itself (UserEvent CallWaiting) while a seat is free;
- ``freed_seat``: callers wait, the one busy seat's call hangs up (Hangup), and
  the next caller must be sent to it (after a zero wrap-up).

The recorder writes to SQLite beside the hot path during the run, as in production.
"""

from __future__ import annotations

import asyncio
import functools
import tempfile
import time
from pathlib import Path
from typing import Any

from acd.commands import Command
from acd.events import Skill
from acd.policy import RoutingPolicy
from acd.service import AcdService
from acd.simulator import PbxSimulator
from callcenter.app.event_loop import settle_heap
from callcenter.app.system import System
from callcenter.kernel.settings import Settings
from seats.agents import Agent


class _TimedActions(list[dict[str, str]]):
    """The simulator's action log, stamping when each Redirect arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.redirect_times: list[float] = []

    def append(self, item: dict[str, str]) -> None:
        if item.get("Action", "").lower() == "redirect" and item.get("Context") == "acd-seat":
            self.redirect_times.append(time.perf_counter())
        super().append(item)


class _Stamps:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {"CallWaiting": [], "Hangup": []}

    def __call__(self, klass: str, message: list[tuple[str, str]]) -> None:
        headers = dict(message)
        if headers.get("Event") == "UserEvent" and headers.get("UserEvent") == "CallWaiting":
            self.times["CallWaiting"].append(time.perf_counter())
        elif headers.get("Event") == "Hangup" and "trunk" not in headers.get("Channel", "x"):
            self.times["Hangup"].append(time.perf_counter())


async def _running(folder: Path, seats: int) -> tuple[PbxSimulator, System, _Stamps, _TimedActions]:
    all_seats = [str(n) for n in range(8001, 8001 + seats)]
    sim = PbxSimulator(seats=all_seats, time_scale=0.001)
    stamps, actions = _Stamps(), _TimedActions()
    sim.pbx.listeners.insert(0, stamps)
    sim.server.actions = actions
    await sim.start()
    settings = Settings(
        ami_port=sim.port,
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}",
        data_dir=folder,
        seat_extensions=all_seats,
        normal_seats=seats,
    )
    system = System(settings, policy=RoutingPolicy(wrapup_seconds=0.0, max_queue=10_000))
    settle_heap()
    await system.start()
    # as ``callcenter serve`` does: the segmenter's dictionary (loaded in the background)
    # in, and frozen out of the collector, before the first measured call
    await system.warmed_up()
    settle_heap(collect=False)
    assert system.link is not None and system.acd is not None
    await system.link.wait_logged_in(5)
    acd = system.acd
    for index, seat in enumerate(all_seats):
        agent = Agent(agent_id=f"a{index}", name=f"a{index}", skills=frozenset(Skill))
        acd.command(functools.partial(_login, acd, agent, seat))
    return sim, system, stamps, actions


def _login(acd: AcdService, agent: Agent, seat: str, now: float) -> list[Command]:
    return acd.core.login(agent, seat, now)


async def _wait(condition: Any, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the ACD did not act in time")
        await asyncio.sleep(0.0005)


async def measure_arrival(samples: int = 300) -> list[float]:
    """Seconds from CallWaiting emitted to Redirect received, with free seats."""
    with tempfile.TemporaryDirectory() as folder:
        sim, system, stamps, actions = await _running(Path(folder), seats=20)
        try:
            for n in range(samples):
                sim.place_call(f"1380000{n:04d}", ivr_choice="0", talk_time=1.0)
                await _wait(lambda n=n: len(actions.redirect_times) > n)
                await asyncio.sleep(0.002)  # let the call answer and clear
            pairs = zip(stamps.times["CallWaiting"], actions.redirect_times, strict=False)
            return [out - into for into, out in pairs]
        finally:
            await system.stop()
            await sim.stop()


async def measure_freed_seat(samples: int = 200) -> list[float]:
    """Seconds from a seat's call hanging up to the next waiting caller's Redirect."""
    with tempfile.TemporaryDirectory() as folder:
        sim, system, stamps, actions = await _running(Path(folder), seats=1)
        try:
            for n in range(samples + 1):  # all wait; the single seat serves them in turn
                sim.place_call(f"1390000{n:04d}", ivr_choice="0", talk_time=5.0)
            await _wait(lambda: len(actions.redirect_times) > samples, timeout=60)
            hangups = stamps.times["Hangup"]
            latencies = []
            for redirect in actions.redirect_times[1:]:
                before = [h for h in hangups if h <= redirect]
                latencies.append(redirect - before[-1])
            return latencies
        finally:
            await system.stop()
            await sim.stop()
