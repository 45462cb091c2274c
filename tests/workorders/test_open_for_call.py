"""The ACD contract: one order per call, numbered in the local day; answering links the seat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.db import transaction
from workorders.context import caller_context
from workorders.events import WorkOrderCreated, WorkOrderUpdated
from workorders.merging import merge_orders
from workorders.models import WorkOrder, WorkOrderCounter
from workorders.service import mark_answered, open_for_call

SHANGHAI = ZoneInfo("Asia/Shanghai")

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


async def test_a_call_gets_exactly_one_order_even_when_reported_twice(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        first = await open_for_call(
            session,
            zone=SHANGHAI,
            call_id="1700000000.1",
            caller_number="138 0000 0001",
            at=T0,
            tags=("surge",),
        )
    async with transaction(sessions) as session:
        again = await open_for_call(
            session, zone=SHANGHAI, call_id="1700000000.1", caller_number="13800000001", at=T0
        )
        count = await session.scalar(select(func.count()).select_from(WorkOrder))
    assert again.id == first.id
    assert count == 1
    assert first.caller_number == "+8613800000001"
    assert first.number == "12355-20261128-0001"
    assert first.tag_list == ["surge"]


async def test_concurrent_arrivals_of_the_same_call_make_one_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def arrive() -> int:
        async with transaction(sessions) as session:
            order = await open_for_call(
                session, zone=SHANGHAI, call_id="dup-call", caller_number="13800000001", at=T0
            )
            await asyncio.sleep(0.05)  # keep the transaction open while the other runs
            return order.id

    ids = await asyncio.gather(*(arrive() for _ in range(4)))
    async with transaction(sessions) as session:
        count = await session.scalar(select(func.count()).select_from(WorkOrder))
        nxt = await open_for_call(session, zone=SHANGHAI, call_id="next", caller_number="1", at=T0)
    assert len(set(ids)) == 1
    assert count == 1
    assert nxt.number == "12355-20261128-0002"  # no number was burnt by the losers


async def test_numbers_follow_the_hotlines_local_day(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    evening_utc = datetime(2026, 11, 28, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    async with transaction(sessions) as session:
        numbers = [
            (
                await open_for_call(
                    session, zone=SHANGHAI, call_id=f"c{i}", caller_number="1", at=at
                )
            ).number
            for i, at in enumerate(
                [
                    evening_utc,
                    evening_utc + timedelta(minutes=2),
                    evening_utc + timedelta(minutes=3),
                ]
            )
        ]
    assert numbers == ["12355-20261128-0001", "12355-20261129-0001", "12355-20261129-0002"]


async def test_answering_links_seat_and_agent_and_publishes_after_commit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    bus = EventBus()
    seen: list[DomainEvent] = []
    bus.observe(seen.append)
    async with transaction(sessions) as session:
        await open_for_call(
            session, zone=SHANGHAI, call_id="c1", caller_number="13800000001", at=T0, bus=bus
        )
        assert seen == []  # not before the commit
    async with transaction(sessions) as session:
        order = await mark_answered(
            session,
            call_id="c1",
            seat="8003",
            agent="agent-li",
            at=T0 + timedelta(seconds=9),
            bus=bus,
        )
        unknown = await mark_answered(session, call_id="nope", seat="8003", agent=None, at=T0)
    assert unknown is None
    assert order is not None
    assert (order.status, order.seat, order.agent) == ("in_progress", "8003", "agent-li")
    assert [type(e) for e in seen] == [WorkOrderCreated, WorkOrderUpdated]
    assert all(e.call_id == "c1" for e in seen)


async def test_rolled_back_work_publishes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    bus = EventBus()
    seen: list[DomainEvent] = []
    bus.observe(seen.append)
    try:
        async with transaction(sessions) as session:
            await open_for_call(
                session, zone=SHANGHAI, call_id="c1", caller_number="1", at=T0, bus=bus
            )
            raise RuntimeError("the request failed later")
    except RuntimeError:
        pass
    async with transaction(sessions) as session:
        count = await session.scalar(select(func.count()).select_from(WorkOrder))
    assert (seen, count) == ([], 0)


async def test_withheld_numbers_are_not_linked_to_each_other(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        await open_for_call(session, zone=SHANGHAI, call_id="a", caller_number="<unknown>", at=T0)
        second = await open_for_call(
            session,
            zone=SHANGHAI,
            call_id="b",
            caller_number="<unknown>",
            at=T0 + timedelta(hours=1),
        )
        context = await caller_context(session, second.id)
    assert context.previous_orders == []
    assert context.last_risk_level is None


async def test_numbers_widen_past_9999_instead_of_wrapping(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        session.add(WorkOrderCounter(day="20261128", last=9998))
    async with transaction(sessions) as session:
        numbers = [
            (
                await open_for_call(
                    session, zone=SHANGHAI, call_id=f"c{n}", caller_number="1", at=T0
                )
            ).number
            for n in range(2)
        ]
    async with transaction(sessions) as session:
        stored = await session.scalar(select(WorkOrder.number).where(WorkOrder.call_id == "c1"))
    assert numbers == ["12355-20261128-9999", "12355-20261128-10000"]
    assert stored == "12355-20261128-10000"


async def test_a_merged_call_reported_again_finds_the_surviving_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        keep = await open_for_call(
            session, zone=SHANGHAI, call_id="a", caller_number="13800000001", at=T0
        )
        duplicate = await open_for_call(
            session, zone=SHANGHAI, call_id="b", caller_number="13800000001", at=T0
        )
        await merge_orders(session, keep.id, duplicate.id, actor="agent-li", at=T0)
    async with transaction(sessions) as session:
        again = await open_for_call(
            session, zone=SHANGHAI, call_id="b", caller_number="13800000001", at=T0
        )
        answered = await mark_answered(session, call_id="b", seat="8002", agent=None, at=T0)
    assert again.id == keep.id
    assert answered is not None and answered.id == keep.id
