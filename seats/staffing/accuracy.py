"""Forecast accuracy: what the forecast said for each past half-hour, against what came.

Each local day is forecast as the hotline would have forecast it that morning:
from the N weeks before it, with the same rule as the live forecast
(``weekday_profile``). Half-hours of a campaign, half-hours the system was not
recording and half-hours with no history to forecast from are left out and counted.

The figures: WAPE (Σ|forecast − actual| / Σ actual, the share of calls the forecast
missed; robust to the many quiet half-hours where a percentage error divides by
zero), bias ((Σ forecast − Σ actual) / Σ actual, + means over-forecast) and the mean
absolute error in calls per half-hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from seats.staffing.forecast import SlotCounts, weekday_profile
from seats.staffing.slots import SLOTS_PER_DAY, days, slot_start


@dataclass(frozen=True)
class SlotAccuracy:
    day: date
    index: int
    start: datetime  # UTC
    forecast: float
    actual: int


@dataclass(frozen=True)
class Accuracy:
    slots: tuple[SlotAccuracy, ...]
    left_out: int  # half-hours in the period with no fair comparison
    weeks: int

    @property
    def forecast_total(self) -> float:
        return sum(slot.forecast for slot in self.slots)

    @property
    def actual_total(self) -> int:
        return sum(slot.actual for slot in self.slots)

    @property
    def absolute_error(self) -> float:
        return sum(abs(slot.forecast - slot.actual) for slot in self.slots)

    @property
    def wape(self) -> float | None:
        return _ratio(self.absolute_error, self.actual_total)

    @property
    def bias(self) -> float | None:
        return _ratio(self.forecast_total - self.actual_total, self.actual_total)

    @property
    def mean_absolute_error(self) -> float | None:
        return _ratio(self.absolute_error, len(self.slots))

    def within(self, start: datetime, end: datetime) -> Accuracy:
        """The half-hours beginning in [start, end)."""
        inside = tuple(slot for slot in self.slots if start <= slot.start < end)
        return Accuracy(inside, 0, self.weeks)


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def backtest(counts: SlotCounts, first: date, last: date, weeks: int) -> Accuracy:
    """Day-ahead forecast against actual calls for every half-hour of ``first..last``."""
    compared: list[SlotAccuracy] = []
    left_out = 0
    for day in days(first, (last - first).days + 1):
        profile = weekday_profile(counts, day, weeks)
        for index in range(SLOTS_PER_DAY):
            expected = profile.get((day.weekday(), index))
            if expected is None or not counts.observed((day, index)):
                left_out += 1
                continue
            start = slot_start(day, index, counts.zone)
            compared.append(
                SlotAccuracy(day, index, start, expected, counts.offered.get((day, index), 0))
            )
    return Accuracy(tuple(compared), left_out, weeks)
