"""Reads and writes for staffing: the call history, availability, and rotas.

Thin: rows in, plain facts out (``forecast.CallFact``, ``rota.Counsellor``,
assignments); the rules live in the pure modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.errors import NotFound
from seats.models import AgentRecord, SeatStateRecord
from seats.registry import to_agent
from seats.staffing.models import AvailabilityRecord, RotaRecord, RotaShiftRecord
from seats.staffing.rota import Assignment, Counsellor, Shift, by_shift, parse_shift

WRAP_UP = "wrap_up"
PUBLISHED = "published"
DRAFT = "draft"


async def wrapup_seconds(session: AsyncSession, start: datetime, end: datetime) -> list[float]:
    """How long each wrap-up lasted: from entering wrap_up to the seat's next change."""
    rows = await session.execute(
        select(SeatStateRecord.seat, SeatStateRecord.new_state, SeatStateRecord.at)
        .where(SeatStateRecord.at >= start, SeatStateRecord.at < end)
        .order_by(SeatStateRecord.seat, SeatStateRecord.at, SeatStateRecord.seq)
    )
    durations: list[float] = []
    began: dict[str, datetime] = {}
    for seat, state, at in rows:
        if seat in began:
            durations.append((at - began.pop(seat)).total_seconds())
        if state == WRAP_UP:
            began[seat] = at
    return durations


async def availability(session: AsyncSession, agent_id: str) -> AvailabilityRecord | None:
    return await session.get(AvailabilityRecord, agent_id)


async def save_availability(
    session: AsyncSession,
    agent_id: str,
    *,
    shifts: Sequence[str],
    max_hours_week: int,
    max_nights_week: int,
    by: str,
    at: datetime,
) -> AvailabilityRecord:
    for entry in shifts:
        parse_shift(entry)  # a bad entry raises before anything is written
    record = await session.get(AvailabilityRecord, agent_id)
    if record is None:
        record = AvailabilityRecord(agent_id=agent_id)
        session.add(record)
    record.shifts = sorted(set(shifts))
    record.max_hours_week, record.max_nights_week = max_hours_week, max_nights_week
    record.updated_at, record.updated_by = at, by
    await session.flush()
    return record


async def counsellors(session: AsyncSession) -> list[Counsellor]:
    """Every active agent who has stated availability, with crisis qualification from skills."""
    rows = await session.execute(
        select(AgentRecord, AvailabilityRecord)
        .join(AvailabilityRecord, AvailabilityRecord.agent_id == AgentRecord.agent_id)
        .where(AgentRecord.active.is_(True))
        .order_by(AgentRecord.agent_id)
    )
    return [
        Counsellor(
            agent_id=agent.agent_id,
            name=agent.name,
            crisis=to_agent(agent).crisis_qualified,
            max_hours_week=stated.max_hours_week,
            max_nights_week=stated.max_nights_week,
            available=frozenset(parse_shift(entry) for entry in stated.shifts),
        )
        for agent, stated in rows.tuples()
    ]


async def save_rota(
    session: AsyncSession,
    first_day: date,
    days: int,
    assignment: Assignment,
    summary: dict[str, Any],
    *,
    by: str,
    at: datetime,
) -> RotaRecord:
    record = RotaRecord(
        first_day=first_day,
        days=days,
        status=DRAFT,
        created_at=at,
        created_by=by,
        summary=summary,
    )
    session.add(record)
    await session.flush()
    session.add_all(
        RotaShiftRecord(rota_id=record.id, day=shift.day, shift=shift.kind.value, agent_id=agent)
        for shift, names in assignment.items()
        for agent in sorted(names)
    )
    await session.flush()
    return record


async def rota(session: AsyncSession, rota_id: int) -> tuple[RotaRecord, Assignment]:
    record = await session.get(RotaRecord, rota_id)
    if record is None:
        raise NotFound(f"no rota {rota_id}")
    rows = await session.execute(
        select(RotaShiftRecord.day, RotaShiftRecord.shift, RotaShiftRecord.agent_id).where(
            RotaShiftRecord.rota_id == rota_id
        )
    )
    return record, by_shift(rows.tuples())


async def rotas(session: AsyncSession, limit: int = 20) -> list[RotaRecord]:
    found = await session.scalars(select(RotaRecord).order_by(RotaRecord.id.desc()).limit(limit))
    return list(found)


async def mark_published(
    session: AsyncSession, record: RotaRecord, *, by: str, at: datetime
) -> None:
    record.status, record.published_at, record.published_by = PUBLISHED, at, by
    await session.flush()


async def discard(session: AsyncSession, rota_id: int) -> None:
    await session.execute(delete(RotaRecord).where(RotaRecord.id == rota_id))


async def rostered(session: AsyncSession, first: date, last: date) -> dict[Shift, frozenset[str]]:
    """Who is on each shift of ``first..last``: each day from the latest rota published for it."""
    published = await session.scalars(
        select(RotaRecord)
        .where(RotaRecord.status == PUBLISHED, RotaRecord.first_day <= last)
        .order_by(RotaRecord.published_at)
    )
    owner: dict[date, int] = {}
    for record in published:
        end = record.first_day + timedelta(days=record.days)
        day = max(first, record.first_day)
        while day < end and day <= last:
            owner[day] = record.id  # a later publication replaces an earlier one's day
            day += timedelta(days=1)
    if not owner:
        return {}
    rows = await session.execute(
        select(
            RotaShiftRecord.rota_id,
            RotaShiftRecord.day,
            RotaShiftRecord.shift,
            RotaShiftRecord.agent_id,
        )
        .where(and_(RotaShiftRecord.day >= first, RotaShiftRecord.day <= last))
        .where(RotaShiftRecord.rota_id.in_(set(owner.values())))
    )
    chosen = [
        (day, shift, agent) for rota_id, day, shift, agent in rows if owner.get(day) == rota_id
    ]
    covered = by_shift(chosen)
    for day in owner:  # a published day with an empty shift still counts: 0 rostered
        for shift in Shift.all_of(day):
            covered.setdefault(shift, frozenset())
    return covered
