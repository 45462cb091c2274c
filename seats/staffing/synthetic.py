"""Synthetic call history with known rates: for tests, the rota benchmark and the demo.

Arrivals are a Poisson process per local half-hour at a given mean; each caller
is answered after an exponential wait unless their exponential patience runs out
first, then talks for an exponential time. Seeded, so the same arguments give the
same calls. ``HOTLINE_DAY`` is a youth hotline's day: quiet before dawn, busy after
school and into the evening, a little busier at weekends.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from seats.staffing.forecast import CallFact
from seats.staffing.rota import SHIFT_ORDER, Counsellor, ShiftKind
from seats.staffing.slots import SLOT, SLOTS_PER_DAY, day_slots, slot_start

# Calls relative to the day's mean, hour by hour from 00:00.
HOTLINE_DAY = (
    0.5, 0.35, 0.25, 0.2, 0.2, 0.25, 0.4, 0.6, 0.9, 1.0, 1.0, 0.9,
    0.8, 0.9, 1.0, 1.0, 1.1, 1.2, 1.4, 1.7, 1.8, 1.7, 1.4, 0.9,
)  # fmt: skip
WEEKEND = 1.15

Rates = Mapping[tuple[int, int], float]  # (weekday, half-hour) → mean calls


def hotline_rates(per_half_hour: float) -> dict[tuple[int, int], float]:
    """Mean calls per weekday half-hour for a hotline averaging ``per_half_hour`` on weekdays."""
    return {
        (weekday, index): per_half_hour
        * HOTLINE_DAY[index // 2]
        * (WEEKEND if weekday >= 5 else 1.0)
        for weekday in range(7)
        for index in range(SLOTS_PER_DAY)
    }


@dataclass(frozen=True)
class Callers:
    """How long callers wait, talk and hold on, in seconds (means of exponentials)."""

    wait: float = 15.0
    talk: float = 600.0
    patience: float = 120.0


@dataclass(frozen=True)
class Campaign:
    """A surge: from ``first`` to ``last`` (local days) calls come ``factor`` times as often."""

    name: str
    first: date
    last: date
    factor: float = 3.0


def synthetic_calls(
    rates: Rates,
    first: date,
    days: int,
    zone: ZoneInfo,
    *,
    seed: int = 12355,
    callers: Callers | None = None,
    campaigns: tuple[Campaign, ...] = (),
) -> Iterator[CallFact]:
    callers = callers or Callers()
    rng = random.Random(seed)
    for day, index in day_slots(first, days):
        rate = rates.get((day.weekday(), index), 0.0)
        campaign = next((c for c in campaigns if c.first <= day <= c.last), None)
        if campaign is not None:
            rate *= campaign.factor
        if rate <= 0:
            continue
        start = slot_start(day, index, zone)
        offset = rng.expovariate(rate / SLOT.total_seconds())
        while offset < SLOT.total_seconds():
            arrived = start + timedelta(seconds=offset)
            wait, patience = (
                rng.expovariate(1 / callers.wait),
                rng.expovariate(1 / callers.patience),
            )
            name = campaign.name if campaign else None
            if patience < wait:
                ended = arrived + timedelta(seconds=patience)
                yield CallFact(arrived, None, ended, "abandoned", name)
            else:
                answered = arrived + timedelta(seconds=wait)
                ended = answered + timedelta(seconds=rng.expovariate(1 / callers.talk))
                yield CallFact(arrived, answered, ended, "answered", name)
            offset += rng.expovariate(rate / SLOT.total_seconds())


def synthetic_roster(count: int = 90, *, staff: int = 20, seed: int = 12355) -> list[Counsellor]:
    """A hotline's counsellors: ``staff`` employees and the rest volunteers.

    Employees give three shifts a week, most of them crisis-qualified, available on
    about half the shifts; volunteers give one or two, mostly evenings and weekends,
    rarely nights, and fewer are crisis-qualified.
    """
    rng = random.Random(seed)
    people: list[Counsellor] = []
    for n in range(count):
        employee = n < staff
        likes = EMPLOYEE_LIKES if employee else VOLUNTEER_LIKES
        available = frozenset(
            (weekday, kind)
            for weekday in range(7)
            for kind in SHIFT_ORDER
            if rng.random() < likes[kind] * (1.6 if weekday >= 5 and not employee else 1.0)
        )
        people.append(
            Counsellor(
                agent_id=f"{'s' if employee else 'v'}{n + 1:03d}",
                name=f"{'Staff' if employee else 'Volunteer'} {n + 1}",
                crisis=rng.random() < (0.6 if employee else 0.15),
                max_hours_week=24 if employee else rng.choice((8, 8, 8, 16)),
                max_nights_week=rng.choice((1, 2, 2, 3) if employee else (0, 0, 1, 1, 2)),
                available=available,
            )
        )
    return people


EMPLOYEE_LIKES = {ShiftKind.NIGHT: 0.5, ShiftKind.DAY: 0.5, ShiftKind.EVENING: 0.5}
VOLUNTEER_LIKES = {ShiftKind.NIGHT: 0.08, ShiftKind.DAY: 0.15, ShiftKind.EVENING: 0.3}
