"""Agents log in, pause and resume; supervisors watch seats and open surge seats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from acd.events import Skill
from callcenter.auth import Principal, Role
from callcenter.deps import PrincipalDep, RuntimeDep, SessionDep
from seats.registry import find_agent, list_agents, save_agent
from seats.state import SeatError

router = APIRouter(prefix="/api", tags=["seats and agents"])

AgentId = Field(min_length=1, max_length=64)
SeatExt = Field(pattern=r"^\d{3,6}$")


class LoginIn(BaseModel):
    agent: str = AgentId
    seat: str = SeatExt


class AgentIn(BaseModel):
    agent: str = AgentId


class PauseIn(BaseModel):
    agent: str = AgentId
    reason: str = Field(min_length=1, max_length=32, examples=["break", "meal", "training"])


class SurgeIn(BaseModel):
    on: bool
    reason: str = Field(default="", max_length=64, examples=["flood", "epidemic"])


class AgentRecordIn(BaseModel):
    agent: str = AgentId
    name: str = Field(min_length=1, max_length=128)
    skills: list[Skill] = Field(min_length=1)


def _acd(runtime: Any) -> Any:
    if runtime.acd is None:
        raise HTTPException(503, "the ACD is not running in this process")
    return runtime.acd


def _run(runtime: Any, apply: Callable[[Any, float], list[Any]]) -> dict[str, str]:
    acd = _acd(runtime)
    try:
        acd.command(lambda now: apply(acd.core, now))
    except SeatError as exc:
        raise HTTPException(exc.status, exc.reason) from exc
    return {"status": "ok"}


def _seat_of(runtime: Any, agent: str) -> str:
    seat: str | None = _acd(runtime).core.seat_of_agent(agent)
    if seat is None:
        raise HTTPException(409, f"agent {agent} is not logged in")
    return seat


def _supervisor(principal: Principal) -> None:
    if principal.role is not Role.SUPERVISOR:
        raise HTTPException(403, "supervisors only")


@router.get("/seats")
async def seats(runtime: RuntimeDep) -> dict[str, Any]:
    """Every seat: state, agent, and since when."""
    snapshot = await runtime.live.get_snapshot("seats")
    return dict(snapshot or {"at": None, "seats": []})


@router.get("/agents")
async def agents(session: SessionDep) -> list[dict[str, Any]]:
    return [
        {"agent": a.agent_id, "name": a.name, "skills": sorted(s.value for s in a.skills)}
        for a in await list_agents(session)
    ]


@router.put("/agents")
async def put_agent(
    body: AgentRecordIn, session: SessionDep, principal: PrincipalDep
) -> dict[str, str]:
    _supervisor(principal)
    await save_agent(session, body.agent, body.name, body.skills)
    return {"status": "ok"}


@router.post("/agents/login")
async def login(body: LoginIn, runtime: RuntimeDep, session: SessionDep) -> dict[str, str]:
    agent = await find_agent(session, body.agent)
    if agent is None:
        raise HTTPException(404, f"unknown agent {body.agent}")
    return _run(runtime, lambda core, now: core.login(agent, body.seat, now))


@router.post("/agents/logout")
async def logout(body: AgentIn, runtime: RuntimeDep) -> dict[str, str]:
    seat = _seat_of(runtime, body.agent)
    return _run(runtime, lambda core, now: core.logout(seat, now))


@router.post("/agents/pause")
async def pause(body: PauseIn, runtime: RuntimeDep) -> dict[str, str]:
    seat = _seat_of(runtime, body.agent)
    return _run(runtime, lambda core, now: core.pause(seat, body.reason, now))


@router.post("/agents/resume")
async def resume(body: AgentIn, runtime: RuntimeDep) -> dict[str, str]:
    seat = _seat_of(runtime, body.agent)
    return _run(runtime, lambda core, now: core.resume(seat, now))


@router.post("/agents/wrapup-done")
async def wrapup_done(body: AgentIn, runtime: RuntimeDep) -> dict[str, str]:
    seat = _seat_of(runtime, body.agent)
    return _run(runtime, lambda core, now: core.wrapup_done(seat, now))


@router.post("/surge")
async def surge(body: SurgeIn, runtime: RuntimeDep, principal: PrincipalDep) -> dict[str, str]:
    _supervisor(principal)
    if body.on and not body.reason.strip():
        raise HTTPException(422, "a surge needs a reason or campaign name")
    return _run(runtime, lambda core, now: core.set_surge(body.on, body.reason, now))


@router.post("/supervisor/force-pause")
async def force_pause(
    body: PauseIn, runtime: RuntimeDep, principal: PrincipalDep
) -> dict[str, str]:
    _supervisor(principal)
    seat = _seat_of(runtime, body.agent)
    return _run(
        runtime, lambda core, now: core.pause(seat, body.reason, now, forced_by=principal.user)
    )


@router.post("/supervisor/force-logout")
async def force_logout(
    body: AgentIn, runtime: RuntimeDep, principal: PrincipalDep
) -> dict[str, str]:
    _supervisor(principal)
    seat = _seat_of(runtime, body.agent)
    return _run(runtime, lambda core, now: core.logout(seat, now, forced_by=principal.user))
