"""Callbacks over HTTP: the list supervisors work from, cancelling, outcomes, statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from acd.callback import cancellation, queries
from acd.callback.events import CallbackCancelled
from acd.callback.models import CallbackAttempt, CallbackMiss, CallbackTask
from acd.callback.policy import TaskStatus
from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.deps import MAX_PAGE, RowId, RuntimeDep, SessionDep
from callcenter.kernel.phone import mask, normalise

# Callbacks are the hotline's own work: local sites and police liaison do not see them.
router = APIRouter(prefix="/api/callbacks", tags=["callbacks"])
Reader = Annotated[Principal, Depends(requires(Permission.CALLBACKS_READ))]
Worker = Annotated[Principal, Depends(requires(Permission.CALLBACKS_WRITE))]


class MissOut(BaseModel):
    call_id: str
    reason: str
    waited_seconds: float
    missed_at: datetime


class AttemptOut(BaseModel):
    attempt_no: int
    attempt_key: str
    state: str
    outcome: str | None
    caller_dialled: bool
    started_at: datetime
    finished_at: datetime | None


class CallbackOut(BaseModel):
    id: int
    number: str
    status: str
    first_call_id: str
    work_order_id: int | None
    miss_count: int
    first_missed_at: datetime
    last_missed_at: datetime
    high_risk: bool
    hesitant: bool
    due_at: datetime
    attempts: int
    first_attempt_at: datetime | None
    closed_at: datetime | None
    close_reason: str
    linked_call_id: str | None
    misses: list[MissOut] | None = None
    attempt_log: list[AttemptOut] | None = None

    @classmethod
    def of(cls, task: CallbackTask, *, full_number: bool) -> CallbackOut:
        out = cls.model_validate(task, from_attributes=True)
        return out if full_number else out.model_copy(update={"number": mask(task.number)})


class CallbackPage(BaseModel):
    items: list[CallbackOut]
    total: int
    page: int
    page_size: int


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class StatsOut(BaseModel):
    tasks: int
    missed_calls: int
    by_status: dict[str, int]
    called_back: int
    callback_rate: float | None
    reach_rate: float | None
    first_attempt_median_seconds: float | None
    first_attempt_mean_seconds: float | None


@router.get("")
async def list_callbacks(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    view: queries.View = queries.View.ALL,
    status: TaskStatus | None = None,
    number: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CallbackPage:
    """Callbacks by view (pending, due, dialing, open, done, all), filtered and paged."""
    found = await queries.list_tasks(
        session,
        now=runtime.clock.now(),
        view=view,
        status=status,
        number=normalise(number) if number else None,
        since=since,
        until=until,
        page=page,
        page_size=page_size,
    )
    full = principal.sees_full_numbers
    return CallbackPage(
        items=[CallbackOut.of(task, full_number=full) for task in found.items],
        total=found.total,
        page=page,
        page_size=page_size,
    )


@router.get("/stats")
async def callback_stats(
    session: SessionDep,
    principal: Reader,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StatsOut:
    """Callback rate, reach rate and time from the first miss to the first attempt."""
    stats = await queries.callback_stats(session, since=since, until=until)
    return StatsOut(**stats.__dict__)


@router.get("/{task_id}")
async def get_callback(task_id: RowId, session: SessionDep, principal: Reader) -> CallbackOut:
    detail = await queries.task_detail(session, task_id)
    if detail is None:
        raise HTTPException(404, f"no callback {task_id}")
    out = CallbackOut.of(detail.task, full_number=principal.sees_full_numbers)
    out.misses = [_miss(miss) for miss in detail.misses]
    out.attempt_log = [_attempt(attempt) for attempt in detail.attempts]
    return out


@router.post("/{task_id}/cancel")
async def cancel_callback(
    task_id: RowId, body: CancelIn, session: SessionDep, runtime: RuntimeDep, principal: Worker
) -> CallbackOut:
    """Cancel an open callback; 409 when it is already done."""
    try:
        task = await cancellation.cancel_task(
            session, task_id, reason=f"{principal.user}: {body.reason}", at=runtime.clock.now()
        )
    except cancellation.TaskNotFound:
        raise HTTPException(404, f"no callback {task_id}") from None
    except cancellation.TaskAlreadyDone as exc:
        raise HTTPException(409, str(exc)) from None
    runtime.bus.publish(
        CallbackCancelled(call_id=task.first_call_id, task_id=task.id, reason=task.close_reason)
    )
    return CallbackOut.of(task, full_number=principal.sees_full_numbers)


@router.post("/{task_id}/wrong-number")
async def wrong_number(
    task_id: RowId, session: SessionDep, runtime: RuntimeDep, principal: Worker
) -> CallbackOut:
    """The agent reached someone who is not the caller; 409 unless the callback was reached."""
    try:
        task = await cancellation.mark_wrong_number(session, task_id, at=runtime.clock.now())
    except cancellation.TaskNotFound:
        raise HTTPException(404, f"no callback {task_id}") from None
    except cancellation.TaskAlreadyDone as exc:
        raise HTTPException(409, str(exc)) from None
    return CallbackOut.of(task, full_number=principal.sees_full_numbers)


def _miss(miss: CallbackMiss) -> MissOut:
    return MissOut(
        call_id=miss.call_id,
        reason=miss.reason,
        waited_seconds=miss.waited_seconds,
        missed_at=miss.missed_at,
    )


def _attempt(attempt: CallbackAttempt) -> AttemptOut:
    return AttemptOut(
        attempt_no=attempt.attempt_no,
        attempt_key=attempt.attempt_key,
        state=attempt.state,
        outcome=attempt.outcome,
        caller_dialled=attempt.caller_dialled,
        started_at=attempt.started_at,
        finished_at=attempt.finished_at,
    )
