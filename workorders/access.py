"""Whose work orders a principal may open, and whether they see the caller's full number.

Supervisors open every order (a read of someone else's is audited). A counsellor
opens their own: the orders of calls they answered, and the order of the call
ringing or connected at their seat right now (the screen pop), including the
missed caller's order while the callback seat dials them. Anyone else gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.callback.models import CallbackTask
from acd.callback.policy import TaskStatus
from callcenter.kernel.audit import Action, record_by
from callcenter.kernel.auth import Principal
from callcenter.kernel.live import LiveState
from workorders.merging import calls_of
from workorders.models import WorkOrder


@dataclass(frozen=True)
class SeatNow:
    seat: str
    call_id: str | None
    callback: bool


async def seat_of_agent(live: LiveState, agent: str) -> SeatNow | None:
    """The agent's seat as the live seat board shows it (the same across API workers)."""
    snapshot: dict[str, Any] = await live.get_snapshot("seats") or {}
    for seat in snapshot.get("seats", []):
        if seat.get("agent") == agent:
            return SeatNow(
                seat=str(seat["seat"]),
                call_id=seat.get("call_id"),
                callback=bool(seat.get("callback")),
            )
    return None


async def is_own(
    session: AsyncSession, live: LiveState, principal: Principal, order: WorkOrder
) -> bool:
    agent = principal.agent_id
    if agent is None:
        return False
    if order.agent == agent:
        return True
    seat = await seat_of_agent(live, agent)
    if seat is None or seat.call_id is None:
        return False
    if seat.call_id == order.call_id or seat.call_id in await calls_of(session, order.id):
        return True
    if not seat.callback:
        return False
    dialing = await session.scalar(
        select(CallbackTask.id).where(
            CallbackTask.work_order_id == order.id, CallbackTask.status == TaskStatus.DIALING.value
        )
    )
    return dialing is not None


async def open_order(
    session: AsyncSession,
    live: LiveState,
    principal: Principal,
    order: WorkOrder,
    *,
    at: datetime,
    why: str = "read",
) -> bool:
    """403 unless the principal may open ``order``; True: they see the full number.

    A supervisor's read of an order that is not their own goes to the audit trail.
    """
    if await is_own(session, live, principal, order):
        return True
    if not principal.sees_all_orders:
        raise HTTPException(403, f"work order {order.id} is not one of yours")
    if order.agent != principal.user:
        record_by(
            session,
            principal,
            at=at,
            action=Action.READ_ORDER,
            target=f"workorder:{order.id}",
            detail=why,
        )
    return principal.sees_full_numbers
