"""Return visits (回访): the follow-up call after a referral closed, its result and satisfaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workorders.referrals.models import ReturnVisit
from workorders.service import record


class VisitNotFound(LookupError):
    pass


class VisitAlreadyDone(Exception):
    pass


async def pending_visits(session: AsyncSession) -> list[ReturnVisit]:
    rows = await session.scalars(
        select(ReturnVisit).where(ReturnVisit.status == "pending").order_by(ReturnVisit.due_at)
    )
    return list(rows)


async def record_visit(
    session: AsyncSession,
    visit_id: int,
    *,
    result: str,
    satisfaction: int,
    actor: str,
    at: datetime,
) -> ReturnVisit:
    """Record what the caller said on the follow-up call; a visit is recorded once."""
    visit = await session.get(ReturnVisit, visit_id)
    if visit is None:
        raise VisitNotFound(f"return visit {visit_id} not found")
    if visit.status == "done":
        raise VisitAlreadyDone(f"return visit {visit_id} was already recorded")
    visit.status, visit.done_at, visit.done_by = "done", at, actor
    visit.result, visit.satisfaction = result, satisfaction
    record(
        session,
        visit.order_id,
        at=at,
        actor=actor,
        field="return_visit",
        old="pending",
        new=f"done (satisfaction {satisfaction}/5)",
        reason=result,
    )
    return visit
