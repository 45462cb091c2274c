"""Every seat state change reaches the database, for login, talk and pause statistics."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from seats.models import SeatStateRecord
from tests.acd.acd_stack import acd_stack


async def test_seat_changes_are_stored_in_order_with_their_reason(tmp_path: Path) -> None:
    async with acd_stack(tmp_path) as stack:
        stack.login("a1", "8001")
        stack.acd.command(lambda now: stack.acd.core.pause("8001", "meal", now))
        stack.acd.command(lambda now: stack.acd.core.resume("8001", now))
        await stack.system.runtime.bus.join()
        async with stack.system.runtime.sessions() as session:
            rows = (
                await session.scalars(select(SeatStateRecord).order_by(SeatStateRecord.seq))
            ).all()
    assert [(r.seat, r.agent_id, r.old_state, r.new_state) for r in rows] == [
        ("8001", "a1", "offline", "available"),
        ("8001", "a1", "available", "paused"),
        ("8001", "a1", "paused", "available"),
    ]
    assert rows[1].reason == "meal"
