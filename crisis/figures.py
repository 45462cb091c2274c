"""Counts of escalations for ops' metrics: raised, acknowledged, and past a deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crisis.models import Escalation


@dataclass(frozen=True)
class EscalationCounts:
    raised: int
    acknowledged: int
    overdue: int  # open, and their next deadline (acknowledgement, follow-up) has passed


async def escalation_counts(session: AsyncSession, now: datetime) -> EscalationCounts:
    row = (
        await session.execute(
            select(
                func.count(),
                func.count(Escalation.acknowledged_at),
                func.count().filter(
                    Escalation.closed_at.is_(None), Escalation.next_deadline_at < now
                ),
            )
        )
    ).one()
    return EscalationCounts(raised=row[0], acknowledged=row[1], overdue=row[2])
