"""The demo's past: weeks of calls, 90 counsellors with their availability, and a published rota.

So the staffing forecast, the rota page and the wallboard's look ahead have
something to plan from the moment ``callcenter demo`` starts. The calls are
synthetic (``seats.staffing.synthetic``: Poisson arrivals at a youth hotline's
daily shape, 10-minute talks, 2-minute patience) and end at the hotline's
midnight, so today's figures are the live demo's own. One three-day flood
campaign (surge) sits in the history, marked as the recorder marks it, to show
the forecast leaving it out. Seeding happens once per database.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from acd.events import Skill
from acd.models import Call
from acd.records import call_history
from callcenter.kernel.calendar import local_date
from callcenter.kernel.runtime import Runtime
from seats.registry import save_agent
from seats.staffing import service, store
from seats.staffing.rota import Counsellor, format_shift, summarise
from seats.staffing.schemas import summary_out
from seats.staffing.solver import Solved, solve_rota, solver_installed
from seats.staffing.synthetic import Campaign, hotline_rates, synthetic_calls, synthetic_roster

log = logging.getLogger(__name__)

PREFIX = "demo-history-"
CALLS_PER_HALF_HOUR = 7.0  # an average weekday hour; the evening peak is about 13
COUNSELLORS = 90
STAFF = 10  # employees on the phones (the named agents among them); the rest volunteer
ROTA_DAYS = 7
ROTA_SECONDS = 20.0


@dataclass(frozen=True)
class DemoHistory:
    calls: int
    counsellors: int


async def seed_history(runtime: Runtime, weeks: int, named: list[str]) -> DemoHistory:
    """Calls for the ``weeks`` weeks before today and a roster with availability (once).

    ``named`` are the demo's own agents; volunteers make the roster up to 90.
    """
    zone = runtime.settings.zone
    today = local_date(runtime.clock.now(), zone)
    async with runtime.sessions() as session, session.begin():
        seeded = await session.scalar(select(Call.call_id).where(Call.call_id.like(f"{PREFIX}%")))
        if seeded is not None:
            return DemoHistory(0, 0)
        first = today - timedelta(weeks=weeks)
        flood = Campaign("防汛 flood", today - timedelta(days=17), today - timedelta(days=15))
        facts = synthetic_calls(
            hotline_rates(CALLS_PER_HALF_HOUR), first, 7 * weeks, zone, campaigns=(flood,)
        )
        rows: list[dict[str, Any]] = [
            {
                "call_id": f"{PREFIX}{n}",
                "caller_number": f"+86138{n % 100_000_000:08d}",
                "caller_name": "",
                "skill": "general",
                "arrived_at": call.arrived_at,
                "answered_at": call.answered_at,
                "ended_at": call.ended_at,
                "end_estimated": False,
                "outcome": call.outcome,
                "seat": None,
                "agent": None,
                "campaign": call.campaign,
            }
            for n, call in enumerate(facts)
        ]
        await session.execute(insert(Call), rows)
        counsellors = await _seed_roster(session, named, runtime.clock.now())
    return DemoHistory(len(rows), counsellors)


async def _seed_roster(session: Any, named: list[str], now: datetime) -> int:
    """The demo's named agents plus volunteers, 90 in all, each with stated availability."""
    volunteers = synthetic_roster(COUNSELLORS, staff=STAFF, seed=17)[len(named) :]
    for person in volunteers:
        skills = {Skill.GENERAL, Skill.PSYCHOLOGICAL} | ({Skill.CRISIS} if person.crisis else set())
        await save_agent(session, person.agent_id, f"志愿者{person.agent_id[1:]}", skills)
    # The named agents take the availability pattern of the roster's first employees.
    patterns = synthetic_roster(len(named), staff=len(named), seed=18)
    for agent_id, pattern in zip(named, patterns, strict=True):
        await _state(session, agent_id, pattern, now)
    for person in volunteers:
        await _state(session, person.agent_id, person, now)
    return len(named) + len(volunteers)


async def _state(session: Any, agent_id: str, pattern: Counsellor, now: datetime) -> None:
    await store.save_availability(
        session,
        agent_id,
        shifts=[format_shift(weekday, kind) for weekday, kind in sorted(pattern.available)],
        max_hours_week=pattern.max_hours_week,
        max_nights_week=pattern.max_nights_week,
        by="demo",
        at=now,
    )


async def publish_demo_rota(runtime: Runtime) -> str:
    """Solve and publish this week's rota from today, unless one is published already."""
    if not solver_installed():
        return "no rota: the solver is not installed (pip install -e '.[staffing]')"
    config = service.StaffingConfig.from_settings(runtime.settings)
    now = runtime.clock.now()
    today = local_date(now, config.zone)
    async with runtime.sessions() as session, session.begin():
        if await store.rostered(session, today, today):
            return "a rota is already published for today"
        problem = await service.rota_problem(session, config, call_history, now, today, ROTA_DAYS)
    result = await asyncio.to_thread(solve_rota, problem, time_limit=ROTA_SECONDS)
    if not isinstance(result, Solved):
        return f"no rota: {result.message}"
    summary = summarise(problem, result.assignment)
    async with runtime.sessions() as session, session.begin():
        record = await store.save_rota(
            session, today, ROTA_DAYS, result.assignment, summary_out(summary), by="demo", at=now
        )
        await store.mark_published(session, record, by="demo", at=now)
    return (
        f"rota {record.id} published for {today}..{today + timedelta(days=ROTA_DAYS - 1)}: "
        f"{summary.assignments} shifts, {summary.open_seat_half_hours} open seat half-hours"
    )
