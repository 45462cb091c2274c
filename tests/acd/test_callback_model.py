"""Random sequences of misses, claims, outcomes and cancellations keep the callback rules.

Each example runs against the real store (SQLite and PostgreSQL) with numbers of
its own, and after every step checks what a supervisor relies on: one open
callback per number, every miss counted once, never more attempts than the policy
allows, nothing claimed before it is due.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from acd.callback import cancellation, store
from acd.callback.models import CallbackAttempt, CallbackMiss, CallbackTask
from acd.callback.policy import OPEN, AttemptOutcome, CallbackPolicy, TaskStatus
from acd.events import MissReason
from callcenter.kernel.db import make_engine, make_sessionmaker, transaction

POLICY = CallbackPolicy()
T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
EXAMPLE = itertools.count()
FAILURES = [AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY, AttemptOutcome.FAILED]


@dataclass(frozen=True)
class Miss:
    who: int
    reason: MissReason


@dataclass(frozen=True)
class Claim:
    pass


@dataclass(frozen=True)
class Finish:
    outcome: AttemptOutcome
    caller_dialled: bool


@dataclass(frozen=True)
class Dial:
    """Claim the next due callback and record its outcome at once."""

    outcome: AttemptOutcome
    caller_dialled: bool


@dataclass(frozen=True)
class Cancel:
    who: int


@dataclass(frozen=True)
class Wait:
    minutes: int


steps = st.lists(
    st.one_of(
        st.builds(Miss, st.integers(0, 2), st.sampled_from(list(MissReason))),
        st.just(Claim()),
        st.just(Claim()),
        st.builds(Finish, st.sampled_from(list(AttemptOutcome)), st.booleans()),
        st.builds(Dial, st.sampled_from(FAILURES), st.just(True)),
        st.builds(Dial, st.sampled_from(list(AttemptOutcome)), st.booleans()),
        st.builds(Cancel, st.integers(0, 2)),
        st.builds(Wait, st.sampled_from([1, 5, 30, 120, 600])),
        st.builds(Wait, st.just(600)),
    ),
    min_size=1,
    max_size=30,
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@example(
    script=[
        Miss(0, MissReason.ABANDONED),
        *[Wait(600), Dial(AttemptOutcome.NO_ANSWER, True)] * 4,
        Miss(0, MissReason.SHORT_HANGUP),
    ]
)
@example(script=[Miss(1, MissReason.OVERFLOW), Wait(600), Claim(), Claim()])
@given(script=steps)
def test_callback_rules_hold_for_any_sequence_of_events(
    database_url: str, db_engine: AsyncEngine, script: list[object]
) -> None:
    asyncio.run(_play(database_url, script, next(EXAMPLE)))


async def _play(url: str, script: list[object], example: int) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    numbers = [f"+86139{example:04d}{who:04d}" for who in range(3)]
    now = T0
    calls = itertools.count()
    dialing: list[str] = []
    try:
        for step in script:
            match step:
                case Miss(who=who, reason=reason):
                    async with transaction(sessions) as session:
                        await store.record_miss(
                            session,
                            number=numbers[who],
                            dial_number=numbers[who],
                            call_id=f"m{example}-{next(calls)}",
                            reason=reason,
                            waited_seconds=1.0,
                            missed_at=now,
                            high_risk=False,
                            work_order_id=None,
                            policy=POLICY,
                        )
                case Claim():
                    async with transaction(sessions) as session:
                        claim = await store.claim_next(session, now=now, dialer_id=f"x{example}")
                    if claim is not None:
                        dialing.append(claim.attempt_key)
                        await _assert_was_due(sessions, claim.task_id, now)
                case Finish(outcome=outcome, caller_dialled=dialled) if dialing:
                    async with transaction(sessions) as session:
                        finished = await store.finish_attempt(
                            session,
                            attempt_key=dialing.pop(0),
                            outcome=outcome,
                            caller_dialled=dialled,
                            dial_status="",
                            finished_at=now,
                            policy=POLICY,
                        )
                    assert finished is not None
                case Dial(outcome=outcome, caller_dialled=dialled):
                    async with transaction(sessions) as session:
                        claim = await store.claim_next(session, now=now, dialer_id=f"x{example}")
                        if claim is not None:
                            await store.finish_attempt(
                                session,
                                attempt_key=claim.attempt_key,
                                outcome=outcome,
                                caller_dialled=dialled,
                                dial_status="",
                                finished_at=now,
                                policy=POLICY,
                            )
                case Cancel(who=who):
                    async with transaction(sessions) as session:
                        await cancellation.cancel_for_number(
                            session, numbers[who], call_id=f"in{example}", at=now
                        )
                case Wait(minutes=minutes):
                    now += timedelta(minutes=minutes)
            await _check(sessions, numbers)
    finally:
        await engine.dispose()


async def _assert_was_due(
    sessions: async_sessionmaker[AsyncSession], task_id: int, now: datetime
) -> None:
    async with sessions() as session:
        task = await session.get(CallbackTask, task_id)
        assert task is not None
        assert task.status == TaskStatus.DIALING and task.due_at <= now


async def _check(sessions: async_sessionmaker[AsyncSession], numbers: list[str]) -> None:
    async with sessions() as session:
        query = select(CallbackTask).where(CallbackTask.number.in_(numbers))
        tasks = list(await session.scalars(query))
        for number in numbers:
            open_tasks = [t for t in tasks if t.number == number and TaskStatus(t.status) in OPEN]
            assert len(open_tasks) <= 1
        for task in tasks:
            misses = await session.scalar(
                select(func.count()).where(CallbackMiss.task_id == task.id)
            )
            assert misses == task.miss_count
            assert task.attempts <= POLICY.max_attempts
            if task.status == TaskStatus.EXHAUSTED:
                assert task.attempts == POLICY.max_attempts
            dialing = await session.scalar(
                select(func.count()).where(
                    CallbackAttempt.task_id == task.id, CallbackAttempt.state == "dialing"
                )
            )
            assert dialing in (0, 1)
            if task.status == TaskStatus.PENDING:
                assert dialing == 0
