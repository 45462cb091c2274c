"""Small look-ups other packages may call: the work order of a call."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workorders.models import WorkOrder


@dataclass(frozen=True)
class WorkOrderRef:
    id: int
    caller_number: str


async def work_order_for_call(session: AsyncSession, call_id: str) -> WorkOrderRef | None:
    row = (
        await session.execute(
            select(WorkOrder.id, WorkOrder.caller_number).where(WorkOrder.call_id == call_id)
        )
    ).first()
    return None if row is None else WorkOrderRef(id=row.id, caller_number=row.caller_number)
