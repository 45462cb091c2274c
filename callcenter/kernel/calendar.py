"""The hotline's calendar: which local day, week or month an instant belongs to.

The server owns the calendar. "Today" is the hotline's today (its zone from
settings, its clock passed in), never the machine's or a browser's, so a
wallboard on a kiosk left on UTC and a report run at 00:30 both mean the
hotline's day. Pure functions; every instant in and out is timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Period(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    THIS_WEEK = "this_week"  # Monday to Sunday, as the hotline's reports count weeks
    THIS_MONTH = "this_month"


@dataclass(frozen=True)
class Span:
    """Local days ``first``..``last`` (both included) and the instants they cover."""

    first: date
    last: date
    starts_at: datetime  # UTC, inclusive
    ends_at: datetime  # UTC, exclusive


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime given; pass timezone-aware time")
    return at


def local_date(at: datetime, zone: ZoneInfo) -> date:
    """The hotline's calendar day of the instant ``at``."""
    return _aware(at).astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The instant (UTC) the hotline's local ``day`` begins."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def days_span(first: date, last: date, zone: ZoneInfo) -> Span:
    if last < first:
        raise ValueError("the period ends before it starts")
    return Span(first, last, day_start(first, zone), day_start(last + timedelta(days=1), zone))


def month_of(day: date) -> tuple[date, date]:
    """The first and last day of ``day``'s month."""
    first = day.replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def period_span(period: Period, now: datetime, zone: ZoneInfo) -> Span:
    """The hotline's today, yesterday, this week or this month, as of ``now``."""
    today = local_date(now, zone)
    if period is Period.TODAY:
        return days_span(today, today, zone)
    if period is Period.YESTERDAY:
        yesterday = today - timedelta(days=1)
        return days_span(yesterday, yesterday, zone)
    if period is Period.THIS_WEEK:
        monday = today - timedelta(days=today.weekday())
        return days_span(monday, monday + timedelta(days=6), zone)
    return days_span(*month_of(today), zone)


def utc_offset(at: datetime, zone: ZoneInfo) -> str:
    """``+08:00``: the zone's offset at that instant, as ISO 8601 writes it."""
    offset = _aware(at).astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def local_iso(at: datetime, zone: ZoneInfo) -> str:
    """The instant in the hotline's local time with its offset: ``2026-11-30T08:15:00+08:00``.

    What exports and reports write, so a spreadsheet never has to guess the zone.
    """
    return _aware(at).astimezone(zone).isoformat(timespec="seconds")
