"""The recorder: what call events leave in the database, and a ringing seat's screen pop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.events import (
    CallArrived,
    CallConnected,
    CallEnded,
    CallMissed,
    CallWaiting,
    MissReason,
    SeatRinging,
)
from acd.models import Call
from callcenter.app.recorder import Recorder, ScreenPop
from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.db import transaction
from callcenter.kernel.settings import Settings
from seats.events import SeatStateChanged
from seats.models import SeatStateRecord
from seats.skills import Skill
from workorders.events import WorkOrderUpdated
from workorders.merging import merge_orders
from workorders.models import WorkOrder, WorkOrderHistory

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Floor:
    """A recorder on a running bus, and everything the bus carried."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.bus = EventBus()
        self.seen: list[DomainEvent] = []
        self.bus.observe(self.seen.append)
        self.recorder = self.restart()

    def restart(self, window: float = 0.0) -> Recorder:
        """A recorder as a new process has it: nothing remembered but the database."""
        self.recorder = Recorder(self.sessions, self.bus, self.settings, window=window)
        return self.recorder

    async def record(self, *events: DomainEvent, together: bool = True) -> None:
        batches = [list(events)] if together else [[event] for event in events]
        for batch in batches:
            await self.recorder.write_batch(batch)

    def pops(self) -> list[ScreenPop]:
        return [event for event in self.seen if isinstance(event, ScreenPop)]

    async def call(self, call_id: str) -> Call:
        async with self.sessions() as session:
            found = await session.get(Call, call_id)
        assert found is not None
        return found

    async def order(self, call_id: str) -> WorkOrder:
        async with self.sessions() as session:
            found = await session.scalar(select(WorkOrder).where(WorkOrder.call_id == call_id))
        assert found is not None
        return found


@pytest.fixture
async def floor(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> AsyncIterator[Floor]:
    yield Floor(sessions, Settings(database_url=database_url, data_dir=tmp_path))


def answered_call(call_id: str, number: str = "13800000001") -> list[DomainEvent]:
    return [
        CallArrived(call_id=call_id, caller_number=number, at=at(0)),
        CallWaiting(call_id=call_id, caller_number=number, wait_channel="w", at=at(2)),
        SeatRinging(call_id=call_id, seat="8001", at=at(3)),
        # the seat did not answer: the caller waits again, still counted from the first wait
        CallWaiting(
            call_id=call_id,
            caller_number=number,
            caller_name="Li",
            wait_channel="w",
            requeued=True,
            at=at(20),
        ),
        CallWaiting(
            call_id=call_id, caller_number=number, caller_name="Wang", wait_channel="w", at=at(21)
        ),
        SeatRinging(call_id=call_id, seat="8002", at=at(22)),
        CallConnected(call_id=call_id, seat="8002", agent="a2", at=at(25)),
        CallArrived(call_id=call_id, caller_number=number, at=at(26)),  # a resync repeats it
        CallEnded(call_id=call_id, connected=True, at=at(90)),
        CallMissed(call_id=call_id, caller_number=number, reason=MissReason.DROPPED, at=at(91)),
    ]


@pytest.mark.parametrize("together", [True, False], ids=["one-batch", "event-by-event"])
async def test_an_answered_call_is_recorded_with_its_first_wait_and_its_order(
    floor: Floor, together: bool
) -> None:
    await floor.record(*answered_call("c1"), together=together)

    call = await floor.call("c1")
    assert call.arrived_at == at(0) and call.queued_at == at(2)
    assert (call.answered_at, call.seat, call.agent) == (at(25), "8002", "a2")
    assert (call.ended_at, call.outcome, call.end_estimated) == (at(90), "answered", False)
    assert call.caller_name == "Li"  # a name learnt late fills the gap, and is then kept
    order = await floor.order("c1")
    assert (order.status, order.seat, order.agent, order.answered_at) == (
        "in_progress",
        "8002",
        "a2",
        at(25),
    )
    async with floor.sessions() as session:
        fields = list(
            await session.scalars(
                select(WorkOrderHistory.field)
                .where(WorkOrderHistory.order_id == order.id)
                .order_by(WorkOrderHistory.id)
            )
        )
    assert fields == ["status", "status", "seat", "agent"]
    assert [(pop.seat, pop.order_id, pop.order_number) for pop in floor.pops()] == [
        ("8001", order.id, order.number),
        ("8002", order.id, order.number),
    ]
    kinds = [event.kind for event in floor.seen]
    assert kinds.count("WorkOrderCreated") == 1
    [updated] = [event for event in floor.seen if isinstance(event, WorkOrderUpdated)]
    assert (updated.status, updated.agent, set(updated.changed)) == (
        "in_progress",
        "a2",
        {"status", "seat", "agent"},
    )


async def test_a_first_wait_is_written_with_its_arrival_or_onto_a_row_already_there(
    floor: Floor,
) -> None:
    """The arrival's row takes the first wait that came in its batch (skill, name, when);
    an arrival already recorded (a resync repeats it) leaves the wait to its own update."""
    number = "13800000003"

    def waits(call_id: str, name: str, skill: Skill, seconds: float) -> CallWaiting:
        return CallWaiting(call_id=call_id, caller_number=number, caller_name=name,
                           skill=skill, wait_channel="w", at=at(seconds))  # fmt: skip

    await floor.record(
        CallArrived(call_id="fresh", caller_number=number, at=at(0)),
        waits("fresh", "Zhou", Skill.LEGAL, 1),
    )
    await floor.record(CallArrived(call_id="again", caller_number=number, at=at(0)))
    await floor.record(
        CallArrived(call_id="again", caller_number=number, at=at(4)),  # the resync's repeat
        waits("again", "Zhao", Skill.PSYCHOLOGICAL, 5),
    )
    fresh, again = await floor.call("fresh"), await floor.call("again")
    assert (fresh.skill, fresh.caller_name, fresh.queued_at) == ("legal", "Zhou", at(1))
    assert (again.skill, again.caller_name, again.arrived_at, again.queued_at) == (
        "psychological",
        "Zhao",
        at(0),
        at(5),
    )


async def test_a_missed_call_keeps_why_it_was_missed_and_an_unanswered_end_is_abandoned(
    floor: Floor,
) -> None:
    number = "13800000002"
    await floor.record(
        CallArrived(call_id="over", caller_number=number, at=at(0)),
        CallWaiting(call_id="over", caller_number=number, wait_channel="w", at=at(1)),
        CallMissed(call_id="over", caller_number=number, reason=MissReason.OVERFLOW, at=at(60)),
        CallEnded(call_id="over", at=at(61), estimated=True),
        CallArrived(call_id="gone", caller_number=number, at=at(2)),
        CallEnded(call_id="gone", at=at(9)),
        CallEnded(call_id="gone", at=at(10)),  # reported again: the first end stands
        CallEnded(call_id="unknown", at=at(11)),  # never arrived: nothing to record
    )
    over, gone = await floor.call("over"), await floor.call("gone")
    assert (over.outcome, over.ended_at, over.end_estimated) == ("overflow", at(61), True)
    assert (gone.outcome, gone.ended_at, gone.queued_at) == ("abandoned", at(9), None)


async def test_a_bad_event_in_a_batch_costs_only_itself(floor: Floor) -> None:
    def change(seat: str | None, seq: int) -> SeatStateChanged:
        return SeatStateChanged(
            seat=seat,  # type: ignore[arg-type]  # the bad one: a seat the table refuses
            agent_id="a1",
            old_state="available",
            new_state="ringing",
            reason="",
            timestamp=0.0,
            old_since=0.0,
            seq=seq,
            at=at(seq),
        )

    await floor.record(
        CallArrived(call_id="c1", caller_number="13800000003", at=at(0)),
        change("8001", 1),
        change(None, 2),
        change("8002", 3),
        SeatRinging(call_id="c1", seat="8001", at=at(4)),
    )
    assert len(floor.recorder.dead_letters) == 1 and floor.recorder.healthy
    async with floor.sessions() as session:
        query = select(SeatStateRecord.seat).order_by(SeatStateRecord.id)
        seats = list(await session.scalars(query))
    assert seats == ["8001", "8002"]
    order = await floor.order("c1")
    assert [(pop.order_id, pop.order_number) for pop in floor.pops()] == [(order.id, order.number)]


async def test_after_a_restart_the_screen_pop_still_finds_the_order(floor: Floor) -> None:
    await floor.record(CallArrived(call_id="c1", caller_number="13800000004", at=at(0)))
    floor.restart()
    await floor.record(
        SeatRinging(call_id="c1", seat="8001", at=at(5)),
        CallConnected(call_id="c1", seat="8001", agent="a1", at=at(8)),
    )
    order = await floor.order("c1")
    assert [(pop.order_id, pop.order_number) for pop in floor.pops()] == [(order.id, order.number)]
    assert (order.status, order.agent) == ("in_progress", "a1")


async def test_a_ringing_seat_pops_the_order_a_merge_kept(floor: Floor) -> None:
    floor.recorder.attach()  # the merge reaches the recorder as it does in production
    floor.bus.start()
    try:
        number = "13800000005"
        floor.bus.publish(CallArrived(call_id="old", caller_number=number, at=at(0)))
        floor.bus.publish(CallArrived(call_id="new", caller_number=number, at=at(1)))
        await floor.bus.join()
        keep, duplicate = await floor.order("old"), await floor.order("new")
        async with transaction(floor.sessions) as session:
            await merge_orders(session, keep.id, duplicate.id, actor="sup", at=at(2), bus=floor.bus)
        floor.bus.publish(SeatRinging(call_id="new", seat="8001", at=at(3)))
        floor.bus.publish(CallConnected(call_id="new", seat="8001", agent="a1", at=at(4)))
        await floor.bus.join()
    finally:
        await floor.bus.stop()
    assert [(pop.order_id, pop.order_number) for pop in floor.pops()] == [(keep.id, keep.number)]
    kept = await floor.order("old")
    assert (kept.status, kept.agent) == ("in_progress", "a1")


async def test_a_ringing_seat_pops_at_once_though_the_recorder_gathers_events(
    floor: Floor,
) -> None:
    floor.restart(window=0.5).attach()
    floor.bus.start()
    try:
        floor.bus.publish(CallArrived(call_id="c1", caller_number="13800000006", at=at(0)))
        await floor.bus.join()
        order = await floor.order("c1")
        floor.bus.publish(SeatRinging(call_id="c1", seat="8001", at=at(3)))
        await asyncio.sleep(0.05)  # well within the recorder's window
        assert [(pop.seat, pop.order_number) for pop in floor.pops()] == [("8001", order.number)]
        await floor.bus.join()
    finally:
        await floor.bus.stop()
    assert len(floor.pops()) == 1  # and not again when the ringing is written
