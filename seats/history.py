"""Append-only seat-state history, written from SeatStateChanged events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from seats.models import SeatStateRecord


def _text(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


async def record_seat_change(session: AsyncSession, event: Any) -> None:
    session.add(
        SeatStateRecord(
            seat=event.seat,
            agent_id=getattr(event, "agent", None) or getattr(event, "agent_id", None),
            old_state=_text(getattr(event, "old", getattr(event, "old_state", ""))),
            new_state=_text(getattr(event, "new", getattr(event, "new_state", ""))),
            reason=_text(getattr(event, "reason", "")),
            call_id=event.call_id,
            at=event.at,
            seq=event.seq,
        )
    )
