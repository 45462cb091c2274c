"""Writes and reads of call records. Runs beside the hot path, never on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, bindparam, case, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from acd.events import CallArrived, CallConnected, CallEnded, CallMissed, CallWaiting
from acd.models import Call
from callcenter.kernel.crypto import Encrypted
from callcenter.kernel.db import UTCDateTime, table_of
from seats.staffing.forecast import CallFact


async def record_arrival(session: AsyncSession, event: CallArrived, campaign: str | None) -> Call:
    """Idempotent: a resync that reports the same call again changes nothing.

    Returns the row as an ORM object, for a caller that goes on editing it (the fallback
    import); the recorder writes with ``insert_arrival`` and the statements below instead."""
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


# The recorder's writes are single statements, each guarded in SQL the way the ORM
# version guarded in Python: no read before a write, no unit of work, and each statement
# built once (compiled once). A call the database does not know matches no row, as before.

# Written as text because the dialect-specific ON CONFLICT constructs are not cached by
# SQLAlchemy; the syntax is the same on PostgreSQL and SQLite (3.24+). Every column is
# named: the model's defaults are Python-side, not the table's.
_INSERT_ARRIVAL = text(
    "INSERT INTO calls (call_id, caller_number, caller_name, skill, arrived_at, queued_at, "
    "end_estimated, outcome, campaign) VALUES (:call_id, :caller_number, :caller_name, "
    ":skill, :arrived_at, :queued_at, :end_estimated, :outcome, :campaign) "
    "ON CONFLICT (call_id) DO NOTHING"
).bindparams(
    bindparam("caller_number", type_=Encrypted()),
    bindparam("caller_name", type_=Encrypted()),
    bindparam("arrived_at", type_=UTCDateTime()),
    bindparam("queued_at", type_=UTCDateTime()),
    bindparam("end_estimated", type_=Boolean()),
)
_calls = table_of(Call)  # the table, not the entity: plain Core, no ORM bookkeeping
_THIS_CALL = _calls.c.call_id == bindparam("id")
_UNANSWERED = _calls.c.answered_at.is_(None)
_AT = bindparam("at", type_=UTCDateTime())
# A requeue after a failed ring is still the same wait: queued_at is kept.
_WAITING = (
    update(_calls)
    .where(_THIS_CALL)
    .values(skill=bindparam("skill"), queued_at=func.coalesce(_calls.c.queued_at, _AT))
)
_WAITING_NAMED = _WAITING.values(  # a name learnt late fills an empty one, never replaces one
    caller_name=case(
        (
            or_(_calls.c.caller_name.is_(None), _calls.c.caller_name == ""),
            bindparam("name", type_=Encrypted()),
        ),
        else_=_calls.c.caller_name,
    )
)
_CONNECTED = (
    update(_calls)
    .where(_THIS_CALL, _UNANSWERED)
    .values(answered_at=_AT, seat=bindparam("seat"), agent=bindparam("agent"), outcome="answered")
)
_MISSED = update(_calls).where(_THIS_CALL, _UNANSWERED).values(outcome=bindparam("outcome"))
_ENDED = (
    update(_calls)
    .where(_THIS_CALL, _calls.c.ended_at.is_(None))
    .values(
        ended_at=_AT,
        end_estimated=bindparam("estimated", type_=Boolean()),
        outcome=case(
            (_calls.c.answered_at.is_not(None), "answered"),
            (_calls.c.outcome.in_(("waiting", "ringing")), "abandoned"),
            else_=_calls.c.outcome,
        ),
    )
)


async def insert_arrival(
    session: AsyncSession,
    event: CallArrived,
    campaign: str | None,
    waiting: CallWaiting | None = None,
) -> bool:
    """``record_arrival`` in one statement: a call already recorded is left as it is.

    ``waiting``: the call's first wait, written in the same row (what ``record_waiting``
    would have written next). True when the row was new; otherwise nothing was written,
    ``waiting`` included."""
    assert event.call_id
    inserted = await session.execute(
        _INSERT_ARRIVAL,
        {
            "call_id": event.call_id,
            "caller_number": event.caller_number,
            "caller_name": event.caller_name or (waiting.caller_name if waiting else ""),
            "skill": waiting.skill.value if waiting else "general",
            "arrived_at": event.at,
            "queued_at": waiting.at if waiting else None,
            "end_estimated": False,
            "outcome": "waiting",
            "campaign": campaign,
        },
    )
    return bool(getattr(inserted, "rowcount", 0) == 1)


async def record_waiting(session: AsyncSession, event: CallWaiting) -> None:
    if event.call_id is None:
        return
    params = {"id": event.call_id, "skill": event.skill.value, "at": event.at}
    if event.caller_name:
        await session.execute(_WAITING_NAMED, {**params, "name": event.caller_name})
    else:
        await session.execute(_WAITING, params)


async def record_connected(session: AsyncSession, event: CallConnected) -> None:
    if event.call_id is None:
        return
    params = {"id": event.call_id, "at": event.at, "seat": event.seat, "agent": event.agent}
    await session.execute(_CONNECTED, params)


async def record_missed(session: AsyncSession, event: CallMissed) -> None:
    if event.call_id is not None:
        await session.execute(_MISSED, {"id": event.call_id, "outcome": event.reason.value})


async def record_end(session: AsyncSession, event: CallEnded) -> None:
    if event.call_id is not None:
        params = {"id": event.call_id, "at": event.at, "estimated": event.estimated}
        await session.execute(_ENDED, params)


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
