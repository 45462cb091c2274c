"""Forecast accuracy in the statistics: the staffing forecast's half-hours, kept for the reply.

The forecast belongs to seats/staffing; this module asks its public service for the
half-hours of the period (``forecast_source``), remembers them for the detail, and
shapes the figures the way /api/stats and the monthly report show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from acd.records import call_history
from seats.staffing.service import StaffingConfig, forecast_source
from workorders.stats.core import Figures, HalfHourForecast

METHOD = (
    "each local day forecast from the same weekday's half-hours of the weeks before it "
    "(campaign half-hours left out); WAPE = Σ|forecast − actual| / Σ actual"
)
DETAIL_DAYS = 31  # half-hour detail for a month at most; longer periods get the totals


class Captured:
    """A forecast source that also keeps what it returned."""

    def __init__(self, config: StaffingConfig, now: datetime) -> None:
        self._source = forecast_source(config, call_history, now)
        self.half_hours: list[HalfHourForecast] = []
        self.days = 0

    @classmethod
    def for_runtime(cls, settings: Any, now: datetime) -> Captured:
        return cls(StaffingConfig.from_settings(settings), now)

    async def __call__(
        self, session: AsyncSession, first: date, last: date
    ) -> Sequence[HalfHourForecast]:
        found = await self._source(session, first, last)
        self.half_hours = list(found)
        self.days = (last - first).days + 1
        return found


def accuracy_out(captured: Captured, total: Figures, zone: ZoneInfo) -> dict[str, Any]:
    detail = captured.days <= DETAIL_DAYS
    return {
        "method": METHOD,
        "half_hours_compared": len(captured.half_hours),
        "forecast_calls": round(total.forecast_calls, 1),
        "actual_calls": total.forecast_actual_calls,
        "wape": total.forecast_wape,
        "bias": total.forecast_bias,
        "half_hours": [half_hour_out(h, zone) for h in captured.half_hours] if detail else None,
    }


def half_hour_out(half_hour: HalfHourForecast, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "start": half_hour.start.astimezone(zone).isoformat(),
        "forecast": round(half_hour.forecast, 2),
        "actual": half_hour.actual,
    }
