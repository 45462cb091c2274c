"""Closing a callback by hand or by a repeat call: cancel it, or mark the number wrong."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.callback.models import CallbackAttempt, CallbackTask
from acd.callback.policy import OPEN, AttemptOutcome, TaskStatus
from acd.callback.store import open_task


class TaskNotFound(LookupError):
    pass


class TaskAlreadyDone(RuntimeError):
    """The task is closed; the message says how it ended."""


async def cancel_task(
    session: AsyncSession,
    task_id: int,
    *,
    reason: str,
    at: datetime,
    linked_call_id: str | None = None,
) -> CallbackTask:
    task = (
        await session.scalars(
            select(CallbackTask)
            .where(CallbackTask.id == task_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if task is None:
        raise TaskNotFound(task_id)
    if TaskStatus(task.status) not in OPEN:
        raise TaskAlreadyDone(f"callback {task_id} is already {task.status}")
    task.status = TaskStatus.CANCELLED.value
    task.closed_at = at
    task.close_reason = reason
    task.linked_call_id = linked_call_id
    await session.flush()
    return task


async def cancel_for_number(
    session: AsyncSession, number: str, *, call_id: str, at: datetime
) -> CallbackTask | None:
    """The caller got through on a new call: their open callback is no longer needed."""
    task = await open_task(session, number)
    if task is None:
        return None
    return await cancel_task(
        session, task.id, reason="caller called in and was answered", at=at, linked_call_id=call_id
    )


async def mark_wrong_number(session: AsyncSession, task_id: int, *, at: datetime) -> CallbackTask:
    """The agent who reached the number found it was not the caller."""
    task = await session.get(CallbackTask, task_id, with_for_update=True)
    if task is None:
        raise TaskNotFound(task_id)
    if task.status != TaskStatus.REACHED:
        raise TaskAlreadyDone(f"callback {task_id} is {task.status}, not reached")
    attempt = (
        await session.scalars(
            select(CallbackAttempt)
            .where(
                CallbackAttempt.task_id == task_id,
                CallbackAttempt.outcome == AttemptOutcome.REACHED.value,
            )
            .order_by(CallbackAttempt.attempt_no.desc())
        )
    ).first()
    if attempt is not None:
        attempt.outcome = AttemptOutcome.WRONG_NUMBER.value
    task.status = TaskStatus.WRONG_NUMBER.value
    task.close_reason = "wrong number"
    task.closed_at = task.closed_at or at
    await session.flush()
    return task
