"""The callback dialer against the PBX simulator over TCP, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.callback.events import (
    CallbackAttemptEnded,
    CallbackCancelled,
    CallbackExhausted,
    CallbackStarted,
)
from acd.callback.policy import CallbackPolicy
from acd.events import CallArrived, CallConnected, MissReason
from callcenter.kernel.db import transaction
from tests.acd.callback_harness import SEAT, SHANGHAI, eventually, world
from workorders.models import WorkOrder

Sessions = async_sessionmaker[AsyncSession]
CALLER = "13800000001"


async def add_work_order(sessions: Sessions, call_id: str, number: str) -> int:
    async with transaction(sessions) as session:
        order = WorkOrder(
            number=f"12355-20261128-{call_id}",
            call_id=call_id,
            caller_number=number,
            created_at=datetime(2026, 11, 28, 1, 59, tzinfo=UTC),
        )
        session.add(order)
        await session.flush()
        return order.id


async def quiet_moment() -> None:
    """Give a wrongly woken dialer time to act, so a 'nothing happened' check means it."""
    await asyncio.sleep(0.3)


async def test_a_missed_caller_is_called_back_once_agent_first_and_linked(
    sessions: Sessions,
) -> None:
    order_id = await add_work_order(sessions, "c1", "+8613800000001")
    async with world(sessions) as w:
        w.sim.configure_callee(CALLER, behaviour="answer", answer_delay=1.0, talk_time=2.0)
        await w.dialer()
        await w.miss("+8613800000001", "c1")  # the tracker reports numbers in E.164
        await w.miss(CALLER, "c2", MissReason.OVERFLOW)
        [task] = await w.tasks()
        assert (task.miss_count, task.work_order_id, task.first_call_id) == (2, order_id, "c1")

        await w.later(4 * 60)
        await quiet_moment()
        assert w.originates() == []  # due five minutes after the miss

        await w.later(60)
        await w.until_status(task.id, "reached")
        [originate] = w.originates()
        [attempt] = await w.attempts()
        assert originate["Channel"] == f"PJSIP/{SEAT}"  # the agent's phone rings first
        assert originate["Context"] == "acd-callback"
        assert originate["Exten"] == CALLER  # dialled as the trunk dials at home
        assert originate["CallerID"] == "12355" and originate["Async"] == "true"
        assert originate["ChannelId"] == attempt.attempt_key
        assert (attempt.outcome, attempt.dial_status) == ("reached", "ANSWER")
        [started] = w.events(CallbackStarted)
        assert isinstance(started, CallbackStarted)
        assert (started.task_id, started.work_order_id) == (task.id, order_id)
        assert started.call_id == "c1"
        [ended] = w.events(CallbackAttemptEnded)
        assert isinstance(ended, CallbackAttemptEnded)
        assert (ended.outcome, ended.work_order_id) == ("reached", order_id)
        assert w.seen.index(started) < w.seen.index(ended)


async def test_an_unanswered_callback_is_retried_per_policy_then_exhausted(
    sessions: Sessions,
) -> None:
    async with world(sessions) as w:
        w.sim.configure_callee(CALLER, behaviour="no_answer")
        await w.dialer()
        await w.miss(CALLER, "c1")
        [task] = await w.tasks()
        schedule = [5 * 60, 30 * 60, 2 * 60 * 60]
        for attempt_no, wait in enumerate(schedule, start=1):
            await w.later(wait - 1)
            await quiet_moment()
            assert len(w.originates(CALLER)) == attempt_no - 1
            await w.later(1)
            await w.until_attempts_done(attempt_no)
            if attempt_no == 1:
                w.sim.configure_callee(CALLER, behaviour="busy")
        await w.until_status(task.id, "exhausted")
        attempts = await w.attempts()
        assert [a.outcome for a in attempts] == ["no_answer", "busy", "busy"]
        [exhausted] = w.events(CallbackExhausted)
        assert isinstance(exhausted, CallbackExhausted) and exhausted.attempts == 3
        await w.later(24 * 60 * 60)
        await quiet_moment()
        assert len(w.originates(CALLER)) == 3


async def test_quiet_hours_hold_callbacks_until_morning_in_priority_order(
    sessions: Sessions,
) -> None:
    evening = datetime(2026, 11, 28, 21, 50, tzinfo=SHANGHAI).astimezone(UTC)
    async with world(sessions, start=evening) as w:
        for number in ("13800000011", "13800000012"):
            w.sim.configure_callee(number, behaviour="answer", answer_delay=0.5, talk_time=0.5)
        await w.dialer()
        await w.miss("13800000011", "early", MissReason.ALL_BUSY)
        await w.later(60)
        await w.miss("13800000012", "hesitant", MissReason.SHORT_HANGUP)
        await w.later(30 * 60)  # 22:21: both due, but it is night
        await quiet_moment()
        await w.later(4 * 60 * 60)
        await quiet_moment()
        assert w.originates() == []

        w.clock.set(datetime(2026, 11, 29, 8, 0, tzinfo=SHANGHAI).astimezone(UTC))
        await w.later(0)
        await eventually(lambda: len(w.originates()) == 2)
        assert [a["Exten"] for a in w.originates()] == ["13800000012", "13800000011"]


async def test_a_caller_who_gets_through_has_the_callback_cancelled_and_linked(
    sessions: Sessions,
) -> None:
    async with world(sessions) as w:
        await w.dialer()
        await w.miss(CALLER, "c1")
        w.bus.publish(CallArrived(call_id="c7", caller_number=CALLER))
        w.bus.publish(CallConnected(call_id="c7", seat="8003"))
        await w.bus.join()
        [task] = await w.tasks()
        assert (task.status, task.linked_call_id) == ("cancelled", "c7")
        [cancelled] = w.events(CallbackCancelled)
        assert isinstance(cancelled, CallbackCancelled) and cancelled.linked_call_id == "c7"
        await w.later(60 * 60)
        await quiet_moment()
        assert w.originates() == []


async def test_the_dialer_waits_for_the_callback_seat_to_be_free(sessions: Sessions) -> None:
    async with world(sessions) as w:
        w.sim.configure_callee(CALLER, behaviour="answer", answer_delay=0.5, talk_time=0.5)
        w.seat_free = False
        await w.dialer()
        await w.miss(CALLER, "c1")
        await w.later(10 * 60)
        await quiet_moment()
        assert w.originates() == []
        w.seat_free = True
        await w.later(0)  # the seat view pokes the dialer
        await eventually(lambda: len(w.originates()) == 1)


async def test_a_seat_that_does_not_pick_up_does_not_use_up_the_callers_attempts(
    sessions: Sessions,
) -> None:
    async with world(sessions) as w:
        w.sim.configure_seat(SEAT, behaviour="no_answer")
        w.sim.configure_callee(CALLER, behaviour="answer", answer_delay=0.5, talk_time=0.5)
        await w.dialer()
        await w.miss(CALLER, "c1")
        [task] = await w.tasks()
        await w.later(5 * 60)
        await eventually(lambda: len(w.originates()) == 1)
        await w.until_status(task.id, "pending")
        w.sim.configure_seat(SEAT, behaviour="answer", answer_delay=0.5)
        await w.later(60)
        await w.until_status(task.id, "reached")
        attempts = await w.attempts()
        assert [(a.outcome, a.caller_dialled) for a in attempts] == [
            ("failed", False),
            ("reached", True),
        ]
        [final] = await w.tasks()
        assert final.attempts == 1


async def test_customer_first_rings_the_caller_then_the_callback_seat(
    sessions: Sessions,
) -> None:
    async with world(sessions, policy=CallbackPolicy(agent_first=False)) as w:
        w.sim.configure_callee(CALLER, behaviour="no_answer")
        await w.dialer()
        await w.miss(CALLER, "c1")
        [task] = await w.tasks()
        await w.later(5 * 60)
        await w.until_attempts_done(1)
        w.sim.configure_callee(CALLER, behaviour="answer", answer_delay=0.5, talk_time=1.0)
        await w.later(30 * 60)
        await w.until_status(task.id, "reached")
        first, second = w.originates()
        assert first["Channel"] == f"PJSIP/{CALLER}@trunk"  # the caller's phone rings first
        assert (first["Context"], first["Exten"]) == ("acd-seat", SEAT)
        assert second["Channel"] == first["Channel"]
        assert [a.outcome for a in await w.attempts()] == ["no_answer", "reached"]


async def test_customer_first_tells_a_busy_caller_by_the_hangup_cause(
    sessions: Sessions,
) -> None:
    """Asterisk 22 reports a 486 Busy as Reason 0; the leg's Hangup (cause 17) says busy."""
    async with world(sessions, policy=CallbackPolicy(agent_first=False)) as w:
        w.sim.configure_callee(CALLER, behaviour="busy")
        await w.dialer()
        await w.miss(CALLER, "c1")
        await w.later(5 * 60)
        await w.until_attempts_done(1)
        assert [a.outcome for a in await w.attempts()] == ["busy"]


async def test_a_work_order_written_during_the_dial_still_gets_the_result(
    sessions: Sessions,
) -> None:
    async with world(sessions) as w:
        w.sim.configure_callee(CALLER, behaviour="answer", answer_delay=1.0, talk_time=2.0)
        await w.dialer()
        await w.miss(CALLER, "c1")
        [task] = await w.tasks()
        await w.later(5 * 60)
        await eventually(lambda: len(w.originates()) == 1)
        order_id = await add_work_order(sessions, "c1", "+8613800000001")
        await w.until_status(task.id, "reached")
        [started] = w.events(CallbackStarted)
        [ended] = w.events(CallbackAttemptEnded)
        assert isinstance(started, CallbackStarted) and started.work_order_id is None
        assert isinstance(ended, CallbackAttemptEnded) and ended.work_order_id == order_id
        [linked] = await w.tasks()
        assert linked.work_order_id == order_id
