"""The screen pop: a work order plus the caller's history, for the agent's desk."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workorders.lifecycle import Status
from workorders.merging import calls_of
from workorders.models import WorkOrder
from workorders.referrals.core import ReferralStatus
from workorders.referrals.models import Referral, Site
from workorders.schemas import CallerContext, OpenReferral, PreviousOrder, WorkOrderOut
from workorders.service import get_order

# (session, caller number, when this order's call arrived) -> the callbacks owed then
PendingCallbacks = Callable[[AsyncSession, str, datetime], Awaitable[list[dict[str, Any]]]]
HISTORY_DEPTH = 20


async def caller_context(
    session: AsyncSession,
    order_id: int,
    *,
    pending_callbacks: PendingCallbacks | None = None,
    full_number: bool = True,
) -> CallerContext:
    """The order, the caller's earlier orders and last risk, open referrals, pending callbacks."""
    order = await get_order(session, order_id)
    calls = await calls_of(session, order.id)
    out = WorkOrderOut.of(order, full_number=full_number, calls=calls)
    if not order.caller_number:  # withheld number: no history can be told apart
        return CallerContext(
            order=out,
            previous_orders=[],
            last_risk_level=None,
            open_referrals=[],
            pending_callbacks=[],
        )
    previous = list(
        await session.scalars(
            select(WorkOrder)
            .where(
                WorkOrder.caller_key == order.caller_key,
                WorkOrder.id != order.id,
                WorkOrder.status != Status.MERGED.value,
                WorkOrder.created_at <= order.created_at,
            )
            .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
            .limit(HISTORY_DEPTH)
        )
    )
    referrals = await session.execute(
        select(Referral, Site.name)
        .join(WorkOrder, WorkOrder.id == Referral.order_id)
        .join(Site, Site.id == Referral.site_id)
        .where(
            WorkOrder.caller_key == order.caller_key,
            Referral.status != ReferralStatus.CLOSED.value,
        )
        .order_by(Referral.sent_at.desc())
    )
    callbacks = (
        []
        if pending_callbacks is None
        else await pending_callbacks(session, order.caller_number, order.created_at)
    )
    return CallerContext(
        order=out,
        previous_orders=[
            PreviousOrder(
                id=p.id,
                number=p.number,
                created_at=p.created_at,
                status=p.status,
                risk_level=p.risk_level,
                category=p.category,
                summary=p.summary,
            )
            for p in previous
        ],
        last_risk_level=previous[0].risk_level if previous else None,
        open_referrals=[
            OpenReferral(
                id=r.id,
                order_id=r.order_id,
                site_id=r.site_id,
                site_name=name,
                status=r.status,
                sent_at=r.sent_at,
            )
            for r, name in referrals
        ],
        pending_callbacks=callbacks,
    )
