"""The rota's rules: shifts, counsellors' availability and limits, and what a rota must respect.

Pure. A day has three 8-hour shifts on the hotline's clock (night 00-08, day 08-16,
evening 16-24). The hard rules, checked for every rota before it is published:

* AVAILABLE       a counsellor works only shifts they said they can work;
* CRISIS_COVER    every shift has at least one crisis-qualified counsellor;
* WEEKLY_HOURS    nobody works more hours in a week than their limit;
* WEEKLY_NIGHTS   nobody works more night shifts in a week than their limit;
* ONE_SHIFT_A_DAY at most one shift per counsellor per day;
* REST            never two shifts back to back (an evening then the next night);
* SEATS           never more counsellors on a shift than the hotline has seats.

Weeks are the 7-day blocks from the rota's first day. Soft goals (the solver's
objective, reported by ``summarise``): the fewest open seat half-hours against the
forecast, then night shifts spread as evenly as the limits allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import pairwise

from seats.staffing.slots import WEEKDAYS, SlotKey, days


class ShiftKind(StrEnum):
    NIGHT = "night"
    DAY = "day"
    EVENING = "evening"

    @property
    def first_slot(self) -> int:
        return SHIFT_ORDER.index(self) * SLOTS_PER_SHIFT

    @property
    def hours(self) -> str:
        start = SHIFT_ORDER.index(self) * SHIFT_HOURS
        return f"{start:02d}:00-{start + SHIFT_HOURS:02d}:00"


SHIFT_ORDER = (ShiftKind.NIGHT, ShiftKind.DAY, ShiftKind.EVENING)
SHIFT_HOURS = 8
SLOTS_PER_SHIFT = 2 * SHIFT_HOURS
WEEK = 7


@dataclass(frozen=True)
class Shift:
    day: date
    kind: ShiftKind

    @property
    def position(self) -> int:
        """Shifts in time order: consecutive positions are back-to-back shifts."""
        return self.day.toordinal() * len(SHIFT_ORDER) + SHIFT_ORDER.index(self.kind)

    @property
    def slots(self) -> list[SlotKey]:
        return [(self.day, self.kind.first_slot + i) for i in range(SLOTS_PER_SHIFT)]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {WEEKDAYS[self.day.weekday()]} {self.kind.value}"

    @staticmethod
    def all_of(day: date) -> list[Shift]:
        return [Shift(day, kind) for kind in SHIFT_ORDER]

    @staticmethod
    def holding(index: int) -> ShiftKind:
        """The shift a half-hour of the day belongs to."""
        return SHIFT_ORDER[index // SLOTS_PER_SHIFT]


def parse_shift(text: str) -> tuple[int, ShiftKind]:
    """``"mon:night"`` → (0, NIGHT): a weekly availability entry."""
    weekday, _, kind = text.partition(":")
    if weekday not in WEEKDAYS:
        raise ValueError(f"unknown weekday {weekday!r} in {text!r}; use one of {WEEKDAYS}")
    try:
        return WEEKDAYS.index(weekday), ShiftKind(kind)
    except ValueError:
        raise ValueError(f"unknown shift {kind!r} in {text!r}; use night, day or evening") from None


def format_shift(weekday: int, kind: ShiftKind) -> str:
    return f"{WEEKDAYS[weekday]}:{kind.value}"


@dataclass(frozen=True)
class Counsellor:
    agent_id: str
    name: str
    crisis: bool
    max_hours_week: int
    max_nights_week: int
    available: frozenset[tuple[int, ShiftKind]]  # (weekday, shift) they can work every week

    def can_work(self, shift: Shift) -> bool:
        return (shift.day.weekday(), shift.kind) in self.available and self.max_hours_week >= (
            SHIFT_HOURS
        )


@dataclass(frozen=True)
class RotaProblem:
    first_day: date
    days: int
    counsellors: tuple[Counsellor, ...]
    need: Mapping[Shift, tuple[int, ...]]  # seats needed in each half-hour of the shift
    max_seats: int = 20

    @property
    def shifts(self) -> list[Shift]:
        return [shift for day in days(self.first_day, self.days) for shift in Shift.all_of(day)]

    def week_of(self, shift: Shift) -> int:
        return (shift.day - self.first_day).days // WEEK

    def peak(self, shift: Shift) -> int:
        return max(self.need.get(shift, (0,)), default=0)


Assignment = Mapping[Shift, frozenset[str]]


class HardRule(StrEnum):
    AVAILABLE = "available"
    CRISIS_COVER = "crisis_cover"
    WEEKLY_HOURS = "weekly_hours"
    WEEKLY_NIGHTS = "weekly_nights"
    ONE_SHIFT_A_DAY = "one_shift_a_day"
    REST = "rest"
    SEATS = "seats"

    @property
    def text(self) -> str:
        return RULE_TEXT[self]


RULE_TEXT = {
    HardRule.AVAILABLE: "counsellors work only shifts they are available for",
    HardRule.CRISIS_COVER: "at least one crisis-qualified counsellor on every shift",
    HardRule.WEEKLY_HOURS: "nobody over their weekly hours",
    HardRule.WEEKLY_NIGHTS: "nobody over their weekly night shifts",
    HardRule.ONE_SHIFT_A_DAY: "at most one shift a day each",
    HardRule.REST: "no back-to-back shifts",
    HardRule.SEATS: "no more counsellors on a shift than seats",
}


@dataclass(frozen=True)
class Breach:
    rule: HardRule
    message: str
    shift: Shift | None = None
    agent: str | None = None


def breaches(problem: RotaProblem, assignment: Assignment) -> list[Breach]:
    """Every hard rule the rota breaks (empty for a rota that may be published)."""
    people = {c.agent_id: c for c in problem.counsellors}
    found: list[Breach] = []
    worked: dict[str, list[Shift]] = {}
    for shift in problem.shifts:
        names = assignment.get(shift, frozenset())
        for agent in sorted(names):
            counsellor = people.get(agent)
            if counsellor is None or not counsellor.can_work(shift):
                found.append(
                    Breach(
                        HardRule.AVAILABLE, f"{agent} is not available for {shift}", shift, agent
                    )
                )
            worked.setdefault(agent, []).append(shift)
        if not any(people[a].crisis for a in names if a in people):
            found.append(
                Breach(HardRule.CRISIS_COVER, f"no crisis-qualified counsellor on {shift}", shift)
            )
        if len(names) > problem.max_seats:
            found.append(
                Breach(
                    HardRule.SEATS,
                    f"{len(names)} counsellors for {problem.max_seats} seats on {shift}",
                    shift,
                )
            )
    for agent, shifts in worked.items():
        if agent in people:
            found.extend(_personal_breaches(problem, people[agent], shifts))
    return found


def _personal_breaches(problem: RotaProblem, who: Counsellor, shifts: list[Shift]) -> list[Breach]:
    found: list[Breach] = []
    for week in {problem.week_of(s) for s in shifts}:
        mine = [s for s in shifts if problem.week_of(s) == week]
        hours = SHIFT_HOURS * len(mine)
        if hours > who.max_hours_week:
            found.append(
                Breach(
                    HardRule.WEEKLY_HOURS,
                    f"{who.agent_id}: {hours} h in week {week + 1}, limit {who.max_hours_week} h",
                    agent=who.agent_id,
                )
            )
        nights = sum(1 for s in mine if s.kind is ShiftKind.NIGHT)
        if nights > who.max_nights_week:
            found.append(
                Breach(
                    HardRule.WEEKLY_NIGHTS,
                    f"{who.agent_id}: {nights} nights in week {week + 1}, "
                    f"limit {who.max_nights_week}",
                    agent=who.agent_id,
                )
            )
    ordered = sorted(shifts, key=lambda s: s.position)
    for before, after in pairwise(ordered):
        if before.day == after.day:
            found.append(
                Breach(
                    HardRule.ONE_SHIFT_A_DAY,
                    f"{who.agent_id}: two shifts on {after.day}",
                    after,
                    who.agent_id,
                )
            )
        elif after.position - before.position == 1:
            found.append(
                Breach(
                    HardRule.REST,
                    f"{who.agent_id}: {before} then {after} back to back",
                    after,
                    who.agent_id,
                )
            )
    return found


def uncoverable(problem: RotaProblem) -> list[Breach]:
    """Shifts no crisis-qualified counsellor can take at all: infeasible before solving."""
    return [
        Breach(
            HardRule.CRISIS_COVER, f"no crisis-qualified counsellor is available for {shift}", shift
        )
        for shift in problem.shifts
        if not any(c.crisis and c.can_work(shift) for c in problem.counsellors)
    ]


def shortfall(problem: RotaProblem, shift: Shift, staff: int) -> int:
    """Seat half-hours the shift leaves open against the forecast."""
    return sum(max(0, need - staff) for need in problem.need.get(shift, ()))


@dataclass(frozen=True)
class RotaSummary:
    shifts: int
    assignments: int
    open_seat_half_hours: int  # Σ over half-hours of (seats needed − counsellors rostered)+
    short_shifts: list[str]  # "2026-11-02 mon evening: need 9, 7 rostered"
    nights: dict[str, int] = field(default_factory=dict)  # per counsellor who can work nights
    hours: dict[str, int] = field(default_factory=dict)  # per counsellor, whole rota

    @property
    def night_spread(self) -> tuple[int, int]:
        values = list(self.nights.values())
        return (min(values), max(values)) if values else (0, 0)

    @property
    def hours_spread(self) -> tuple[int, int]:
        values = list(self.hours.values())
        return (min(values), max(values)) if values else (0, 0)


def summarise(problem: RotaProblem, assignment: Assignment) -> RotaSummary:
    short: list[str] = []
    total_open = 0
    for shift in problem.shifts:
        staff = len(assignment.get(shift, ()))
        missing = shortfall(problem, shift, staff)
        total_open += missing
        if missing:
            short.append(f"{shift}: need {problem.peak(shift)}, {staff} rostered")
    hours = {c.agent_id: 0 for c in problem.counsellors}
    night_workers = [c.agent_id for c in problem.counsellors if _works_nights(c)]
    nights = dict.fromkeys(night_workers, 0)
    for shift, names in assignment.items():
        for agent in names:
            hours[agent] = hours.get(agent, 0) + SHIFT_HOURS
            if shift.kind is ShiftKind.NIGHT and agent in nights:
                nights[agent] += 1
    return RotaSummary(
        shifts=len(problem.shifts),
        assignments=sum(len(names) for names in assignment.values()),
        open_seat_half_hours=total_open,
        short_shifts=short,
        nights=nights,
        hours=hours,
    )


def _works_nights(counsellor: Counsellor) -> bool:
    return counsellor.max_nights_week > 0 and any(
        kind is ShiftKind.NIGHT for _, kind in counsellor.available
    )


def by_shift(rows: Iterable[tuple[date, str, str]]) -> dict[Shift, frozenset[str]]:
    """(day, shift kind, agent) rows → the assignment."""
    grouped: dict[Shift, set[str]] = {}
    for day, kind, agent in rows:
        grouped.setdefault(Shift(day, ShiftKind(kind)), set()).add(agent)
    return {shift: frozenset(names) for shift, names in grouped.items()}


def needs_by_shift(
    seats: Mapping[SlotKey, int], first: date, count: int
) -> dict[Shift, tuple[int, ...]]:
    """Seats needed per half-hour (from the forecast) grouped into each shift of the period."""
    return {
        Shift(day, kind): tuple(seats.get(key, 0) for key in Shift(day, kind).slots)
        for day in days(first, count)
        for kind in SHIFT_ORDER
    }
