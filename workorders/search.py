"""Finding work orders: filter by number, date, category, risk, status, agent and region."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.calendar import day_start
from callcenter.kernel.phone import normalise
from workorders.models import WorkOrder

READABLE = re.compile(r"^\d+-\d{8}-\d{4,}$")


@dataclass(frozen=True)
class OrderFilter:
    number: str | None = None  # a caller number or a readable order number
    date_from: date | None = None  # local days, inclusive
    date_to: date | None = None
    category: str | None = None
    subcategory: str | None = None
    risk_level: str | None = None
    status: str | None = None
    agent: str | None = None
    city: str | None = None
    county: str | None = None
    tag: str | None = None


def filtered(
    query: Select[tuple[WorkOrder]], f: OrderFilter, zone: ZoneInfo
) -> Select[tuple[WorkOrder]]:
    if f.number:
        if READABLE.match(f.number):
            query = query.where(WorkOrder.number == f.number)
        else:
            query = query.where(WorkOrder.caller_key == normalise(f.number))
    if f.date_from:
        query = query.where(WorkOrder.created_at >= day_start(f.date_from, zone))
    if f.date_to:
        query = query.where(WorkOrder.created_at < day_start(f.date_to + timedelta(days=1), zone))
    for column, value in (
        (WorkOrder.category, f.category),
        (WorkOrder.subcategory, f.subcategory),
        (WorkOrder.risk_level, f.risk_level),
        (WorkOrder.status, f.status),
        (WorkOrder.agent, f.agent),
        (WorkOrder.city, f.city),
        (WorkOrder.county, f.county),
    ):
        if value is not None:
            query = query.where(column == value)
    if f.tag:
        padded = "," + WorkOrder.tags + ","
        query = query.where(padded.contains(f",{f.tag},"))
    return query


async def search_orders(
    session: AsyncSession,
    f: OrderFilter,
    *,
    limit: int,
    offset: int,
    zone: ZoneInfo,
) -> tuple[list[WorkOrder], int]:
    """One page of matching orders, newest first, and how many match in all."""
    base = filtered(select(WorkOrder), f, zone)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    page = await session.scalars(
        base.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(limit).offset(offset)
    )
    return list(page), int(total)
