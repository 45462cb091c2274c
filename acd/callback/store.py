"""Callback persistence: merge misses into one open task, claim due tasks, record attempts.

Every function runs inside the caller's transaction (one ``AsyncSession``).
Claiming is safe with several dialers: on PostgreSQL the due rows are read with
``FOR UPDATE SKIP LOCKED``; on both databases the chosen row moves
pending → dialing with an ``UPDATE … WHERE status = 'pending'`` guard, so only
one transaction can win it (SQLite's single writer serialises the rest).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from acd.callback.models import CallbackAttempt, CallbackMiss, CallbackTask
from acd.callback.policy import (
    OPEN,
    AttemptOutcome,
    CallbackPolicy,
    Candidate,
    Close,
    TaskStatus,
    after_attempt,
    dial_order,
    first_due,
    is_hesitant,
    merged_due,
)
from acd.events import MissReason
from acd.own_calls import CALLBACK_PREFIX

CLAIM_BATCH = 20


@dataclass(frozen=True)
class MissRecorded:
    task_id: int
    merged: bool  # folded into an open task of the same number
    duplicate: bool = False  # this call was recorded before: nothing changed


@dataclass(frozen=True)
class Claim:
    task_id: int
    attempt_no: int
    attempt_key: str
    number: str
    dial_number: str
    first_call_id: str
    work_order_id: int | None


@dataclass(frozen=True)
class AttemptFinished:
    task_id: int
    attempt_no: int
    outcome: AttemptOutcome
    task_status: TaskStatus
    attempts: int  # attempts that dialled the caller, this one included
    number: str
    first_call_id: str
    work_order_id: int | None
    closed_now: bool  # this attempt closed the task


@dataclass(frozen=True)
class InFlight:
    attempt_key: str
    task_id: int
    dialer_id: str
    started_at: datetime


def _open() -> list[str]:
    return [status.value for status in OPEN]


async def open_task(session: AsyncSession, number: str) -> CallbackTask | None:
    query = (
        select(CallbackTask)
        .where(CallbackTask.number_key == number, CallbackTask.status.in_(_open()))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).first()


async def record_miss(
    session: AsyncSession,
    *,
    number: str,
    dial_number: str,
    call_id: str,
    reason: MissReason,
    waited_seconds: float,
    missed_at: datetime,
    high_risk: bool,
    work_order_id: int | None,
    policy: CallbackPolicy,
) -> MissRecorded:
    """Open a callback for the number, or merge the miss into its open one."""
    for _ in range(3):  # a concurrent dialer may record the same miss or number first
        try:
            async with session.begin_nested():
                task = await open_task(session, number)
                merged = task is not None
                if task is not None:
                    _merge(task, dial_number, reason, missed_at, high_risk, work_order_id, policy)
                else:
                    task = _new_task(number, dial_number, call_id, reason, missed_at, policy)
                    task.high_risk = high_risk
                    task.work_order_id = work_order_id
                    session.add(task)
                    await session.flush()  # its id, for the miss below
                session.add(_miss(task.id, call_id, reason, waited_seconds, missed_at))
            return MissRecorded(task_id=task.id, merged=merged)
        except IntegrityError:  # this call was recorded before, or the number's task is new
            known = await session.scalar(
                select(CallbackMiss.task_id).where(CallbackMiss.call_id == call_id)
            )
            if known is not None:
                return MissRecorded(task_id=known, merged=True, duplicate=True)
    raise RuntimeError("could not record the missed call")  # pragma: no cover


def _new_task(
    number: str,
    dial_number: str,
    call_id: str,
    reason: MissReason,
    missed_at: datetime,
    policy: CallbackPolicy,
) -> CallbackTask:
    return CallbackTask(
        number=number,
        dial_number=dial_number,
        status=TaskStatus.PENDING.value,
        first_call_id=call_id,
        miss_count=1,
        first_missed_at=missed_at,
        last_missed_at=missed_at,
        hesitant=is_hesitant(reason),
        due_at=first_due(missed_at, policy),
        attempts=0,
    )


def _merge(
    task: CallbackTask,
    dial_number: str,
    reason: MissReason,
    missed_at: datetime,
    high_risk: bool,
    work_order_id: int | None,
    policy: CallbackPolicy,
) -> None:
    task.miss_count += 1
    task.first_missed_at = min(task.first_missed_at, missed_at)
    task.last_missed_at = max(task.last_missed_at, missed_at)
    task.hesitant = task.hesitant or is_hesitant(reason)
    task.high_risk = task.high_risk or high_risk
    task.dial_number = dial_number or task.dial_number
    if task.work_order_id is None:
        task.work_order_id = work_order_id
    if task.status == TaskStatus.PENDING:
        task.due_at = merged_due(task.due_at, missed_at, policy)


def _miss(
    task_id: int, call_id: str, reason: MissReason, waited: float, at: datetime
) -> CallbackMiss:
    return CallbackMiss(
        task_id=task_id, call_id=call_id, reason=reason.value, waited_seconds=waited, missed_at=at
    )


async def claim_next(
    session: AsyncSession,
    *,
    now: datetime,
    dialer_id: str,
    is_high_risk: Callable[[str], bool] | None = None,
) -> Claim | None:
    """Take the first due task in dial order and write its attempt row (state 'dialing').

    The caller commits before originating: the committed row is what makes a
    crash mid-dial harmless.
    """
    query = (
        select(CallbackTask)
        .where(CallbackTask.status == TaskStatus.PENDING.value, CallbackTask.due_at <= now)
        .order_by(
            CallbackTask.high_risk.desc(),
            CallbackTask.hesitant.desc(),
            CallbackTask.first_missed_at,
            CallbackTask.id,
        )
        .limit(CLAIM_BATCH)
    )
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    tasks = {task.id: task for task in (await session.scalars(query)).all()}
    if is_high_risk is not None:
        for task in tasks.values():  # risk history may have grown since the miss
            if not task.high_risk and is_high_risk(task.number):
                task.high_risk = True
    candidates = [
        Candidate(task.id, task.high_risk, task.hesitant, task.first_missed_at)
        for task in tasks.values()
    ]
    for candidate in dial_order(candidates):
        won = await session.execute(
            update(CallbackTask)
            .where(
                CallbackTask.id == candidate.task_id,
                CallbackTask.status == TaskStatus.PENDING.value,
            )
            .values(status=TaskStatus.DIALING.value)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount == 1:  # type: ignore[attr-defined]
            return await _write_attempt(session, tasks[candidate.task_id], now, dialer_id)
    return None


async def _write_attempt(
    session: AsyncSession, task: CallbackTask, now: datetime, dialer_id: str
) -> Claim:
    last = await session.scalar(
        select(func.max(CallbackAttempt.attempt_no)).where(CallbackAttempt.task_id == task.id)
    )
    attempt_no = (last or 0) + 1
    key = f"{CALLBACK_PREFIX}{task.id}-{attempt_no}-{secrets.token_hex(4)}"
    session.add(
        CallbackAttempt(
            task_id=task.id,
            attempt_no=attempt_no,
            attempt_key=key,
            dialer_id=dialer_id,
            state="dialing",
            started_at=now,
        )
    )
    await session.flush()
    return Claim(
        task_id=task.id,
        attempt_no=attempt_no,
        attempt_key=key,
        number=task.number,
        dial_number=task.dial_number,
        first_call_id=task.first_call_id,
        work_order_id=task.work_order_id,
    )


async def finish_attempt(
    session: AsyncSession,
    *,
    attempt_key: str,
    outcome: AttemptOutcome,
    caller_dialled: bool,
    dial_status: str,
    finished_at: datetime,
    policy: CallbackPolicy,
) -> AttemptFinished | None:
    """Record an attempt's outcome once and move its task on; None if already recorded."""
    attempt = (
        await session.scalars(
            select(CallbackAttempt)
            .where(CallbackAttempt.attempt_key == attempt_key)
            .with_for_update()
        )
    ).first()
    if attempt is None or attempt.state == "done":
        return None
    task = (
        await session.scalars(
            select(CallbackTask)
            .where(CallbackTask.id == attempt.task_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    attempt.state = "done"
    attempt.outcome = outcome.value
    attempt.caller_dialled = caller_dialled
    attempt.dial_status = dial_status
    attempt.finished_at = finished_at
    closed_now = False
    if task.status == TaskStatus.DIALING:
        decision = after_attempt(
            attempts_before=task.attempts,
            outcome=outcome,
            caller_dialled=caller_dialled,
            finished_at=finished_at,
            policy=policy,
        )
        if isinstance(decision, Close):
            task.status = decision.status.value
            task.closed_at = finished_at
            task.close_reason = f"attempt {attempt.attempt_no}: {outcome.value}"
            closed_now = True
        else:
            task.status = TaskStatus.PENDING.value
            task.due_at = decision.due_at
    if caller_dialled:
        task.attempts += 1
        if task.first_attempt_at is None:  # the first time the caller's phone rang
            task.first_attempt_at = attempt.started_at
    await session.flush()
    return AttemptFinished(
        task_id=task.id,
        attempt_no=attempt.attempt_no,
        outcome=outcome,
        task_status=TaskStatus(task.status),
        attempts=task.attempts,
        number=task.number,
        first_call_id=task.first_call_id,
        work_order_id=task.work_order_id,
        closed_now=closed_now,
    )


async def attach_work_order(session: AsyncSession, task_id: int, work_order_id: int) -> None:
    await session.execute(
        update(CallbackTask)
        .where(CallbackTask.id == task_id, CallbackTask.work_order_id.is_(None))
        .values(work_order_id=work_order_id)
    )


async def attempts_in_flight(
    session: AsyncSession, *, dialer_id: str, stale_before: datetime
) -> list[InFlight]:
    """Attempts still 'dialing' that this dialer must resolve: its own, or long-abandoned ones."""
    rows = await session.scalars(
        select(CallbackAttempt).where(
            CallbackAttempt.state == "dialing",
            (CallbackAttempt.dialer_id == dialer_id) | (CallbackAttempt.started_at < stale_before),
        )
    )
    return [InFlight(a.attempt_key, a.task_id, a.dialer_id, a.started_at) for a in rows]


async def next_due_at(session: AsyncSession) -> datetime | None:
    due: datetime | None = await session.scalar(
        select(func.min(CallbackTask.due_at)).where(CallbackTask.status == TaskStatus.PENDING.value)
    )
    return due
