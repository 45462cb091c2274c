"""The callback store on SQLite and PostgreSQL: merging, claiming, attempts, cancelling."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.callback import cancellation, queries, store
from acd.callback.models import CallbackAttempt, CallbackMiss, CallbackTask
from acd.callback.policy import AttemptOutcome, CallbackPolicy, TaskStatus
from acd.events import MissReason
from callcenter.kernel.db import make_engine, make_sessionmaker, transaction

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
POLICY = CallbackPolicy()


async def miss(
    sessions: Sessions,
    number: str,
    call_id: str,
    *,
    at: datetime = T0,
    reason: MissReason = MissReason.ABANDONED,
    high_risk: bool = False,
) -> store.MissRecorded:
    async with transaction(sessions) as session:
        return await store.record_miss(
            session,
            number=number,
            dial_number=number,
            call_id=call_id,
            reason=reason,
            waited_seconds=12.0,
            missed_at=at,
            high_risk=high_risk,
            work_order_id=None,
            policy=POLICY,
        )


async def claim(sessions: Sessions, now: datetime, dialer: str = "d1") -> store.Claim | None:
    for _ in range(50):  # SQLite: a concurrent writer may hold the lock for a moment
        try:
            async with transaction(sessions) as session:
                return await store.claim_next(session, now=now, dialer_id=dialer)
        except OperationalError:
            await asyncio.sleep(0.01)
    raise AssertionError("claim kept failing")


async def finish(
    sessions: Sessions, key: str, outcome: AttemptOutcome, at: datetime, dialled: bool = True
) -> store.AttemptFinished | None:
    async with transaction(sessions) as session:
        return await store.finish_attempt(
            session,
            attempt_key=key,
            outcome=outcome,
            caller_dialled=dialled,
            dial_status="",
            finished_at=at,
            policy=POLICY,
        )


async def task_row(sessions: Sessions, task_id: int) -> CallbackTask:
    async with sessions() as session:
        task = await session.get(CallbackTask, task_id)
        assert task is not None
        return task


async def test_a_repeat_miss_merges_into_the_one_open_callback(sessions: Sessions) -> None:
    first = await miss(sessions, "+8613800000001", "c1")
    second = await miss(
        sessions, "+8613800000001", "c2", at=T0 + timedelta(minutes=2), reason=MissReason.OVERFLOW
    )
    again = await miss(sessions, "+8613800000001", "c2", at=T0 + timedelta(minutes=2))
    assert (first.merged, second.merged, again.duplicate) == (False, True, True)
    assert first.task_id == second.task_id == again.task_id
    task = await task_row(sessions, first.task_id)
    assert task.miss_count == 2
    assert (task.first_missed_at, task.last_missed_at) == (T0, T0 + timedelta(minutes=2))
    assert task.first_call_id == "c1"
    async with sessions() as session:
        reasons = (await session.scalars(select(CallbackMiss.reason).order_by("id"))).all()
        tasks = await session.scalar(select(func.count()).select_from(CallbackTask))
    assert list(reasons) == ["abandoned", "overflow"]
    assert tasks == 1


async def test_a_task_is_claimed_only_when_due_and_only_once(sessions: Sessions) -> None:
    recorded = await miss(sessions, "13800000002", "c1")
    assert await claim(sessions, T0 + timedelta(minutes=4)) is None
    claimed = await claim(sessions, T0 + timedelta(minutes=5))
    assert claimed is not None and claimed.task_id == recorded.task_id
    assert claimed.attempt_no == 1 and claimed.attempt_key.startswith(f"cb-{recorded.task_id}-1-")
    assert await claim(sessions, T0 + timedelta(hours=1), dialer="d2") is None
    task = await task_row(sessions, recorded.task_id)
    assert task.status == TaskStatus.DIALING
    await finish(sessions, claimed.attempt_key, AttemptOutcome.BUSY, T0 + timedelta(minutes=6))
    task = await task_row(sessions, recorded.task_id)
    assert task.first_attempt_at == T0 + timedelta(minutes=5)  # when that attempt started


async def test_claims_follow_risk_then_hesitation_then_waiting_time(sessions: Sessions) -> None:
    oldest = await miss(sessions, "13800000010", "a", at=T0)
    hesitant = await miss(
        sessions, "13800000011", "b", at=T0 + timedelta(1), reason=MissReason.SHORT_HANGUP
    )
    risky = await miss(sessions, "13800000012", "c", at=T0 + timedelta(2), high_risk=True)
    later = T0 + timedelta(days=3)
    order = []
    for _ in range(3):
        claimed = await claim(sessions, later)
        assert claimed is not None
        order.append(claimed.task_id)
    assert order == [risky.task_id, hesitant.task_id, oldest.task_id]


async def test_the_risk_provider_can_promote_a_task_at_claim_time(sessions: Sessions) -> None:
    await miss(sessions, "13800000020", "a", at=T0)
    flagged = await miss(sessions, "13800000021", "b", at=T0 + timedelta(minutes=1))
    async with transaction(sessions) as session:
        claimed = await store.claim_next(
            session,
            now=T0 + timedelta(hours=1),
            dialer_id="d1",
            is_high_risk=lambda number: number == "13800000021",
        )
    assert claimed is not None and claimed.task_id == flagged.task_id


async def test_failed_attempts_follow_the_schedule_then_exhaust(sessions: Sessions) -> None:
    recorded = await miss(sessions, "13800000003", "c1")
    now = T0 + timedelta(minutes=5)
    results = []
    for _ in range(3):
        claimed = await claim(sessions, now)
        assert claimed is not None
        finished = await finish(sessions, claimed.attempt_key, AttemptOutcome.NO_ANSWER, now)
        assert finished is not None
        results.append(finished.task_status)
        task = await task_row(sessions, recorded.task_id)
        now = task.due_at
    assert results == [TaskStatus.PENDING, TaskStatus.PENDING, TaskStatus.EXHAUSTED]
    task = await task_row(sessions, recorded.task_id)
    assert task.attempts == 3 and task.closed_at is not None
    assert await claim(sessions, now + timedelta(days=1)) is None


async def test_an_attempt_outcome_is_recorded_once(sessions: Sessions) -> None:
    await miss(sessions, "13800000004", "c1")
    claimed = await claim(sessions, T0 + timedelta(minutes=5))
    assert claimed is not None
    at = T0 + timedelta(minutes=6)
    first = await finish(sessions, claimed.attempt_key, AttemptOutcome.REACHED, at)
    again = await finish(sessions, claimed.attempt_key, AttemptOutcome.NO_ANSWER, at)
    assert first is not None and first.task_status is TaskStatus.REACHED and first.closed_now
    assert again is None
    async with sessions() as session:
        attempt = (await session.scalars(select(CallbackAttempt))).one()
    assert (attempt.state, attempt.outcome) == ("done", "reached")


async def test_a_seat_that_did_not_pick_up_leaves_the_budget_alone(sessions: Sessions) -> None:
    recorded = await miss(sessions, "13800000005", "c1")
    now = T0 + timedelta(minutes=5)
    claimed = await claim(sessions, now)
    assert claimed is not None
    finished = await finish(sessions, claimed.attempt_key, AttemptOutcome.FAILED, now, False)
    assert finished is not None and finished.attempts == 0
    task = await task_row(sessions, recorded.task_id)
    assert task.status == TaskStatus.PENDING and task.due_at == now + POLICY.seat_retry_delay
    assert task.first_attempt_at is None  # the caller's phone never rang
    retry = await claim(sessions, task.due_at)
    assert retry is not None and retry.attempt_no == 2


async def test_a_miss_after_the_callback_closed_opens_a_new_one(sessions: Sessions) -> None:
    first = await miss(sessions, "13800000006", "c1")
    claimed = await claim(sessions, T0 + timedelta(minutes=5))
    assert claimed is not None
    await finish(sessions, claimed.attempt_key, AttemptOutcome.REACHED, T0 + timedelta(minutes=6))
    second = await miss(sessions, "13800000006", "c2", at=T0 + timedelta(hours=1))
    assert not second.merged and second.task_id != first.task_id


async def test_cancelling_a_done_callback_is_refused(sessions: Sessions) -> None:
    recorded = await miss(sessions, "13800000007", "c1")
    async with transaction(sessions) as session:
        cancelled = await cancellation.cancel_for_number(
            session, "13800000007", call_id="c9", at=T0 + timedelta(minutes=1)
        )
    assert cancelled is not None and cancelled.linked_call_id == "c9"
    with pytest.raises(cancellation.TaskAlreadyDone, match="cancelled"):
        async with transaction(sessions) as session:
            await cancellation.cancel_task(session, recorded.task_id, reason="again", at=T0)
    with pytest.raises(cancellation.TaskNotFound):
        async with transaction(sessions) as session:
            await cancellation.cancel_task(session, 999, reason="none", at=T0)


async def test_attempts_in_flight_are_this_dialers_or_stale_ones(sessions: Sessions) -> None:
    await miss(sessions, "13800000008", "a")
    await miss(sessions, "13800000009", "b")
    mine = await claim(sessions, T0 + timedelta(minutes=5), dialer="d1")
    theirs = await claim(sessions, T0 + timedelta(minutes=5), dialer="d2")
    assert mine is not None and theirs is not None
    async with sessions() as session:
        fresh = await store.attempts_in_flight(session, dialer_id="d1", stale_before=T0)
        stale = await store.attempts_in_flight(
            session, dialer_id="d1", stale_before=T0 + timedelta(hours=1)
        )
    assert [a.attempt_key for a in fresh] == [mine.attempt_key]
    assert {a.attempt_key for a in stale} == {mine.attempt_key, theirs.attempt_key}


async def test_concurrent_dialers_never_claim_the_same_task(sessions: Sessions) -> None:
    numbers = [f"1390000{n:04d}" for n in range(12)]
    for n, number in enumerate(numbers):
        await miss(sessions, number, f"call-{n}")
    now = T0 + timedelta(minutes=10)

    async def dialer(name: str) -> list[int]:
        taken = []
        while (claimed := await claim(sessions, now, dialer=name)) is not None:
            taken.append(claimed.task_id)
        return taken

    runs = await asyncio.gather(*(dialer(f"d{i}") for i in range(4)))
    everything = [task_id for run in runs for task_id in run]
    assert sorted(everything) == sorted(set(everything))
    assert len(everything) == len(numbers)


async def test_concurrent_misses_of_one_number_open_exactly_one_callback(
    database_url: str, db_engine: object
) -> None:
    # Two processes (two engines) report misses of the same number at the same moment;
    # one of the calls is even reported by both.
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        pools = [make_sessionmaker(engine) for engine in engines]
        reports = [(pools[n % 2], f"call-{n}") for n in range(8)] + [(pools[1], "call-0")]

        async def report(pool: Sessions, call_id: str) -> store.MissRecorded:
            for _ in range(50):
                try:
                    return await miss(pool, "+8613800000099", call_id)
                except OperationalError:
                    await asyncio.sleep(0.01)
            raise AssertionError("miss kept failing")

        results = await asyncio.gather(*(report(pool, call_id) for pool, call_id in reports))
        assert len({r.task_id for r in results}) == 1
        assert sum(not r.merged for r in results) == 1
        async with pools[0]() as session:
            task = (await session.scalars(select(CallbackTask))).one()
            misses = await session.scalar(select(func.count()).select_from(CallbackMiss))
        assert task.miss_count == misses == 8
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_callback_cancelled_by_the_new_call_was_still_owed_when_it_arrived(
    sessions: Sessions,
) -> None:
    earlier = await miss(sessions, "+8613800000031", "old")
    async with transaction(sessions) as session:
        await cancellation.cancel_for_number(
            session, "+8613800000031", call_id="x", at=T0 + timedelta(minutes=1)
        )
    owed = await miss(sessions, "+8613800000031", "m1", at=T0 + timedelta(minutes=2))
    arrived = T0 + timedelta(minutes=10)
    async with transaction(sessions) as session:
        await cancellation.cancel_for_number(
            session, "+8613800000031", call_id="new", at=arrived + timedelta(seconds=20)
        )
    async with sessions() as session:
        at_arrival = await queries.callbacks_owed(session, "+8613800000031", at=arrived)
        long_before = await queries.callbacks_owed(session, "+8613800000031", at=T0)
    assert [task.id for task in at_arrival] == [owed.task_id]
    assert [task.id for task in long_before] == [earlier.task_id]
