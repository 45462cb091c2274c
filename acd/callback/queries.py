"""Read-only views of callbacks for supervisors: filtered pages, one task in full, statistics."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.callback.models import CallbackAttempt, CallbackMiss, CallbackTask
from acd.callback.policy import OPEN, TaskStatus


class View(StrEnum):
    PENDING = "pending"  # open, not yet due
    DUE = "due"  # open and due now (waiting for the seat, or for the morning)
    DIALING = "dialing"
    OPEN = "open"
    DONE = "done"
    ALL = "all"


@dataclass(frozen=True)
class Page:
    items: list[CallbackTask]
    total: int


def _view_filter(view: View, now: datetime) -> ColumnElement[bool] | None:
    pending = CallbackTask.status == TaskStatus.PENDING.value
    match view:
        case View.PENDING:
            return and_(pending, CallbackTask.due_at > now)
        case View.DUE:
            return and_(pending, CallbackTask.due_at <= now)
        case View.DIALING:
            return CallbackTask.status == TaskStatus.DIALING.value
        case View.OPEN:
            return CallbackTask.status.in_([s.value for s in OPEN])
        case View.DONE:
            return CallbackTask.status.not_in([s.value for s in OPEN])
    return None


async def list_tasks(
    session: AsyncSession,
    *,
    now: datetime,
    view: View = View.ALL,
    status: TaskStatus | None = None,
    number: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """Open views come in dial order; finished ones newest first."""
    conditions: list[ColumnElement[bool]] = []
    if (view_filter := _view_filter(view, now)) is not None:
        conditions.append(view_filter)
    if status is not None:
        conditions.append(CallbackTask.status == status.value)
    if number:
        conditions.append(CallbackTask.number_key == number)
    if since is not None:
        conditions.append(CallbackTask.first_missed_at >= since)
    if until is not None:
        conditions.append(CallbackTask.first_missed_at < until)
    query: Select[Any] = select(CallbackTask).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if view in (View.PENDING, View.DUE, View.OPEN):
        query = query.order_by(
            CallbackTask.high_risk.desc(),
            CallbackTask.hesitant.desc(),
            CallbackTask.first_missed_at,
            CallbackTask.id,
        )
    else:
        query = query.order_by(CallbackTask.last_missed_at.desc(), CallbackTask.id.desc())
    query = query.offset((page - 1) * page_size).limit(page_size)
    items = list((await session.scalars(query)).all())
    return Page(items=items, total=total)


async def callbacks_owed(session: AsyncSession, number: str, *, at: datetime) -> list[CallbackTask]:
    """The callbacks this number was owed at ``at`` (say, when their new call arrived).

    Includes one the new call itself then cancelled, which a screen pop read a
    moment after the answer would otherwise miss.
    """
    query = (
        select(CallbackTask)
        .where(
            CallbackTask.number_key == number,
            CallbackTask.first_missed_at <= at,
            CallbackTask.status.in_([s.value for s in OPEN]) | (CallbackTask.closed_at > at),
        )
        .order_by(CallbackTask.first_missed_at)
    )
    return list((await session.scalars(query)).all())


@dataclass(frozen=True)
class TaskDetail:
    task: CallbackTask
    misses: list[CallbackMiss]
    attempts: list[CallbackAttempt]


async def task_detail(session: AsyncSession, task_id: int) -> TaskDetail | None:
    task = await session.get(CallbackTask, task_id)
    if task is None:
        return None
    misses = await session.scalars(
        select(CallbackMiss).where(CallbackMiss.task_id == task_id).order_by(CallbackMiss.missed_at)
    )
    attempts = await session.scalars(
        select(CallbackAttempt)
        .where(CallbackAttempt.task_id == task_id)
        .order_by(CallbackAttempt.attempt_no)
    )
    return TaskDetail(task=task, misses=list(misses), attempts=list(attempts))


@dataclass(frozen=True)
class CallbackStats:
    tasks: int
    missed_calls: int
    by_status: dict[str, int]
    called_back: int  # tasks whose caller was dialled at least once
    callback_rate: float | None  # called back / tasks not cancelled by a repeat call
    reach_rate: float | None  # reached / called back
    first_attempt_median_seconds: float | None
    first_attempt_mean_seconds: float | None


async def callback_stats(
    session: AsyncSession, *, since: datetime | None = None, until: datetime | None = None
) -> CallbackStats:
    """Over the callbacks whose first miss falls in [since, until)."""
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(CallbackTask.first_missed_at >= since)
    if until is not None:
        conditions.append(CallbackTask.first_missed_at < until)
    rows = (
        await session.execute(
            select(
                CallbackTask.status,
                CallbackTask.miss_count,
                CallbackTask.attempts,
                CallbackTask.first_missed_at,
                CallbackTask.first_attempt_at,
            ).where(*conditions)
        )
    ).all()
    by_status = Counter(row.status for row in rows)
    dialled = [row for row in rows if row.attempts > 0 or row.status == TaskStatus.REACHED]
    not_cancelled = len(rows) - by_status[TaskStatus.CANCELLED.value]
    waits = [
        (row.first_attempt_at - row.first_missed_at).total_seconds()
        for row in rows
        if row.first_attempt_at is not None
    ]
    reached = by_status[TaskStatus.REACHED.value]
    # A callback dialled and then cancelled is out of the rate's base: it must be out of
    # its count too, or the rate can pass 1.
    kept = [row for row in dialled if row.status != TaskStatus.CANCELLED.value]
    return CallbackStats(
        tasks=len(rows),
        missed_calls=sum(row.miss_count for row in rows),
        by_status=dict(by_status),
        called_back=len(dialled),
        callback_rate=_ratio(len(kept), not_cancelled),
        reach_rate=_ratio(reached, len(dialled)),
        first_attempt_median_seconds=statistics.median(waits) if waits else None,
        first_attempt_mean_seconds=statistics.fmean(waits) if waits else None,
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def open_backlog(session: AsyncSession) -> int:
    """Callbacks still owed (not yet reached nor given up): what the dialer has to do."""
    count = await session.scalar(
        select(func.count()).select_from(CallbackTask).where(CallbackTask.status.in_(OPEN))
    )
    return int(count or 0)
