"""Test helper: write call facts into the calls table, as the recorder would have."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.models import Call
from seats.staffing.forecast import CallFact


async def seed_calls(sessions: async_sessionmaker[AsyncSession], calls: Iterable[CallFact]) -> None:
    async with sessions() as session, session.begin():
        session.add_all(
            Call(
                call_id=f"hist-{n}",
                caller_number="+8613800000000",
                arrived_at=call.arrived_at,
                answered_at=call.answered_at,
                ended_at=call.ended_at,
                outcome=call.outcome,
                campaign=call.campaign,
            )
            for n, call in enumerate(calls)
        )
