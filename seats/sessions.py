"""Seat sessions that outlive the process: logins, pauses and surge, saved and restored.

The recorder calls ``save_seat_change`` and ``save_surge`` beside the hot path (a
database outage journals them like every other event). At start-up, and when a
standby takes over, ``load_floor`` reads them back so the routing core can be
given its seats before the first caller is routed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from seats.agents import Agent
from seats.events import SeatStateChanged, SurgeChanged
from seats.models import AgentRecord, SeatSession, SurgeSetting
from seats.registry import to_agent
from seats.state import SeatState
from seats.surge import SurgeState

_PAUSE_KEPT = (SeatState.PAUSED, SeatState.UNREACHABLE)  # an unreachable seat keeps its pause
# Moves within a call's cycle change neither the seat's agent nor its pause: nothing to save
# (four of them per call, each a database round trip, on the busiest path there is).
_CALL_CYCLE = (SeatState.AVAILABLE, SeatState.RINGING, SeatState.ON_CALL, SeatState.WRAP_UP)


@dataclass(frozen=True)
class SavedSeat:
    """A seat's agent and pause as last saved."""

    seat: str
    agent: Agent
    pause_reason: str | None


@dataclass(frozen=True)
class SavedFloor:
    seats: list[SavedSeat]
    surge: SurgeState


async def save_seat_change(session: AsyncSession, event: SeatStateChanged) -> None:
    """Keep the seat's session as the change leaves it (a logout deletes it)."""
    if event.old_state in _CALL_CYCLE and event.new_state in _CALL_CYCLE:
        return
    row = await session.get(SeatSession, event.seat)
    if event.new_state == SeatState.OFFLINE or event.agent_id is None:
        if row is not None:
            await session.execute(delete(SeatSession).where(SeatSession.seat == event.seat))
        return
    pause = event.pause_reason if event.new_state in _PAUSE_KEPT else None
    if row is None:
        session.add(SeatSession(seat=event.seat, agent_id=event.agent_id,
                                pause_reason=pause, since=event.at))  # fmt: skip
        return
    if row.agent_id != event.agent_id or row.pause_reason != pause:
        row.since = event.at
    row.agent_id, row.pause_reason = event.agent_id, pause


async def save_surge(session: AsyncSession, event: SurgeChanged, hotline_id: str) -> None:
    row = await session.get(SurgeSetting, hotline_id)
    if row is None:
        row = SurgeSetting(hotline_id=hotline_id, since=event.at)
        session.add(row)
    row.on, row.reason, row.since = event.on, event.reason if event.on else "", event.at


async def load_floor(session: AsyncSession, hotline_id: str) -> SavedFloor:
    """Every saved login with its agent (an agent since deleted logs in with no skills)."""
    query = (
        select(SeatSession, AgentRecord)
        .outerjoin(AgentRecord, AgentRecord.agent_id == SeatSession.agent_id)
        .order_by(SeatSession.seat)
    )
    seats = [
        SavedSeat(
            seat=row.seat,
            agent=to_agent(record) if record is not None else Agent(row.agent_id, row.agent_id),
            pause_reason=row.pause_reason,
        )
        for row, record in (await session.execute(query)).all()
    ]
    surge_row = await session.get(SurgeSetting, hotline_id)
    surge = SurgeState()
    if surge_row is not None and surge_row.on:
        surge = SurgeState(True, surge_row.reason, _epoch(surge_row.since))
    return SavedFloor(seats=seats, surge=surge)


def _epoch(at: datetime) -> float:
    return at.timestamp()
