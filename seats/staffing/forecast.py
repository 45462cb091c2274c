"""The forecast: calls offered per half-hour and the seats each half-hour needs.

Pure: the shell hands in the call history (plain facts) and the moment of the
forecast. Calls offered are counted per local half-hour; the forecast for a
weekday's half-hour is the mean of the same weekday's half-hour over the last N
weeks, skipping half-hours the system was not yet recording and half-hours of a
campaign (a surge: the call carries the campaign's name), so a flood week does
not inflate the normal plan. The seats come from Erlang A with the measured
handle time (talk plus wrap-up) and the callers' measured patience.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from seats.staffing.erlang import Queue, ServiceTarget, seats_needed
from seats.staffing.slots import SLOT, SLOTS_PER_DAY, SlotKey, day_slots, slot_of, slot_start

DEFAULT_WEEKS = 6
HORIZON_DAYS = 14
# Used until the history holds an answered call: a counselling call's typical length.
DEFAULT_TALK_SECONDS = 600.0
ABANDONED = "abandoned"


@dataclass(frozen=True)
class CallFact:
    """One inbound call of the history, as recorded."""

    arrived_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: str = "answered"
    campaign: str | None = None


@dataclass(frozen=True)
class SlotCounts:
    """Calls offered per local half-hour, and which half-hours count as observations."""

    offered: Mapping[SlotKey, int]
    campaign: frozenset[SlotKey]
    first_observed: SlotKey  # the first complete half-hour the system recorded
    end_observed: SlotKey  # the half-hour under way (not complete, so not observed)
    zone: ZoneInfo

    def observed(self, key: SlotKey) -> bool:
        """A complete half-hour the system recorded, outside any campaign."""
        return self.first_observed <= key < self.end_observed and key not in self.campaign


def count_slots(
    calls: Iterable[CallFact], zone: ZoneInfo, observed_from: datetime, observed_to: datetime
) -> SlotCounts:
    """Count calls per half-hour; only half-hours wholly inside the recording window count."""
    offered: Counter[SlotKey] = Counter()
    campaign: set[SlotKey] = set()
    for call in calls:
        key = slot_of(call.arrived_at, zone)
        offered[key] += 1
        if call.campaign:
            campaign.add(key)
    first = slot_of(observed_from, zone)
    if slot_start(*first, zone) < observed_from:  # recording began inside that half-hour
        first = slot_of(slot_start(*first, zone) + SLOT, zone)
    return SlotCounts(dict(offered), frozenset(campaign), first, slot_of(observed_to, zone), zone)


@dataclass(frozen=True)
class Handling:
    """How long a call keeps a seat, and how long callers wait before hanging up."""

    talk_seconds: float
    wrapup_seconds: float
    patience_seconds: float | None  # None: nobody abandoned, so staff as for Erlang C
    answered: int = 0
    abandoned: int = 0

    @property
    def handle_seconds(self) -> float:
        return self.talk_seconds + self.wrapup_seconds


def measure_handling(
    calls: Iterable[CallFact], wrapups: Sequence[float], default_wrapup: float
) -> Handling:
    """Mean talk and wrap-up, and the callers' mean patience, outside campaigns.

    Patience is the censored-exponential estimate: every caller's wait (answered
    callers' waits are lower bounds on their patience) over the number who gave
    up. Counting only the abandoners' waits would make callers look less patient
    than they are.
    """
    talks: list[float] = []
    waited, abandoned = 0.0, 0
    for call in calls:
        if call.campaign:
            continue
        if call.answered_at is not None:
            waited += max(0.0, (call.answered_at - call.arrived_at).total_seconds())
            if call.ended_at is not None:
                talks.append(max(0.0, (call.ended_at - call.answered_at).total_seconds()))
        elif call.outcome == ABANDONED and call.ended_at is not None:
            waited += max(0.0, (call.ended_at - call.arrived_at).total_seconds())
            abandoned += 1
    talk = statistics.fmean(talks) if talks else DEFAULT_TALK_SECONDS
    wrapup = statistics.fmean(wrapups) if wrapups else default_wrapup
    patience = waited / abandoned if abandoned and waited > 0 else None
    return Handling(max(talk, 1.0), max(wrapup, 0.0), patience, len(talks), abandoned)


Profile = dict[tuple[int, int], float]  # (weekday, half-hour) → mean calls offered


def weekday_profile(counts: SlotCounts, as_of: date, weeks: int) -> Profile:
    """Mean calls per weekday half-hour over the ``weeks`` weeks before local day ``as_of``.

    A weekday half-hour never observed (a campaign every week, or too little history)
    takes the mean of that half-hour over the other days; with nothing at all it is
    left out and forecast as zero.
    """
    if weeks < 1:
        raise ValueError("a forecast needs at least one week of history")
    samples: dict[tuple[int, int], list[int]] = {}
    for key in day_slots(as_of - timedelta(weeks=weeks), 7 * weeks):
        if counts.observed(key):
            day, index = key
            samples.setdefault((day.weekday(), index), []).append(counts.offered.get(key, 0))
    profile: Profile = {cell: statistics.fmean(values) for cell, values in samples.items()}
    for index in range(SLOTS_PER_DAY):
        same_time = [v for (_, i), values in samples.items() if i == index for v in values]
        for weekday in range(7):
            if (weekday, index) not in profile and same_time:
                profile[weekday, index] = statistics.fmean(same_time)
    return profile


@dataclass(frozen=True)
class SlotForecast:
    day: date
    index: int
    start: datetime  # UTC
    offered: float  # expected calls in the half-hour
    seats: int  # seats the half-hour needs for the service target


@dataclass(frozen=True)
class Forecast:
    slots: tuple[SlotForecast, ...]
    handling: Handling
    target: ServiceTarget
    weeks: int
    as_of: date
    observed_slots: int  # half-hours of history the profile rests on
    campaign_slots: int  # half-hours left out as campaign periods

    def slot(self, key: SlotKey) -> SlotForecast | None:
        """The forecast for one local half-hour, if the forecast covers it."""
        day, index = key
        position = (day - self.slots[0].day).days * SLOTS_PER_DAY + index if self.slots else -1
        return self.slots[position] if 0 <= position < len(self.slots) else None


def staffing(offered: float, handling: Handling, target: ServiceTarget) -> int:
    queue = Queue(
        offered / SLOT.total_seconds(), handling.handle_seconds, handling.patience_seconds
    )
    return seats_needed(queue, target)


def make_forecast(
    counts: SlotCounts,
    handling: Handling,
    *,
    first: date,
    days: int = HORIZON_DAYS,
    as_of: date,
    weeks: int = DEFAULT_WEEKS,
    target: ServiceTarget | None = None,
) -> Forecast:
    """Calls and seats per half-hour for ``days`` local days from ``first``."""
    target = target or ServiceTarget()
    profile = weekday_profile(counts, as_of, weeks)
    seats: dict[float, int] = {}  # many half-hours share a mean; staff each value once
    slots: list[SlotForecast] = []
    for day, index in day_slots(first, days):
        offered = profile.get((day.weekday(), index), 0.0)
        if offered not in seats:
            seats[offered] = staffing(offered, handling, target)
        slots.append(
            SlotForecast(day, index, slot_start(day, index, counts.zone), offered, seats[offered])
        )
    window = list(day_slots(as_of - timedelta(weeks=weeks), 7 * weeks))
    return Forecast(
        tuple(slots),
        handling,
        target,
        weeks,
        as_of,
        observed_slots=sum(1 for key in window if counts.observed(key)),
        campaign_slots=sum(1 for key in window if key in counts.campaign),
    )


def forecast_at(
    now: datetime,
    calls: Sequence[CallFact],
    wrapups: Sequence[float],
    *,
    zone: ZoneInfo,
    observed_from: datetime,
    default_wrapup: float,
    weeks: int = DEFAULT_WEEKS,
    days: int = HORIZON_DAYS,
    target: ServiceTarget | None = None,
) -> Forecast:
    """The forecast as made at ``now``: from today's local midnight for ``days`` days."""
    today = now.astimezone(zone).date()
    counts = count_slots(calls, zone, observed_from, now)
    handling = measure_handling(calls, wrapups, default_wrapup)
    return make_forecast(
        counts, handling, first=today, days=days, as_of=today, weeks=weeks, target=target
    )
