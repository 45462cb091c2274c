"""Statistics rules: buckets in the hotline's local time and the figures folded from plain facts.

Pure: the shell fetches rows, this module groups and counts them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from callcenter.kernel.calendar import day_start, month_of

SERVICE_LEVEL_SECONDS = 20.0
UNKNOWN_REGION = "unknown"
UNCATEGORISED = "uncategorised"
TOTAL = "total"


class Grouping(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    REGION = "region"
    CATEGORY = "category"

    @property
    def is_time(self) -> bool:
        return self in (Grouping.DAY, Grouping.WEEK, Grouping.MONTH)


@dataclass(frozen=True)
class Bucket:
    key: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive


def span(first: date, last: date, zone: ZoneInfo) -> Bucket:
    """The whole period from the start of ``first`` to the end of ``last`` (local days)."""
    return Bucket(TOTAL, day_start(first, zone), day_start(last + timedelta(1), zone))


def _period_start(day: date, grouping: Grouping) -> date:
    if grouping is Grouping.WEEK:
        return day - timedelta(days=day.weekday())
    if grouping is Grouping.MONTH:
        return day.replace(day=1)
    return day


def _next_period(day: date, grouping: Grouping) -> date:
    if grouping is Grouping.WEEK:
        return day + timedelta(days=7)
    if grouping is Grouping.MONTH:
        return month_of(day)[1] + timedelta(days=1)
    return day + timedelta(days=1)


def _key(day: date, grouping: Grouping) -> str:
    if grouping is Grouping.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if grouping is Grouping.MONTH:
        return day.strftime("%Y-%m")
    return day.isoformat()


def time_buckets(first: date, last: date, grouping: Grouping, zone: ZoneInfo) -> list[Bucket]:
    """Consecutive local days, ISO weeks or months covering ``first``..``last``, clipped to them."""
    if not grouping.is_time:
        raise ValueError(f"{grouping} is not a time grouping")
    if last < first:
        raise ValueError("the period ends before it starts")
    buckets: list[Bucket] = []
    day = _period_start(first, grouping)
    while day <= last:
        following = _next_period(day, grouping)
        start, end = max(day, first), min(following, last + timedelta(1))
        buckets.append(Bucket(_key(day, grouping), day_start(start, zone), day_start(end, zone)))
        day = following
    return buckets


def bucket_of(at: datetime, buckets: Sequence[Bucket]) -> str | None:
    """The key of the bucket holding ``at``, or None outside all of them."""
    index = bisect.bisect_right([b.start for b in buckets], at) - 1
    if index >= 0 and at < buckets[index].end:
        return buckets[index].key
    return None


@dataclass(frozen=True)
class CallFact:
    arrived_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str
    queued_at: datetime | None = None  # the end of the IVR menu: waits count from here


@dataclass(frozen=True)
class CallbackFact:
    """A missed call: when the hotline first dialled back (if ever) and whether it got through."""

    missed_at: datetime
    called_back_at: datetime | None
    reached: bool = False
    call_id: str | None = None


@dataclass
class Figures:
    """Every figure the hotline reports for one bucket."""

    key: str
    calls_offered: int = 0
    calls_answered: int = 0
    calls_abandoned: int = 0
    answered_within_sl: int = 0
    wait_seconds_total: float = 0.0
    talk_seconds_total: float = 0.0
    talks_measured: int = 0
    missed_calls: int = 0
    callbacks_made: int = 0
    callbacks_reached: int = 0
    callback_delay_total: float = 0.0
    orders: int = 0
    counselling_cases: int = 0
    crisis_cases: int = 0
    people_helped: int = 0
    orders_by_category: dict[str, int] = field(default_factory=dict)
    orders_by_risk: dict[str, int] = field(default_factory=dict)
    referrals_sent: int = 0
    referrals_accepted: int = 0
    referrals_overdue: int = 0
    referrals_closed: int = 0
    # Day-ahead forecast against actual calls, over the half-hours compared (no campaigns).
    forecast_calls: float = 0.0
    forecast_actual_calls: int = 0
    forecast_abs_error: float = 0.0

    @property
    def forecast_wape(self) -> float | None:
        """Share of calls the forecast missed: Σ|forecast − actual| / Σ actual."""
        return _ratio(self.forecast_abs_error, self.forecast_actual_calls)

    @property
    def forecast_bias(self) -> float | None:
        """(Σ forecast − Σ actual) / Σ actual: above zero, the forecast expected too many."""
        return _ratio(self.forecast_calls - self.forecast_actual_calls, self.forecast_actual_calls)

    @property
    def answer_rate(self) -> float | None:
        return _ratio(self.calls_answered, self.calls_offered)

    @property
    def service_level(self) -> float | None:
        """Share of offered calls answered within 20 s."""
        return _ratio(self.answered_within_sl, self.calls_offered)

    @property
    def avg_wait_seconds(self) -> float | None:
        return _mean(self.wait_seconds_total, self.calls_answered)

    @property
    def avg_talk_seconds(self) -> float | None:
        return _mean(self.talk_seconds_total, self.talks_measured)

    @property
    def avg_callback_delay_seconds(self) -> float | None:
        """How long after the miss the first callback attempt was dialled."""
        return _mean(self.callback_delay_total, self.callbacks_made)


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(total: float, count: int) -> float | None:
    return round(total / count, 1) if count else None


def add_call(figures: Figures, call: CallFact) -> None:
    figures.calls_offered += 1
    if call.answered_at is not None:
        wait = (call.answered_at - (call.queued_at or call.arrived_at)).total_seconds()
        figures.calls_answered += 1
        figures.wait_seconds_total += wait
        if wait <= SERVICE_LEVEL_SECONDS:
            figures.answered_within_sl += 1
        if call.ended_at is not None:
            figures.talk_seconds_total += (call.ended_at - call.answered_at).total_seconds()
            figures.talks_measured += 1
    elif call.outcome not in ("waiting", "ringing", "connected"):
        figures.missed_calls += 1
        if call.outcome == "abandoned":
            figures.calls_abandoned += 1


class HalfHourForecast(Protocol):
    """One half-hour: the calls forecast a day ahead and the calls that came."""

    @property
    def start(self) -> datetime: ...
    @property
    def forecast(self) -> float: ...
    @property
    def actual(self) -> int: ...


def add_forecast(figures: Figures, fact: HalfHourForecast) -> None:
    figures.forecast_calls += fact.forecast
    figures.forecast_actual_calls += fact.actual
    figures.forecast_abs_error += abs(fact.forecast - fact.actual)


def add_callback(figures: Figures, callback: CallbackFact) -> None:
    if callback.called_back_at is not None:
        figures.callbacks_made += 1
        delay = (callback.called_back_at - callback.missed_at).total_seconds()
        figures.callback_delay_total += delay
    if callback.reached:
        figures.callbacks_reached += 1


def ordered(figures: Iterable[Figures], keys: Sequence[str] = ()) -> list[Figures]:
    """Rows in bucket order for time groupings (every bucket, even empty), else by key."""
    found = {row.key: row for row in figures}
    if keys:
        return [found.get(key) or Figures(key) for key in keys]
    return [found[key] for key in sorted(found)]
