"""Fallback periods in the database: opened when the ACD finds a stale heartbeat, counted."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.fallback.models import FallbackPeriod

# A record that entered the fallback this close before a known period still belongs to
# it: the dialplan's clock is Asterisk's, the period's start is derived from the heartbeat.
SLACK = timedelta(seconds=5)


def stale_since(heartbeat: str, now: datetime, fallback_after: float) -> datetime | None:
    """When the fallback began, if the heartbeat Asterisk holds is stale; None if fresh.

    An empty heartbeat (Asterisk restarted since, or never had an ACD) tells no time:
    the records themselves then open a period (``period_for``).
    """
    try:
        last = float(heartbeat)
    except ValueError:
        return None
    began = last + fallback_after
    if now.timestamp() <= began:
        return None
    return datetime.fromtimestamp(began, now.tzinfo)


async def open_period(session: AsyncSession, started_at: datetime, ended_at: datetime) -> int:
    """Save the period a stale heartbeat tells of. An import that ran first may already
    have opened one for the calls it found (``period_for``): that one is widened."""
    query = (
        select(FallbackPeriod)
        .where(
            FallbackPeriod.started_at <= ended_at + SLACK,
            FallbackPeriod.ended_at >= started_at - SLACK,
        )
        .order_by(FallbackPeriod.started_at)
        .limit(1)
    )
    period = (await session.scalars(query)).first()
    if period is not None:
        period.started_at = min(period.started_at, started_at)
        period.ended_at = max(period.ended_at, ended_at)
    else:
        period = FallbackPeriod(started_at=started_at, ended_at=ended_at)
        session.add(period)
    await session.flush()
    return period.id


async def period_for(session: AsyncSession, entered_at: datetime, now: datetime) -> FallbackPeriod:
    """The period a call that entered the fallback then belongs to; a new one if none does."""
    query = (
        select(FallbackPeriod)
        .where(FallbackPeriod.started_at <= entered_at + SLACK)
        .order_by(FallbackPeriod.started_at.desc())
        .limit(1)
    )
    period = (await session.scalars(query)).first()
    if period is not None and entered_at <= period.ended_at + SLACK:
        return period
    period = FallbackPeriod(started_at=entered_at, ended_at=max(entered_at, now))
    session.add(period)
    await session.flush()
    return period


async def recent_periods(session: AsyncSession, limit: int = 20) -> list[FallbackPeriod]:
    query = select(FallbackPeriod).order_by(FallbackPeriod.started_at.desc()).limit(limit)
    return list((await session.scalars(query)).all())
