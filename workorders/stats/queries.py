"""Statistics shell: fetch and aggregate calls, orders, callbacks and referrals for a period."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.models import Call
from workorders.models import WorkOrder, WorkOrderCall
from workorders.referrals.models import Referral, ReferralReminder
from workorders.stats.callbacks import CallbackSource, callback_tasks_table
from workorders.stats.core import (
    TOTAL,
    Bucket,
    CallFact,
    Figures,
    Grouping,
    HalfHourForecast,
    add_call,
    add_callback,
    add_forecast,
    bucket_of,
    ordered,
    span,
    time_buckets,
)
from workorders.stats.keys import RowKeys
from workorders.stats.orders import add_orders

# The day-ahead forecast against actual calls for each half-hour of first..last.
ForecastSource = Callable[[AsyncSession, date, date], Awaitable[Sequence[HalfHourForecast]]]


@dataclass(frozen=True)
class StatsReport:
    first: date
    last: date
    grouping: Grouping
    rows: list[Figures]
    total: Figures
    zone: ZoneInfo
    # Each row's period (by key; the whole period for region and category rows).
    bounds: dict[str, Bucket]

    def bounds_of(self, key: str) -> Bucket:
        return self.bounds.get(key) or self.bounds[TOTAL]


async def compute_stats(
    session: AsyncSession,
    first: date,
    last: date,
    grouping: Grouping,
    *,
    zone: ZoneInfo,
    callbacks: CallbackSource | None = callback_tasks_table,
    forecasts: ForecastSource | None = None,
) -> StatsReport:
    """Figures for each day/week/month (or region, or category) of ``first..last``, and in all.

    Forecast accuracy (from ``forecasts``) fills the time rows and the total only: a
    forecast has no region or category.
    """
    period = span(first, last, zone)
    buckets = time_buckets(first, last, grouping, zone) if grouping.is_time else [period]
    rows = await _figures(session, period, RowKeys(buckets, grouping), callbacks)
    keys = [b.key for b in buckets] if grouping.is_time else []
    whole = await _figures(session, period, RowKeys([period], Grouping.DAY), callbacks)
    if forecasts is not None:
        for fact in await forecasts(session, first, last):
            add_forecast(whole.setdefault(period.key, Figures(period.key)), fact)
            key = bucket_of(fact.start, buckets) if grouping.is_time else None
            if key is not None:
                add_forecast(rows.setdefault(key, Figures(key)), fact)
    return StatsReport(
        first,
        last,
        grouping,
        ordered(rows.values(), keys),
        whole.get(period.key) or Figures(period.key),
        zone,
        {period.key: period, **{b.key: b for b in buckets if grouping.is_time}},
    )


async def _figures(
    session: AsyncSession, period: Bucket, keys: RowKeys, callbacks: CallbackSource | None
) -> dict[str, Figures]:
    rows: dict[str, Figures] = {}

    def row(key: str) -> Figures:
        return rows.setdefault(key, Figures(key))

    await add_orders(session, period, keys, row)
    call_keys = await _calls(session, period, keys, row)
    if callbacks is not None:
        for fact in await callbacks(session, period.start, period.end):
            key = call_keys.get(fact.call_id or "") if not keys.grouping.is_time else None
            key = key or keys.of(fact.missed_at, None, None)
            if key is not None:
                add_callback(row(key), fact)
    await _referrals(session, period, keys, row)
    return rows


async def _calls(session: AsyncSession, period: Bucket, keys: RowKeys, row: Any) -> dict[str, str]:
    """Fold the calls into the rows; return each call's row key (callbacks follow their call)."""
    found = await session.execute(
        select(
            Call.call_id,
            Call.arrived_at,
            Call.answered_at,
            Call.ended_at,
            Call.outcome,
            Call.queued_at,
            WorkOrder.city,
            WorkOrder.category,
        )
        .outerjoin(WorkOrderCall, WorkOrderCall.call_id == Call.call_id)
        .outerjoin(WorkOrder, WorkOrder.id == WorkOrderCall.order_id)
        .where(Call.arrived_at >= period.start, Call.arrived_at < period.end)
    )
    call_keys: dict[str, str] = {}
    for call_id, arrived, answered, ended, outcome, queued, city, category in found:
        key = keys.of(arrived, city, category)
        if key is None:
            continue
        call_keys[call_id] = key
        add_call(row(key), CallFact(arrived, answered, ended, outcome, queued))
    return call_keys


async def _referrals(session: AsyncSession, period: Bucket, keys: RowKeys, row: Any) -> None:
    def inside(column: Any) -> ColumnElement[bool]:
        return and_(column >= period.start, column < period.end)

    found = await session.execute(
        select(
            Referral.sent_at,
            Referral.accepted_at,
            Referral.closed_at,
            WorkOrder.city,
            WorkOrder.category,
        )
        .join(WorkOrder, WorkOrder.id == Referral.order_id)
        .where(
            or_(inside(Referral.sent_at), inside(Referral.accepted_at), inside(Referral.closed_at))
        )
    )
    for sent, accepted, closed, city, category in found:
        for moment, name in (
            (sent, "referrals_sent"),
            (accepted, "referrals_accepted"),
            (closed, "referrals_closed"),
        ):
            if moment is not None and period.start <= moment < period.end:
                key = keys.of(moment, city, category)
                if key is not None:
                    figures = row(key)
                    setattr(figures, name, getattr(figures, name) + 1)
    overdue = await session.execute(
        select(
            ReferralReminder.referral_id,
            func.min(ReferralReminder.due_at),
            WorkOrder.city,
            WorkOrder.category,
        )
        .join(Referral, Referral.id == ReferralReminder.referral_id)
        .join(WorkOrder, WorkOrder.id == Referral.order_id)
        .where(inside(ReferralReminder.due_at))
        .group_by(ReferralReminder.referral_id, WorkOrder.city, WorkOrder.category)
    )
    for _, due, city, category in overdue:
        key = keys.of(due, city, category)
        if key is not None:
            row(key).referrals_overdue += 1
