"""Half-hours of the hotline's own day: which one a moment falls in, and where each begins.

Every date and half-hour here is the hotline's wall clock (its zone from settings);
moments are timezone-aware and stored in UTC. A day has 48 half-hours, numbered
0 (00:00-00:30) to 47 (23:30-24:00). On a daylight-saving changeover day the
half-hours follow the wall clock: the repeated hour's calls share one half-hour,
the skipped hour's half-hours are empty. The hotline's own zone, Asia/Shanghai,
has no changeover.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SLOTS_PER_DAY = 48
SLOT = timedelta(minutes=30)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

SlotKey = tuple[date, int]  # (local date, half-hour index)


def slot_of(moment: datetime, zone: ZoneInfo) -> SlotKey:
    """The local date and half-hour holding ``moment``."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place on the hotline's clock")
    local = moment.astimezone(zone)
    return local.date(), local.hour * 2 + local.minute // 30


def slot_start(day: date, index: int, zone: ZoneInfo) -> datetime:
    """The UTC moment the local half-hour begins."""
    if not 0 <= index < SLOTS_PER_DAY:
        raise ValueError(f"a half-hour index lies in 0..47, got {index}")
    wall = datetime.combine(day, time(index // 2, 30 * (index % 2)), tzinfo=zone)
    return wall.astimezone(UTC)


def slot_label(index: int) -> str:
    """``"19:30"`` for index 39."""
    return f"{index // 2:02d}:{30 * (index % 2):02d}"


def days(first: date, count: int) -> Iterator[date]:
    for offset in range(count):
        yield first + timedelta(days=offset)


def day_slots(first: date, count: int) -> Iterator[SlotKey]:
    """Every half-hour of ``count`` local days from ``first``, in order."""
    for day in days(first, count):
        for index in range(SLOTS_PER_DAY):
            yield day, index
