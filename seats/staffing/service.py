"""Staffing services for the routers, the CLI, the statistics and the demo.

Each reads what it needs through ``store``, hands plain facts to the pure cores
with the hotline's clock reading passed in, and returns their results.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.calendar import day_start, local_date
from seats.staffing import store
from seats.staffing.accuracy import Accuracy, SlotAccuracy, backtest
from seats.staffing.deps import CallHistory
from seats.staffing.erlang import ServiceTarget
from seats.staffing.forecast import (
    DEFAULT_WEEKS,
    HORIZON_DAYS,
    Forecast,
    count_slots,
    make_forecast,
    measure_handling,
)
from seats.staffing.rota import RotaProblem, needs_by_shift


@dataclass(frozen=True)
class StaffingConfig:
    """The hotline's zone and promise, and how much history the forecast reads."""

    zone: ZoneInfo
    default_wrapup: float = 60.0  # until the seat history shows real wrap-ups
    weeks: int = DEFAULT_WEEKS
    max_seats: int = 20
    target: ServiceTarget = field(default_factory=ServiceTarget)

    @classmethod
    def from_settings(cls, settings: object) -> StaffingConfig:
        return cls(
            zone=settings.zone,  # type: ignore[attr-defined]
            default_wrapup=settings.wrapup_seconds,  # type: ignore[attr-defined]
            max_seats=len(settings.seat_extensions),  # type: ignore[attr-defined]
        )

    def midnight(self, day: date) -> datetime:
        return day_start(day, self.zone)


async def forecast(
    session: AsyncSession,
    config: StaffingConfig,
    history: CallHistory,
    now: datetime,
    *,
    first: date | None = None,
    days: int = HORIZON_DAYS,
) -> Forecast:
    """Seats per half-hour for ``days`` days from ``first`` (default today), as made at ``now``."""
    today = local_date(now, config.zone)
    since = config.midnight(today - timedelta(weeks=config.weeks))
    calls, began = await history(session, since, now)
    wrapups = await store.wrapup_seconds(session, since, now)
    counts = count_slots(calls, config.zone, began or now, now)
    handling = measure_handling(calls, wrapups, config.default_wrapup)
    return make_forecast(
        counts,
        handling,
        first=first or today,
        days=days,
        as_of=today,
        weeks=config.weeks,
        target=config.target,
    )


async def accuracy(
    session: AsyncSession,
    config: StaffingConfig,
    history: CallHistory,
    first: date,
    last: date,
    now: datetime,
) -> Accuracy:
    """Each half-hour of ``first..last`` forecast a day ahead, against the calls that came."""
    since = config.midnight(first - timedelta(weeks=config.weeks))
    until = min(now, config.midnight(last + timedelta(days=1)))
    calls, began = await history(session, since, until)
    counts = count_slots(calls, config.zone, began or until, until)
    return backtest(counts, first, last, config.weeks)


async def rota_problem(
    session: AsyncSession,
    config: StaffingConfig,
    history: CallHistory,
    now: datetime,
    first: date,
    days: int,
) -> RotaProblem:
    """The forecast's seats for the period and every counsellor who stated availability."""
    ahead = await forecast(session, config, history, now, first=first, days=days)
    seats = {(slot.day, slot.index): slot.seats for slot in ahead.slots}
    return RotaProblem(
        first,
        days,
        tuple(await store.counsellors(session)),
        needs_by_shift(seats, first, days),
        max_seats=config.max_seats,
    )


def forecast_source(
    config: StaffingConfig, history: CallHistory, now: datetime
) -> Callable[[AsyncSession, date, date], Awaitable[Sequence[SlotAccuracy]]]:
    """For the statistics: each half-hour's day-ahead forecast and actual calls."""

    async def half_hours(session: AsyncSession, first: date, last: date) -> Sequence[SlotAccuracy]:
        return (await accuracy(session, config, history, first, last, now)).slots

    return half_hours
