"""Queue and call history over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from acd.records import recent_calls
from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.deps import RuntimeDep, SessionDep
from callcenter.kernel.phone import mask

router = APIRouter(prefix="/api", tags=["queue and calls"])
QueueWatcher = Annotated[Principal, Depends(requires(Permission.QUEUE_READ))]
CallsReader = Annotated[Principal, Depends(requires(Permission.CALLS_READ))]


class CallOut(BaseModel):
    call_id: str
    caller_number: str
    skill: str
    arrived_at: datetime
    queued_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    end_estimated: bool
    outcome: str
    seat: str | None
    agent: str | None
    wait_seconds: float | None
    talk_seconds: float | None


@router.get("/queue")
async def queue(runtime: RuntimeDep, principal: QueueWatcher) -> dict[str, Any]:
    """The waiting callers, in routing order, each with why it is (still) waiting."""
    snapshot = await runtime.live.get_snapshot("queue") or {"at": None, "waiting": []}
    waiting = [dict(entry) for entry in snapshot["waiting"]]  # never edit the shared snapshot
    if not principal.sees_full_numbers:
        for entry in waiting:
            entry["number"] = mask(str(entry.get("number", "")))
    return {"at": snapshot["at"], "waiting": waiting}


@router.get("/calls")
async def calls(
    session: SessionDep,
    principal: CallsReader,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    since: datetime | None = None,
) -> list[CallOut]:
    """Recent calls, newest first, with their outcome; a counsellor sees the calls they took."""
    own = principal.agent_id  # full numbers of their own calls; ops see masked ones
    rows = await recent_calls(session, limit=limit, offset=offset, since=since, agent=own)
    full = principal.sees_full_numbers or own is not None
    return [
        CallOut(
            call_id=row.call_id,
            caller_number=row.caller_number if full else mask(row.caller_number),
            skill=row.skill,
            arrived_at=row.arrived_at,
            queued_at=row.queued_at,
            answered_at=row.answered_at,
            ended_at=row.ended_at,
            end_estimated=row.end_estimated,
            outcome=row.outcome,
            seat=row.seat,
            agent=row.agent,
            # the wait for an agent, not the IVR menu before it
            wait_seconds=_seconds(row.queued_at or row.arrived_at, row.answered_at),
            talk_seconds=_seconds(row.answered_at, row.ended_at),
        )
        for row in rows
    ]


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)
