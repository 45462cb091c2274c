"""Work-order figures: orders, counselling and crisis cases, people helped, per row key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from workorders.lifecycle import CRISIS_RISKS, Status
from workorders.models import WorkOrder
from workorders.stats.core import UNCATEGORISED, Bucket, Figures
from workorders.stats.keys import RowKeys

Row = Callable[[str], Figures]


def _in_period(period: Bucket) -> ColumnElement[bool]:
    return and_(
        WorkOrder.created_at >= period.start,
        WorkOrder.created_at < period.end,
        WorkOrder.status != Status.MERGED.value,
    )


ANSWERED = WorkOrder.status != Status.NEW.value


def counts_statement(period: Bucket, keys: RowKeys) -> Select[Any]:
    """Orders, counselling cases and crisis cases per row key, category and risk level."""
    key = keys.sql(WorkOrder.created_at).label("key")
    crisis = and_(
        ANSWERED,
        or_(
            WorkOrder.risk_level.in_([r.value for r in CRISIS_RISKS]),
            WorkOrder.escalated_at.is_not(None),
        ),
    )
    return (
        select(
            key,
            WorkOrder.category,
            WorkOrder.risk_level,
            func.count(),
            func.sum(case((ANSWERED, 1), else_=0)),
            func.sum(case((crisis, 1), else_=0)),
        )
        .where(_in_period(period))
        .group_by(key, WorkOrder.category, WorkOrder.risk_level)
    )


def people_statement(period: Bucket, keys: RowKeys) -> Select[Any]:
    """People helped per row key: distinct callers, each withheld number counted alone."""
    key = keys.sql(WorkOrder.created_at).label("key")
    # by the number's digest: the same caller counts once, and no number is read
    known = and_(ANSWERED, WorkOrder.caller_key != "")
    withheld = and_(ANSWERED, WorkOrder.caller_key == "")
    return (
        select(
            key,
            func.count(func.distinct(case((known, WorkOrder.caller_key)))),
            func.sum(case((withheld, 1), else_=0)),
        )
        .where(_in_period(period))
        .group_by(key)
    )


async def add_orders(session: AsyncSession, period: Bucket, keys: RowKeys, row: Row) -> None:
    """Fold the period's work orders into the rows."""
    counts = await session.execute(counts_statement(period, keys))
    for bucket, category, risk, total, cases, crises in counts:
        if bucket is None:
            continue
        figures = row(bucket)
        figures.orders += total
        figures.counselling_cases += int(cases or 0)
        figures.crisis_cases += int(crises or 0)
        name = category or UNCATEGORISED
        figures.orders_by_category[name] = figures.orders_by_category.get(name, 0) + total
        figures.orders_by_risk[risk] = figures.orders_by_risk.get(risk, 0) + total
    people = await session.execute(people_statement(period, keys))
    for bucket, distinct_callers, anonymous in people:
        if bucket is not None:
            row(bucket).people_helped += int(distinct_callers or 0) + int(anonymous or 0)
