"""The wallboard's look ahead: seats needed, rostered and logged in, hour by hour, and the gaps.

Pure, with ``now`` passed in. The hours run from the current local hour to the
end of tomorrow. An hour needs the most seats either of its half-hours needs,
and has the fewest counsellors its shifts roster; consecutive hours of one day
short by the same numbers become one flag, raised before they begin:
"19:00–21:00: need 9, 7 rostered".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from seats.staffing.forecast import Forecast
from seats.staffing.rota import Shift

HOURS_PER_DAY = 24


@dataclass(frozen=True)
class HourOutlook:
    day: date
    hour: int
    start: datetime  # UTC
    needed: int
    rostered: int | None  # None: no published rota covers this hour
    logged_in: int | None  # only for the hour under way

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00"

    @property
    def short(self) -> bool:
        return self.rostered is not None and self.rostered < self.needed


@dataclass(frozen=True)
class GapFlag:
    day: date
    first_hour: int
    end_hour: int  # exclusive
    needed: int  # seats each hour of the stretch needs
    rostered: int  # counsellors rostered for it

    @property
    def text(self) -> str:
        return (
            f"{self.first_hour:02d}:00–{self.end_hour:02d}:00: "
            f"need {self.needed}, {self.rostered} rostered"
        )


def hours_ahead(
    forecast: Forecast,
    rostered: Mapping[Shift, int],
    *,
    now: datetime,
    zone: ZoneInfo,
    logged_in: int | None,
) -> list[HourOutlook]:
    """The current hour through the end of tomorrow (hotline time)."""
    local = now.astimezone(zone)
    today = local.date()
    hours: list[HourOutlook] = []
    for day in (today, today + timedelta(days=1)):
        first = local.hour if day == today else 0
        for hour in range(first, HOURS_PER_DAY):
            halves = [forecast.slot((day, 2 * hour + half)) for half in (0, 1)]
            needed = max((slot.seats for slot in halves if slot is not None), default=0)
            start = halves[0].start if halves[0] is not None else None
            if start is None:
                continue  # outside the forecast's days
            kind = Shift.holding(2 * hour)
            hours.append(
                HourOutlook(
                    day,
                    hour,
                    start,
                    needed,
                    rostered.get(Shift(day, kind)),
                    logged_in if (day, hour) == (today, local.hour) else None,
                )
            )
    return hours


def gap_flags(hours: list[HourOutlook]) -> list[GapFlag]:
    """Runs of consecutive hours of one day short by the same numbers, in time order."""
    flags: list[GapFlag] = []
    for hour in hours:
        if not hour.short:
            continue
        assert hour.rostered is not None
        last = flags[-1] if flags else None
        if (
            last is not None
            and (last.day, last.end_hour) == (hour.day, hour.hour)
            and (last.needed, last.rostered) == (hour.needed, hour.rostered)
        ):
            flags[-1] = GapFlag(
                last.day, last.first_hour, hour.hour + 1, hour.needed, hour.rostered
            )
        else:
            flags.append(GapFlag(hour.day, hour.hour, hour.hour + 1, hour.needed, hour.rostered))
    return flags
