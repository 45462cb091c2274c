"""Append-only seat-state history, written from SeatStateChanged events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.db import table_of
from seats.events import SeatStateChanged
from seats.models import SeatStateRecord


def _row(event: SeatStateChanged) -> dict[str, Any]:
    return {
        "seat": event.seat,
        "agent_id": event.agent_id,
        "old_state": event.old_state,
        "new_state": event.new_state,
        "reason": event.pause_reason or event.reason,
        "call_id": event.call_id,
        "at": event.at,
        "seq": event.seq,
    }


async def record_seat_changes(session: AsyncSession, events: Sequence[SeatStateChanged]) -> None:
    """One row per change, in order; the changes of a batch go in one statement."""
    if events:
        await session.execute(insert(table_of(SeatStateRecord)), [_row(e) for e in events])
