"""The fallback periods over HTTP, for the wallboard's banner."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from acd.fallback.periods import recent_periods
from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.deps import SessionDep

router = APIRouter(prefix="/api", tags=["queue and calls"])
QueueWatcher = Annotated[Principal, Depends(requires(Permission.QUEUE_READ))]


class FallbackPeriodOut(BaseModel):
    started_at: datetime
    ended_at: datetime
    seconds: float
    calls: int
    answered: int
    abandoned: int


@router.get("/fallback/periods")
async def fallback_periods(
    session: SessionDep, principal: QueueWatcher, limit: int = Query(10, ge=1, le=100)
) -> list[FallbackPeriodOut]:
    """When Asterisk's fallback queue took the callers because the ACD was away, newest first."""
    return [
        FallbackPeriodOut(
            started_at=period.started_at,
            ended_at=period.ended_at,
            seconds=round((period.ended_at - period.started_at).total_seconds(), 1),
            calls=period.calls,
            answered=period.answered,
            abandoned=period.abandoned,
        )
        for period in await recent_periods(session, limit)
    ]
