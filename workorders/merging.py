"""Merging duplicate orders (same number, same matter): one survives, both histories are kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.after_commit import publish_after_commit
from callcenter.kernel.bus import EventBus
from workorders.lifecycle import Status
from workorders.models import WorkOrder, WorkOrderCall, WorkOrderHistory
from workorders.service import get_order, record, updated_event


class MergeRefused(Exception):
    """The two orders cannot be merged (the reason says why)."""


async def merge_orders(
    session: AsyncSession,
    keep_id: int,
    duplicate_id: int,
    *,
    actor: str,
    at: datetime,
    reason: str | None = None,
    bus: EventBus | None = None,
) -> WorkOrder:
    """Fold ``duplicate_id`` into ``keep_id``: its calls move over, it becomes ``merged``."""
    if keep_id == duplicate_id:
        raise MergeRefused("an order cannot be merged into itself")
    keep = await get_order(session, keep_id)
    duplicate = await get_order(session, duplicate_id)
    for order in (keep, duplicate):
        if order.status == Status.MERGED:
            raise MergeRefused(f"order {order.number} is already merged")
    if keep.caller_number != duplicate.caller_number:
        raise MergeRefused("only orders from the same caller number can be merged")
    await session.execute(
        update(WorkOrderCall).where(WorkOrderCall.order_id == duplicate.id).values(order_id=keep.id)
    )
    record(
        session,
        keep.id,
        at=at,
        actor=actor,
        field="merged",
        old=None,
        new=duplicate.number,
        reason=reason,
    )
    record(
        session,
        duplicate.id,
        at=at,
        actor=actor,
        field="status",
        old=duplicate.status,
        new=Status.MERGED.value,
        reason=reason,
    )
    record(
        session,
        duplicate.id,
        at=at,
        actor=actor,
        field="merged_into",
        old=None,
        new=keep.number,
        reason=reason,
    )
    duplicate.status = Status.MERGED.value
    duplicate.merged_into_id = keep.id
    duplicate.updated_at = at
    keep.updated_at = at
    publish_after_commit(session, bus, updated_event(keep, ["merged"]))
    publish_after_commit(session, bus, updated_event(duplicate, ["status"]))
    return keep


async def merged_ids(session: AsyncSession, order_id: int) -> list[int]:
    """``order_id`` and every order merged into it, directly or through another merge."""
    found = [order_id]
    frontier = [order_id]
    while frontier:
        rows = await session.scalars(
            select(WorkOrder.id).where(WorkOrder.merged_into_id.in_(frontier))
        )
        frontier = [row for row in rows if row not in found]
        found.extend(frontier)
    return found


async def full_history(session: AsyncSession, order_id: int) -> list[WorkOrderHistory]:
    """The order's history together with the histories of the orders merged into it."""
    await get_order(session, order_id)
    ids = await merged_ids(session, order_id)
    rows = await session.scalars(
        select(WorkOrderHistory)
        .where(WorkOrderHistory.order_id.in_(ids))
        .order_by(WorkOrderHistory.at, WorkOrderHistory.id)
    )
    return list(rows)


async def calls_of(session: AsyncSession, order_id: int) -> list[str]:
    rows = await session.scalars(
        select(WorkOrderCall.call_id)
        .where(WorkOrderCall.order_id == order_id)
        .order_by(WorkOrderCall.at)
    )
    return list(rows)
