"""Append-only seat-state history, written from SeatStateChanged events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from seats.events import SeatStateChanged
from seats.models import SeatStateRecord


async def record_seat_change(session: AsyncSession, event: SeatStateChanged) -> None:
    session.add(
        SeatStateRecord(
            seat=event.seat,
            agent_id=event.agent_id,
            old_state=event.old_state,
            new_state=event.new_state,
            reason=event.pause_reason or event.reason,
            call_id=event.call_id,
            at=event.at,
            seq=event.seq,
        )
    )
