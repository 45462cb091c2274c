"""What ``callcenter staffing forecast | rota | accuracy`` print, read from the configured database.

Each function returns the work ``_with_sessions`` runs: it reads through the staffing
services on the system clock and returns the lines to print.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from acd.records import call_history
from callcenter.kernel.clock import SystemClock
from callcenter.kernel.db import transaction
from callcenter.kernel.settings import Settings
from seats.staffing import service, store
from seats.staffing.rota import summarise
from seats.staffing.schemas import summary_out
from seats.staffing.solver import Solved, solve_rota

Work = Callable[[Any], Awaitable[list[str]]]


class StaffingRefused(RuntimeError):
    """No rota: nobody stated availability, or the hard rules cannot be met."""


def forecast_lines(settings: Settings, days: int) -> Work:
    async def work(sessions: Any) -> list[str]:
        config = service.StaffingConfig.from_settings(settings)
        async with transaction(sessions) as session:
            ahead = await service.forecast(
                session, config, call_history, SystemClock().now(), days=days
            )
        handling = ahead.handling
        patience = handling.patience_seconds
        lines = [
            f"forecast as of {ahead.as_of} from {ahead.weeks} weeks "
            f"({ahead.observed_slots} half-hours observed, {ahead.campaign_slots} campaign "
            "half-hours left out)",
            f"handle time {handling.handle_seconds:.0f} s (talk {handling.talk_seconds:.0f} + "
            f"wrap-up {handling.wrapup_seconds:.0f}), patience "
            + (f"{patience:.0f} s (Erlang A)" if patience else "never abandoned (Erlang C)"),
            "day         calls  peak seats  busiest half-hour",
        ]
        for offset in range(days):
            day = ahead.as_of + timedelta(days=offset)
            slots = [s for s in ahead.slots if s.day == day]
            busiest = max(slots, key=lambda s: (s.seats, s.offered))
            lines.append(
                f"{day}  {sum(s.offered for s in slots):6.0f}  {busiest.seats:10d}  "
                f"{busiest.index // 2:02d}:{30 * (busiest.index % 2):02d}"
            )
        return lines

    return work


def rota_lines(settings: Settings, first: date, days: int, *, publish: bool) -> Work:
    async def work(sessions: Any) -> list[str]:
        config = service.StaffingConfig.from_settings(settings)
        now = SystemClock().now()
        async with transaction(sessions) as session:
            problem = await service.rota_problem(session, config, call_history, now, first, days)
        if not problem.counsellors:
            raise StaffingRefused("no counsellor has stated their availability yet")
        result = await asyncio.to_thread(solve_rota, problem)
        if not isinstance(result, Solved):
            raise StaffingRefused(f"no rota can meet the hard rules: {result.message}")
        summary = summarise(problem, result.assignment)
        async with transaction(sessions) as session:
            record = await store.save_rota(
                session, first, days, result.assignment, summary_out(summary), by="cli", at=now
            )
            if publish:
                await store.mark_published(session, record, by="cli", at=now)
        nights = list(summary.nights.values())
        cover, most = result.open_half_hours, result.most_nights
        lines = [
            f"rota {record.id} ({'published' if publish else 'draft'}) for {first} + {days} days: "
            f"{len(problem.counsellors)} counsellors, {summary.assignments} counsellor-shifts "
            f"over {summary.shifts} shifts, solved in {result.seconds:.1f} s",
            f"open seat half-hours {cover.value} (bound {cover.bound}, gap {cover.gap:.1%}); "
            f"short shifts {len(summary.short_shifts)}",
            *[f"  {line}" for line in summary.short_shifts[:10]],
            f"nights: most {most.value} (bound {most.bound}), spread "
            f"{summary.night_spread[0]}-{summary.night_spread[1]}, mean "
            f"{statistics.fmean(nights) if nights else 0:.2f} over {len(nights)} who work nights",
            f"hours per counsellor {summary.hours_spread[0]}-{summary.hours_spread[1]}",
        ]
        return lines

    return work


def accuracy_lines(settings: Settings, first: date, last: date) -> Work:
    async def work(sessions: Any) -> list[str]:
        config = service.StaffingConfig.from_settings(settings)
        async with transaction(sessions) as session:
            found = await service.accuracy(
                session, config, call_history, first, last, SystemClock().now()
            )
        lines = ["day         forecast  actual   WAPE    bias"]
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            part = found.within(config.midnight(day), config.midnight(day + timedelta(days=1)))
            if part.slots:
                lines.append(_row(str(day), part))
        lines.append(_row("all", found))
        lines.append(
            f"{len(found.slots)} half-hours compared, {found.left_out} left out "
            "(campaign, not recorded, or no history before them); "
            f"mean absolute error {found.mean_absolute_error} calls per half-hour"
        )
        return lines

    return work


def _row(key: str, part: Any) -> str:
    wape = "—" if part.wape is None else f"{part.wape:.1%}"
    bias = "—" if part.bias is None else f"{part.bias:+.1%}"
    return f"{key:10s} {part.forecast_total:9.1f} {part.actual_total:7d} {wape:>7s} {bias:>7s}"
