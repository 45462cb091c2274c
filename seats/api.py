"""Agents log in, pause and resume; supervisors watch seats and open surge seats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from callcenter.kernel.auth import Principal, Role
from callcenter.kernel.deps import PrincipalDep, RuntimeDep, SessionDep
from seats.control import SEAT_CONTROL, SeatControl
from seats.registry import find_agent, list_agents, save_agent
from seats.skills import Skill
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


SeatControlDep = Annotated[SeatControl, Depends(SEAT_CONTROL)]


def _run(apply: Callable[[], None]) -> dict[str, str]:
    try:
        apply()
    except SeatError as exc:
        raise HTTPException(exc.status, exc.reason) from exc
    return {"status": "ok"}


def _seat_of(control: SeatControl, agent: str) -> str:
    seat = control.seat_of_agent(agent)
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
async def login(body: LoginIn, control: SeatControlDep, session: SessionDep) -> dict[str, str]:
    agent = await find_agent(session, body.agent)
    if agent is None:
        raise HTTPException(404, f"unknown agent {body.agent}")
    return _run(lambda: control.login(agent, body.seat))


@router.post("/agents/logout")
async def logout(body: AgentIn, control: SeatControlDep) -> dict[str, str]:
    seat = _seat_of(control, body.agent)
    return _run(lambda: control.logout(seat))


@router.post("/agents/pause")
async def pause(body: PauseIn, control: SeatControlDep) -> dict[str, str]:
    seat = _seat_of(control, body.agent)
    return _run(lambda: control.pause(seat, body.reason))


@router.post("/agents/resume")
async def resume(body: AgentIn, control: SeatControlDep) -> dict[str, str]:
    seat = _seat_of(control, body.agent)
    return _run(lambda: control.resume(seat))


@router.post("/agents/wrapup-done")
async def wrapup_done(body: AgentIn, control: SeatControlDep) -> dict[str, str]:
    seat = _seat_of(control, body.agent)
    return _run(lambda: control.wrapup_done(seat))


@router.post("/surge")
async def surge(body: SurgeIn, control: SeatControlDep, principal: PrincipalDep) -> dict[str, str]:
    _supervisor(principal)
    if body.on and not body.reason.strip():
        raise HTTPException(422, "a surge needs a reason or campaign name")
    return _run(lambda: control.set_surge(body.on, body.reason))


@router.post("/supervisor/force-pause")
async def force_pause(
    body: PauseIn, control: SeatControlDep, principal: PrincipalDep
) -> dict[str, str]:
    _supervisor(principal)
    seat = _seat_of(control, body.agent)
    return _run(lambda: control.pause(seat, body.reason, forced_by=principal.user))


@router.post("/supervisor/force-logout")
async def force_logout(
    body: AgentIn, control: SeatControlDep, principal: PrincipalDep
) -> dict[str, str]:
    _supervisor(principal)
    seat = _seat_of(control, body.agent)
    return _run(lambda: control.logout(seat, forced_by=principal.user))
