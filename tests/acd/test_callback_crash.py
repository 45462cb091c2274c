"""Dialing exactly once: a dialer killed mid-dial, and two dialers sharing one database."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from acd.callback import store
from callcenter.kernel.db import make_engine, make_sessionmaker, transaction
from tests.acd.callback_harness import eventually, world

Sessions = async_sessionmaker[AsyncSession]
CALLER = "13800000001"


async def test_an_attempt_committed_but_never_originated_is_not_dialled_again(
    sessions: Sessions,
) -> None:
    async with world(sessions) as w:
        w.sim.configure_callee(CALLER, behaviour="answer", answer_delay=0.5, talk_time=0.5)
        first = await w.dialer(start=False)
        first.start()
        await w.miss(CALLER, "c1")
        await first.kill()
        # The state a crash leaves between the attempt commit and the Originate:
        w.clock.advance(5 * 60)
        async with transaction(sessions) as session:
            claim = await store.claim_next(session, now=w.clock.now(), dialer_id="dialer-1")
        assert claim is not None

        await w.dialer("dialer-1")
        await w.until_attempts_done(1)
        [lost] = await w.attempts()
        assert (lost.attempt_key, lost.outcome) == (claim.attempt_key, "unknown")
        await w.later(29 * 60)
        await asyncio.sleep(0.3)
        assert w.originates() == []  # never re-originated; the next attempt waits its turn

        await w.later(60)
        await w.until_status(claim.task_id, "reached")
        [originate] = w.originates()
        attempts = await w.attempts()
        assert [a.attempt_no for a in attempts] == [1, 2]
        assert originate["ChannelId"] == attempts[1].attempt_key != claim.attempt_key


async def test_a_dialer_killed_after_the_originate_adopts_the_live_call(
    sessions: Sessions,
) -> None:
    async with world(sessions) as w:
        w.sim.configure_callee(CALLER, behaviour="answer", answer_delay=1.0, talk_time=150.0)
        first = await w.dialer("dialer-1")
        await w.miss(CALLER, "c1")
        [task] = await w.tasks()
        await w.later(5 * 60)
        await eventually(lambda: len(w.originates()) == 1)
        await first.kill()

        await w.dialer("dialer-1")
        await w.until_status(task.id, "reached")
        [attempt] = await w.attempts()
        assert (attempt.outcome, attempt.dial_status) == ("reached", "ANSWER")
        await w.later(24 * 60 * 60)
        await asyncio.sleep(0.3)
        assert len(w.originates()) == 1


async def test_a_result_lost_with_the_dialer_counts_and_the_next_attempt_follows_policy(
    sessions: Sessions,
) -> None:
    async with world(sessions) as w:
        w.sim.configure_callee(CALLER, behaviour="no_answer")
        first = await w.dialer("dialer-1")
        await w.miss(CALLER, "c1")
        [task] = await w.tasks()
        await w.later(5 * 60)
        await eventually(lambda: len(w.originates()) == 1)
        await first.kill()
        await eventually(lambda: not w.sim.channels())  # the call ended while nobody listened

        await w.dialer("dialer-1")
        await w.until_attempts_done(1)
        [lost] = await w.attempts()
        assert lost.outcome == "unknown" and lost.caller_dialled
        await w.later(29 * 60)
        await asyncio.sleep(0.3)
        assert len(w.originates()) == 1
        await w.later(60)
        await eventually(lambda: len(w.originates()) == 2)
        keys = [action["ChannelId"] for action in w.originates()]
        assert len(set(keys)) == 2
        [after] = await w.tasks()
        assert after.id == task.id and after.attempts >= 1


async def test_two_dialers_on_one_database_never_dial_an_attempt_twice(
    database_url: str, db_engine: AsyncEngine
) -> None:
    numbers = [f"1380000{n:04d}" for n in range(6)]
    second_engine = make_engine(database_url)
    try:
        async with world(make_sessionmaker(db_engine)) as w:
            for number in numbers:
                w.sim.configure_callee(number, behaviour="answer", answer_delay=0.3, talk_time=0.3)
            one = await w.dialer("dialer-1")
            two = await w.dialer("dialer-2", start=False)
            two.service.sessions = make_sessionmaker(second_engine)  # its own connection pool
            two.start()
            for n, number in enumerate(numbers):
                await w.miss(number, f"call-{n}")

            async def all_reached() -> bool:
                await w.later(2 * 60)  # seat-busy retries come a minute later
                return all(task.status == "reached" for task in await w.tasks())

            await eventually(all_reached, within=30)
            attempts = await w.attempts()
            originated = Counter(action["ChannelId"] for action in w.originates())
            assert all(count == 1 for count in originated.values())
            assert set(originated) == {a.attempt_key for a in attempts}
            tasks = {task.id: task.dial_number for task in await w.tasks()}
            per_number = Counter(tasks[a.task_id] for a in attempts)
            assert per_number == Counter(action["Exten"] for action in w.originates())
            assert {a.dialer_id for a in attempts} <= {one.service.dialer_id, "dialer-2"}
    finally:
        await second_engine.dispose()


async def test_a_result_lost_on_the_ami_link_is_resolved_from_the_channel_list(
    sessions: Sessions,
) -> None:
    async with world(sessions) as w:
        w.sim.configure_callee(CALLER, behaviour="busy")
        dialer = await w.dialer("dialer-1")
        await w.miss(CALLER, "c1")
        [task] = await w.tasks()
        dialer.forward.cancel()  # from now on no AMI event reaches the dialer
        await w.later(5 * 60)
        await eventually(lambda: len(w.originates()) == 1)
        await eventually(lambda: not w.sim.channels())
        await w.later(60)
        await asyncio.sleep(0.3)
        assert await w.task_status(task.id) == "dialing"  # still within ring + dial time

        await w.later(2 * 60)
        await w.until_attempts_done(1)
        [attempt] = await w.attempts()
        assert attempt.outcome == "unknown"
        assert await w.task_status(task.id) == "pending"
        assert len(w.originates()) == 1
