"""HTTP routes: the forecast, counsellors' availability, rota generation and publishing, outlook.

Counsellors (role ``agent``) read and edit their own availability; supervisors
anyone's, and only they generate and publish rotas. The forecast and the
wallboard's outlook are for hotline staff. Without the ``staffing`` extra the
rota routes answer 501 with the command that enables them.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse

from callcenter.kernel.auth import Permission, Principal, Role, requires
from callcenter.kernel.calendar import local_date
from callcenter.kernel.deps import RuntimeDep, SessionDep
from seats.registry import find_agent, list_agents
from seats.staffing import service, store
from seats.staffing.advice import surge_advice
from seats.staffing.deps import CALL_HISTORY, CallHistory
from seats.staffing.outlook import gap_flags, hours_ahead
from seats.staffing.rota import breaches, summarise
from seats.staffing.schemas import (
    AvailabilityIn,
    RotaIn,
    breach_out,
    forecast_out,
    shifts_out,
    summary_out,
)
from seats.staffing.solver import (
    ENABLE_HINT,
    Infeasible,
    SolverMissing,
    solve_rota,
    solver_installed,
)

router = APIRouter(prefix="/api/staffing", tags=["staffing"])
HistoryDep = Annotated[CallHistory, Depends(CALL_HISTORY)]

Reader = Annotated[Principal, Depends(requires(Permission.STAFFING_READ))]
Planner = Annotated[Principal, Depends(requires(Permission.STAFFING_PLAN))]
Available = Annotated[Principal, Depends(requires(Permission.AVAILABILITY_OWN))]
SOLVE_SECONDS = 30.0


def _own_or_supervisor(principal: Principal, agent_id: str) -> None:
    if principal.may(Permission.STAFFING_PLAN):
        return
    if principal.role is Role.AGENT and principal.user == agent_id:
        return
    raise HTTPException(403, "counsellors see and edit only their own availability")


def _missing_solver() -> JSONResponse:
    return JSONResponse(
        status_code=501,
        content={
            "detail": f"the rota solver is not installed; enable it with: {ENABLE_HINT}",
            "enable": ENABLE_HINT,
        },
    )


@router.get("/status")
async def status(principal: Reader) -> dict[str, Any]:
    """Whether rotas can be generated here, and how to enable them if not."""
    installed = solver_installed()
    return {"rota_solver": installed, "enable": None if installed else ENABLE_HINT}


@router.get("/forecast")
async def forecast(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    history: HistoryDep,
    days: Annotated[int, Query(ge=1, le=28)] = 14,
) -> dict[str, Any]:
    """Calls and seats needed per half-hour from today (hotline time) for ``days`` days."""
    config = service.StaffingConfig.from_settings(runtime.settings)
    ahead = await service.forecast(session, config, history, runtime.clock.now(), days=days)
    return forecast_out(ahead, config.zone)


@router.get("/availability")
async def all_availability(session: SessionDep, principal: Planner) -> list[dict[str, Any]]:
    return [await _availability(session, agent.agent_id) for agent in await list_agents(session)]


@router.get("/availability/{agent_id}")
async def get_availability(
    agent_id: str, session: SessionDep, principal: Available
) -> dict[str, Any]:
    _own_or_supervisor(principal, agent_id)
    return await _availability(session, agent_id)


@router.put("/availability/{agent_id}")
async def put_availability(
    agent_id: str,
    body: AvailabilityIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Available,
) -> dict[str, Any]:
    _own_or_supervisor(principal, agent_id)
    bad = body.bad_entries()
    if bad:
        reason = f"shifts look like mon:night, sat:day, sun:evening; got {bad}"
        # the documented shape of a 422: each error names its field
        raise HTTPException(
            422, [{"loc": ["body", "shifts"], "msg": reason, "type": "value_error"}]
        )
    await _agent(session, agent_id)
    await store.save_availability(
        session,
        agent_id,
        shifts=body.shifts,
        max_hours_week=body.max_hours_week,
        max_nights_week=body.max_nights_week,
        by=principal.user,
        at=runtime.clock.now(),
    )
    return await _availability(session, agent_id)


async def _agent(session: Any, agent_id: str) -> Any:
    agent = await find_agent(session, agent_id)
    if agent is None:
        raise HTTPException(404, f"unknown agent {agent_id}")
    return agent


async def _availability(session: Any, agent_id: str) -> dict[str, Any]:
    agent = await _agent(session, agent_id)
    stated = await store.availability(session, agent_id)
    return {
        "agent": agent_id,
        "name": agent.name,
        "crisis_qualified": agent.crisis_qualified,
        "shifts": list(stated.shifts) if stated else [],
        "max_hours_week": stated.max_hours_week if stated else 0,
        "max_nights_week": stated.max_nights_week if stated else 0,
        "updated_at": stated.updated_at.isoformat() if stated else None,
    }


@router.get("/rotas")
async def list_rotas(session: SessionDep, principal: Reader) -> Any:
    return [_rota_head(record) for record in await store.rotas(session)]


@router.post("/rotas", status_code=201, response_model=None)
async def generate_rota(
    body: RotaIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Planner,
    history: HistoryDep,
) -> Any:
    """Solve a draft rota for the period from the forecast and everyone's availability."""
    if not solver_installed():
        return _missing_solver()
    config = service.StaffingConfig.from_settings(runtime.settings)
    now = runtime.clock.now()
    problem = await service.rota_problem(session, config, history, now, body.first_day, body.days)
    if not problem.counsellors:
        raise HTTPException(409, "no counsellor has stated their availability yet")
    try:
        result = await asyncio.to_thread(solve_rota, problem, time_limit=SOLVE_SECONDS)
    except SolverMissing:
        return _missing_solver()
    except TimeoutError as exc:
        raise HTTPException(503, str(exc)) from exc
    if isinstance(result, Infeasible):
        raise HTTPException(
            409,
            {
                "reason": f"no rota can meet the hard rules: {result.message}",
                "breaches": [breach_out(b.rule.value, b.message, b.shift) for b in result.breaches],
                "together_with": [rule.value for rule in result.together_with],
            },
        )
    summary = summary_out(summarise(problem, result.assignment))
    summary["goals"] = {
        "open_seat_half_hours": {
            "value": result.open_half_hours.value,
            "bound": result.open_half_hours.bound,
        },
        "most_nights": {"value": result.most_nights.value, "bound": result.most_nights.bound},
        "seconds": round(result.seconds, 1),
    }
    record = await store.save_rota(
        session, body.first_day, body.days, result.assignment, summary, by=principal.user, at=now
    )
    return await _rota_out(session, config, history, now, record.id)


@router.get("/rotas/{rota_id}")
async def get_rota(
    rota_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    history: HistoryDep,
) -> dict[str, Any]:
    config = service.StaffingConfig.from_settings(runtime.settings)
    return await _rota_out(session, config, history, runtime.clock.now(), rota_id)


@router.post("/rotas/{rota_id}/publish")
async def publish_rota(
    rota_id: int,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Planner,
    history: HistoryDep,
) -> dict[str, Any]:
    """Publish a draft after checking it against everyone's availability as it stands now."""
    config = service.StaffingConfig.from_settings(runtime.settings)
    now = runtime.clock.now()
    record, assignment = await store.rota(session, rota_id)
    if record.status != store.DRAFT:
        raise HTTPException(409, f"rota {rota_id} is already {record.status}")
    problem = await service.rota_problem(
        session, config, history, now, record.first_day, record.days
    )
    broken = breaches(problem, assignment)
    if broken:
        raise HTTPException(
            409,
            {
                "reason": "availability changed and the rota now breaks hard rules; "
                "generate it again",
                "breaches": [breach_out(b.rule.value, b.message, b.shift) for b in broken],
            },
        )
    await store.mark_published(session, record, by=principal.user, at=now)
    return await _rota_out(session, config, history, now, rota_id)


def _rota_head(record: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "first_day": record.first_day.isoformat(),
        "days": record.days,
        "status": record.status,
        "created_at": record.created_at.isoformat(),
        "created_by": record.created_by,
        "published_at": record.published_at.isoformat() if record.published_at else None,
        "published_by": record.published_by,
        "summary": record.summary,
    }


async def _rota_out(
    session: Any, config: Any, history: CallHistory, now: Any, rota_id: int
) -> dict[str, Any]:
    record, assignment = await store.rota(session, rota_id)
    problem = await service.rota_problem(
        session, config, history, now, record.first_day, record.days
    )
    names = {agent.agent_id: agent.name for agent in await list_agents(session)}
    return {**_rota_head(record), "shifts": shifts_out(problem, assignment, names)}


@router.get("/outlook")
async def outlook(
    session: SessionDep, runtime: RuntimeDep, principal: Reader, history: HistoryDep
) -> dict[str, Any]:
    """For the wallboard: needed, rostered and logged-in seats per hour to the end of tomorrow,
    the gaps ahead, and a surge suggestion when calls run above forecast."""
    config = service.StaffingConfig.from_settings(runtime.settings)
    now = runtime.clock.now()
    today = local_date(now, config.zone)
    ahead = await service.forecast(session, config, history, now, first=today, days=2)
    covered = await store.rostered(session, today, today + timedelta(days=1))
    seats = (await runtime.live.get_snapshot("seats") or {}).get("seats", [])
    staffed = [s for s in seats if not s.get("callback")]
    logged_in = sum(1 for s in staffed if s.get("agent"))
    hours = hours_ahead(
        ahead,
        {shift: len(names) for shift, names in covered.items()},
        now=now,
        zone=config.zone,
        logged_in=logged_in if seats else None,
    )
    recent, _ = await history(session, now - timedelta(minutes=15), now)
    advice = (
        surge_advice(
            [call.arrived_at for call in recent],
            ahead,
            ahead.handling,
            now=now,
            logged_in=logged_in,
            can_open=len(staffed) - logged_in,
            target=config.target,
        )
        if seats
        else None
    )
    return {
        "at": now.astimezone(config.zone).isoformat(),
        "rota_published": bool(covered),
        "hours": [
            {
                "day": h.day.isoformat(),
                "time": h.label,
                "needed": h.needed,
                "rostered": h.rostered,
                "logged_in": h.logged_in,
                "short": h.short,
            }
            for h in hours
        ],
        "gaps": [
            {
                "day": g.day.isoformat(),
                "from": f"{g.first_hour:02d}:00",
                "to": f"{g.end_hour:02d}:00",
                "needed": g.needed,
                "rostered": g.rostered,
                "text": g.text,
            }
            for g in gap_flags(hours)
        ],
        "surge": None
        if advice is None
        else {
            "extra_seats": advice.extra_seats,
            "seen_per_hour": round(advice.seen_per_hour, 1),
            "forecast_per_hour": round(advice.forecast_per_hour, 1),
            "average_wait_now": _finite(advice.now.average_wait),
            "average_wait_after": _finite(advice.after.average_wait),
            "service_level_now": round(advice.now.service_level, 3),
            "service_level_after": round(advice.after.service_level, 3),
            "text": advice.text,
        },
    }


def _finite(seconds: float) -> float | None:
    return None if seconds == float("inf") else round(seconds, 1)
