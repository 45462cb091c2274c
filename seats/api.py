"""Agents log in, pause and resume (only as themselves); supervisors watch seats and open surge.

A counsellor's agent id is never read from the request: it is who signed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.deps import RuntimeDep, SessionDep
from seats.control import SEAT_CONTROL, SeatControl
from seats.registry import find_agent, list_agents, save_agent
from seats.skills import Skill
from seats.state import SeatError

router = APIRouter(prefix="/api", tags=["seats and agents"])

AgentId = Field(min_length=1, max_length=64)
SeatExt = Field(pattern=r"^\d{3,6}$")


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an "agent" sent here would be a lie: refuse it

    seat: str = SeatExt


class Nothing(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=32, examples=["break", "meal", "training"])


class AgentIn(BaseModel):
    agent: str = AgentId


class ForcePauseIn(AgentIn):
    reason: str = Field(min_length=1, max_length=32, examples=["break", "meal", "training"])


class SurgeIn(BaseModel):
    on: bool
    reason: str = Field(default="", max_length=64, examples=["flood", "epidemic"])


class AgentRecordIn(BaseModel):
    agent: str = AgentId
    name: str = Field(min_length=1, max_length=128)
    skills: list[Skill] = Field(min_length=1)


SeatControlDep = Annotated[SeatControl, Depends(SEAT_CONTROL)]
SeatWatcher = Annotated[Principal, Depends(requires(Permission.SEATS_READ))]
Counsellor = Annotated[Principal, Depends(requires(Permission.SEAT_SELF))]
Supervisor = Annotated[Principal, Depends(requires(Permission.SEATS_SUPERVISE))]
AgentsReader = Annotated[Principal, Depends(requires(Permission.AGENTS_READ))]
AgentsAdmin = Annotated[Principal, Depends(requires(Permission.AGENTS_MANAGE))]


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


def _me(principal: Principal) -> str:
    if principal.agent_id is None:
        raise HTTPException(403, f"{principal.user} is not a counsellor with a seat")
    return principal.agent_id


@router.get("/seats")
async def seats(runtime: RuntimeDep, principal: SeatWatcher) -> dict[str, Any]:
    """Every seat: state, agent, and since when."""
    snapshot = await runtime.live.get_snapshot("seats")
    return dict(snapshot or {"at": None, "seats": []})


@router.get("/agents")
async def agents(session: SessionDep, principal: AgentsReader) -> list[dict[str, Any]]:
    return [
        {"agent": a.agent_id, "name": a.name, "skills": sorted(s.value for s in a.skills)}
        for a in await list_agents(session)
    ]


@router.put("/agents")
async def put_agent(
    body: AgentRecordIn, session: SessionDep, principal: AgentsAdmin
) -> dict[str, str]:
    await save_agent(session, body.agent, body.name, body.skills)
    return {"status": "ok"}


@router.post("/agents/login")
async def login(
    body: LoginIn, principal: Counsellor, control: SeatControlDep, session: SessionDep
) -> dict[str, str]:
    """The signed-in counsellor takes a seat."""
    agent_id = _me(principal)
    agent = await find_agent(session, agent_id)
    if agent is None:
        raise HTTPException(404, f"{agent_id} is not in the agent directory (or is disabled)")
    return _run(lambda: control.login(agent, body.seat))


@router.post("/agents/logout")
async def logout(body: Nothing, principal: Counsellor, control: SeatControlDep) -> dict[str, str]:
    seat = _seat_of(control, _me(principal))
    return _run(lambda: control.logout(seat))


@router.post("/agents/pause")
async def pause(body: PauseIn, principal: Counsellor, control: SeatControlDep) -> dict[str, str]:
    seat = _seat_of(control, _me(principal))
    return _run(lambda: control.pause(seat, body.reason))


@router.post("/agents/resume")
async def resume(body: Nothing, principal: Counsellor, control: SeatControlDep) -> dict[str, str]:
    seat = _seat_of(control, _me(principal))
    return _run(lambda: control.resume(seat))


@router.post("/agents/wrapup-done")
async def wrapup_done(
    body: Nothing, principal: Counsellor, control: SeatControlDep
) -> dict[str, str]:
    seat = _seat_of(control, _me(principal))
    return _run(lambda: control.wrapup_done(seat))


@router.post("/surge")
async def surge(body: SurgeIn, principal: Supervisor, control: SeatControlDep) -> dict[str, str]:
    if body.on and not body.reason.strip():
        raise HTTPException(422, "a surge needs a reason or campaign name")
    return _run(lambda: control.set_surge(body.on, body.reason))


@router.post("/supervisor/force-pause")
async def force_pause(
    body: ForcePauseIn, principal: Supervisor, control: SeatControlDep
) -> dict[str, str]:
    seat = _seat_of(control, body.agent)
    return _run(lambda: control.pause(seat, body.reason, forced_by=principal.user))


@router.post("/supervisor/force-logout")
async def force_logout(
    body: AgentIn, principal: Supervisor, control: SeatControlDep
) -> dict[str, str]:
    seat = _seat_of(control, body.agent)
    return _run(lambda: control.logout(seat, forced_by=principal.user))
