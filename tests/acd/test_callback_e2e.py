"""The whole system: a caller nobody answers is called back through the callback seat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.callback.dialer import CallbackService
from acd.callback.events import CallbackCancelled, CallbackStarted
from acd.callback.models import CallbackTask
from acd.callback.units import in_transaction
from acd.events import CallMissed, Skill
from acd.policy import RoutingPolicy
from acd.simulator import PbxSimulator
from callcenter.app.parts import CALLBACKS
from callcenter.app.system import System
from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.settings import Settings
from seats.agents import Agent
from tests.acd.callback_harness import eventually
from workorders.models import WorkOrder

CALLER = "13800000001"


class Hotline:
    def __init__(self, sim: PbxSimulator, system: System, clock: FakeClock) -> None:
        self.sim = sim
        self.system = system
        self.clock = clock
        self.events: list[DomainEvent] = []
        system.runtime.bus.observe(self.events.append)

    @property
    def callbacks(self) -> CallbackService:
        service = self.system.runtime.get(CALLBACKS)
        return service

    def login(self, agent_id: str, seat: str) -> None:
        acd = self.system.acd
        assert acd is not None
        agent = Agent(agent_id=agent_id, name=agent_id, skills=frozenset({Skill.GENERAL}))
        acd.command(lambda now: acd.core.login(agent, seat, now))

    async def tasks(self) -> list[CallbackTask]:
        async def read(session: AsyncSession) -> list[CallbackTask]:
            return list(await session.scalars(select(CallbackTask)))

        return await in_transaction(self.system.runtime.sessions, read)

    async def order_of(self, call_id: str) -> WorkOrder | None:
        async def read(session: AsyncSession) -> WorkOrder | None:
            found: WorkOrder | None = await session.scalar(
                select(WorkOrder).where(WorkOrder.call_id == call_id)
            )
            return found

        return await in_transaction(self.system.runtime.sessions, read)

    def originates(self) -> list[dict[str, str]]:
        return [a for a in self.sim.actions if a.get("Action") == "Originate"]


@pytest.fixture
async def hotline(tmp_path: Path) -> AsyncIterator[Hotline]:
    seats = [str(n) for n in range(8001, 8009)]
    sim = PbxSimulator(seats=seats, callback_seat="8099", time_scale=0.01, seed=3)
    await sim.start()
    settings = Settings(
        ami_port=sim.port,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hotline.sqlite3'}",
        data_dir=tmp_path,
        seat_extensions=seats,
    )
    clock = FakeClock(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    system = System(settings, clock=clock, policy=RoutingPolicy(wrapup_seconds=0.05))
    await system.start()
    try:
        assert system.link is not None
        await system.link.wait_logged_in(5)
        yield Hotline(sim, system, clock)
    finally:
        await system.stop()
        await sim.stop()


async def test_an_abandoned_caller_is_called_back_by_the_callback_seat(hotline: Hotline) -> None:
    hotline.login("cb-agent", "8099")  # only the callback seat is staffed
    hotline.sim.configure_callee(CALLER, behaviour="answer", answer_delay=1.0, talk_time=3.0)
    call_id = hotline.sim.place_call(CALLER, patience=20.0)
    await eventually(lambda: any(isinstance(e, CallMissed) for e in hotline.events))

    async def one_task() -> bool:
        return len(await hotline.tasks()) == 1

    await eventually(one_task)
    assert hotline.originates() == []

    async def order_recorded() -> bool:  # written beside the hot path, well within 5 minutes
        return await hotline.order_of(call_id) is not None

    await eventually(order_recorded)
    hotline.clock.advance(5 * 60)
    await hotline.callbacks.poke()
    await eventually(lambda: len(hotline.originates()) == 1)
    [originate] = hotline.originates()
    assert (originate["Channel"], originate["Exten"]) == ("PJSIP/8099", CALLER)

    async def reached() -> bool:
        return [t.status for t in await hotline.tasks()] == ["reached"]

    await eventually(reached)
    [task] = await hotline.tasks()
    assert task.first_call_id == call_id
    order = await hotline.order_of(call_id)
    assert order is not None  # created when the call arrived
    started = [e for e in hotline.events if isinstance(e, CallbackStarted)]
    assert [e.work_order_id for e in started] == [order.id]  # the desk pops this order
    assert task.work_order_id == order.id
    # The callback's own legs are never mistaken for a missed inbound call.
    misses = [e for e in hotline.events if isinstance(e, CallMissed)]
    assert [e.call_id for e in misses] == [call_id]


async def test_a_caller_answered_on_a_new_call_has_the_callback_cancelled(
    hotline: Hotline,
) -> None:
    first_call = hotline.sim.place_call(CALLER, patience=20.0)  # nobody is logged in

    async def one_task() -> bool:
        return len(await hotline.tasks()) == 1

    await eventually(one_task)
    hotline.login("a1", "8001")
    second_call = hotline.sim.place_call(CALLER, ivr_choice="0", talk_time=5.0)

    async def cancelled() -> bool:
        return [t.status for t in await hotline.tasks()] == ["cancelled"]

    await eventually(cancelled)
    [task] = await hotline.tasks()
    assert (task.first_call_id, task.linked_call_id) == (first_call, second_call)
    # the desks hear of it once the cancellation is committed
    told = [e for e in hotline.events if isinstance(e, CallbackCancelled)]
    assert [(e.task_id, e.linked_call_id) for e in told] == [(task.id, second_call)]
    hotline.clock.advance(60 * 60)
    await hotline.callbacks.poke()
    assert hotline.originates() == []
