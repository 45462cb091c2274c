"""API shapes for staffing: availability in, rotas and forecasts out."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from seats.staffing.forecast import Forecast
from seats.staffing.rota import Assignment, RotaProblem, RotaSummary, Shift, shortfall
from seats.staffing.slots import slot_label

SHIFT_ENTRY = r"^(mon|tue|wed|thu|fri|sat|sun):(night|day|evening)$"


class AvailabilityIn(BaseModel):
    shifts: list[str] = Field(
        default_factory=list, max_length=21, examples=[["mon:evening", "sat:day"]]
    )
    max_hours_week: int = Field(ge=0, le=60, examples=[16])
    max_nights_week: int = Field(ge=0, le=7, examples=[1])

    def bad_entries(self) -> list[str]:
        import re

        return [entry for entry in self.shifts if not re.match(SHIFT_ENTRY, entry)]


class RotaIn(BaseModel):
    first_day: date
    days: int = Field(default=7, ge=1, le=28)


def forecast_out(forecast: Forecast, zone: ZoneInfo) -> dict[str, Any]:
    handling = forecast.handling
    by_day: dict[date, list[Any]] = {}
    for slot in forecast.slots:
        by_day.setdefault(slot.day, []).append(slot)
    return {
        "as_of": forecast.as_of.isoformat(),
        "weeks": forecast.weeks,
        "observed_half_hours": forecast.observed_slots,
        "campaign_half_hours_left_out": forecast.campaign_slots,
        "model": "Erlang A (callers abandon; exponential patience)"
        if handling.patience_seconds is not None
        else "Erlang C (no caller has abandoned in the history)",
        "target": {
            "answer_within_seconds": forecast.target.answer_within,
            "service_level": forecast.target.service_level,
            "max_abandon_rate": forecast.target.max_abandon,
        },
        "handling": {
            "talk_seconds": round(handling.talk_seconds, 1),
            "wrapup_seconds": round(handling.wrapup_seconds, 1),
            "handle_seconds": round(handling.handle_seconds, 1),
            "patience_seconds": None
            if handling.patience_seconds is None
            else round(handling.patience_seconds, 1),
            "answered_calls": handling.answered,
            "abandoned_calls": handling.abandoned,
        },
        "days": [
            {
                "day": day.isoformat(),
                "calls": round(sum(s.offered for s in slots), 1),
                "peak_seats": max(s.seats for s in slots),
            }
            for day, slots in by_day.items()
        ],
        "half_hours": [
            {
                "day": s.day.isoformat(),
                "time": slot_label(s.index),
                "start": s.start.astimezone(zone).isoformat(),
                "calls": round(s.offered, 2),
                "seats": s.seats,
            }
            for s in forecast.slots
        ],
    }


def summary_out(summary: RotaSummary) -> dict[str, Any]:
    return {
        "shifts": summary.shifts,
        "assignments": summary.assignments,
        "open_seat_half_hours": summary.open_seat_half_hours,
        "short_shifts": summary.short_shifts,
        "nights_spread": list(summary.night_spread),
        "hours_spread": list(summary.hours_spread),
    }


def shifts_out(
    problem: RotaProblem, assignment: Assignment, names: dict[str, str]
) -> list[dict[str, Any]]:
    rows = []
    for shift in problem.shifts:
        agents = sorted(assignment.get(shift, frozenset()))
        rows.append(
            {
                "day": shift.day.isoformat(),
                "shift": shift.kind.value,
                "hours": shift.kind.hours,
                "label": str(shift),
                "needed": problem.peak(shift),
                "rostered": len(agents),
                "open_seat_half_hours": shortfall(problem, shift, len(agents)),
                "agents": [{"agent": a, "name": names.get(a, a)} for a in agents],
            }
        )
    return rows


def breach_out(rule: str, message: str, shift: Shift | None) -> dict[str, Any]:
    return {"rule": rule, "message": message, "shift": None if shift is None else str(shift)}
