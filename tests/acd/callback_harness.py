"""A callback dialer wired to the PBX simulator over TCP, a real database and a FakeClock."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.ami import AmiConfig, AmiLink
from acd.callback.dialer import CallbackService
from acd.callback.models import CallbackAttempt, CallbackTask
from acd.callback.policy import CallbackPolicy
from acd.callback.units import in_transaction
from acd.events import CallMissed, MissReason
from acd.simulator import PbxSimulator
from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.clock import FakeClock
from workorders.lookup import work_order_for_call

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEAT = "8099"


async def eventually(check: Callable[[], bool | Awaitable[bool]], within: float = 20.0) -> None:
    """Poll until ``check`` holds (the simulator and the dialer run on their own).

    Database reads in checks go through ``in_transaction``: a timeout that cancels
    a read mid-statement would otherwise leak a connection holding SQLite's lock.
    """
    async with asyncio.timeout(within):
        while True:
            result = check()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return
            await asyncio.sleep(0.02)


@dataclass
class Dialer:
    """One dialer process: its own AMI link, bus subscription and run task."""

    service: CallbackService
    link: AmiLink
    forward: asyncio.Task[None]
    run: asyncio.Task[None] | None = None
    killed: bool = False

    def start(self) -> None:
        self.run = asyncio.create_task(self.service.run())

    async def kill(self) -> None:
        """Stop it the hard way: its tasks are cancelled wherever they are."""
        if self.killed:
            return
        self.killed = True
        for task in (self.run, self.forward):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.link.close()


@dataclass
class World:
    sim: PbxSimulator
    sessions: async_sessionmaker[AsyncSession]
    bus: EventBus
    clock: FakeClock
    policy: CallbackPolicy
    seen: list[DomainEvent] = field(default_factory=list)
    dialers: list[Dialer] = field(default_factory=list)
    seat_free: bool = True

    async def dialer(self, dialer_id: str = "dialer-1", *, start: bool = True) -> Dialer:
        link = AmiLink(AmiConfig(host="127.0.0.1", port=self.sim.port, username="acd", secret="s"))
        await link.start()
        await link.wait_logged_in(5)
        service = CallbackService(
            sessions=self.sessions,
            bus=self.bus,
            clock=self.clock,
            ami=link,
            policy=self.policy,
            callback_seat=SEAT,
            zone=SHANGHAI,
            agent_available=lambda: self.seat_free,
            find_order=work_order_for_call,
            dialer_id=dialer_id,
            poll_seconds=0.05,
        )

        async def forward() -> None:
            while True:
                service.ami_listener(await link.events.get())

        dialer = Dialer(service, link, asyncio.create_task(forward()))
        self.dialers.append(dialer)
        if start:
            dialer.start()
        return dialer

    async def miss(
        self, number: str, call_id: str, reason: MissReason = MissReason.ABANDONED
    ) -> None:
        self.bus.publish(
            CallMissed(call_id=call_id, caller_number=number, reason=reason, waited_seconds=9.0)
        )
        await self.bus.join()

    async def later(self, seconds: float) -> None:
        """Move the fake clock on and wake every dialer."""
        self.clock.advance(seconds)
        for dialer in self.dialers:
            await dialer.service.poke()

    def originates(self, number: str | None = None) -> list[dict[str, str]]:
        return [
            action
            for action in self.sim.actions
            if action.get("Action") == "Originate"
            and (number is None or action.get("Exten") == number)
        ]

    async def tasks(self) -> list[CallbackTask]:
        async def read(session: AsyncSession) -> list[CallbackTask]:
            return list(await session.scalars(select(CallbackTask).order_by(CallbackTask.id)))

        return await in_transaction(self.sessions, read)

    async def attempts(self) -> list[CallbackAttempt]:
        async def read(session: AsyncSession) -> list[CallbackAttempt]:
            query = select(CallbackAttempt).order_by(CallbackAttempt.id)
            return list(await session.scalars(query))

        return await in_transaction(self.sessions, read)

    async def task_status(self, task_id: int) -> str:
        [task] = [task for task in await self.tasks() if task.id == task_id]
        return task.status

    async def until_status(self, task_id: int, status: str) -> None:
        async def reached() -> bool:
            return await self.task_status(task_id) == status

        await eventually(reached)

    async def until_attempts_done(self, count: int) -> None:
        async def done() -> bool:
            return sum(a.state == "done" for a in await self.attempts()) >= count

        await eventually(done)

    def events(self, kind: type[DomainEvent]) -> list[DomainEvent]:
        return [event for event in self.seen if isinstance(event, kind)]


@contextlib.asynccontextmanager
async def world(
    sessions: async_sessionmaker[AsyncSession],
    *,
    start: datetime | None = None,
    policy: CallbackPolicy | None = None,
) -> AsyncIterator[World]:
    sim = PbxSimulator(username="acd", secret="s", callback_seat=SEAT, time_scale=0.01, seed=7)
    await sim.start()
    bus = EventBus()
    clock = FakeClock(start or datetime(2026, 11, 28, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    w = World(sim, sessions, bus, clock, policy or CallbackPolicy())
    bus.observe(w.seen.append)

    async def to_live_dialers(event: DomainEvent) -> None:
        for dialer in w.dialers:
            if dialer.run is not None and not dialer.run.done():
                await dialer.service.on_event(event)
                return  # one subscriber records each miss, like one ACD process

    bus.subscribe("callback", to_live_dialers)
    bus.start()
    try:
        yield w
    finally:
        for dialer in w.dialers:
            await dialer.kill()
        await bus.stop()
        await sim.stop()
