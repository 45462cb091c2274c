"""Writes and reads of call records. Runs beside the hot path, never on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.events import CallArrived, CallConnected, CallEnded, CallMissed, CallWaiting
from acd.models import Call
from seats.staffing.forecast import CallFact


async def record_arrival(session: AsyncSession, event: CallArrived, campaign: str | None) -> Call:
    """Idempotent: a resync that reports the same call again changes nothing."""
    assert event.call_id
    call = await session.get(Call, event.call_id)
    if call is None:
        call = Call(
            call_id=event.call_id,
            caller_number=event.caller_number,
            caller_name=event.caller_name,
            arrived_at=event.at,
            campaign=campaign,
        )
        session.add(call)
    return call


async def _call(session: AsyncSession, call_id: str | None) -> Call | None:
    return None if call_id is None else await session.get(Call, call_id)


async def record_waiting(session: AsyncSession, event: CallWaiting) -> None:
    call = await _call(session, event.call_id)
    if call is not None:
        call.skill = event.skill.value
        if call.queued_at is None:  # a requeue after a failed ring is still the same wait
            call.queued_at = event.at
        if event.caller_name and not call.caller_name:
            call.caller_name = event.caller_name


async def record_connected(session: AsyncSession, event: CallConnected) -> None:
    call = await _call(session, event.call_id)
    if call is not None and call.answered_at is None:
        call.answered_at = event.at
        call.seat = event.seat
        call.agent = event.agent
        call.outcome = "answered"


async def record_missed(session: AsyncSession, event: CallMissed) -> None:
    call = await _call(session, event.call_id)
    if call is not None and call.answered_at is None:
        call.outcome = event.reason.value


async def record_end(session: AsyncSession, event: CallEnded) -> None:
    call = await _call(session, event.call_id)
    if call is None or call.ended_at is not None:
        return
    call.ended_at = event.at
    call.end_estimated = event.estimated
    if call.answered_at is not None:
        call.outcome = "answered"
    elif call.outcome in ("waiting", "ringing"):
        call.outcome = "abandoned"


async def recent_calls(
    session: AsyncSession,
    *,
    limit: int,
    offset: int = 0,
    since: datetime | None = None,
    agent: str | None = None,
) -> list[Call]:
    """Newest first; only the calls ``agent`` answered when one is given."""
    query = select(Call).order_by(Call.arrived_at.desc()).limit(limit).offset(offset)
    if since is not None:
        query = query.where(Call.arrived_at >= since)
    if agent is not None:
        query = query.where(Call.agent == agent)
    return list((await session.scalars(query)).all())


async def calls_between(session: AsyncSession, start: datetime, end: datetime) -> list[Call]:
    """Calls that arrived in [start, end), oldest first (for the staffing forecast)."""
    query = (
        select(Call)
        .where(Call.arrived_at >= start, Call.arrived_at < end)
        .order_by(Call.arrived_at)
    )
    return list((await session.scalars(query)).all())


async def first_call_at(session: AsyncSession) -> datetime | None:
    """When the hotline's first recorded call arrived: the call history starts there."""
    return await session.scalar(select(func.min(Call.arrived_at)))


async def call_history(
    session: AsyncSession, start: datetime, end: datetime
) -> tuple[list[CallFact], datetime | None]:
    """For the staffing forecast: the calls of [start, end) as facts, and when history begins."""
    facts = [
        CallFact(c.arrived_at, c.answered_at, c.ended_at, c.outcome, c.campaign)
        for c in await calls_between(session, start, end)
    ]
    return facts, await first_call_at(session)
