"""The call floor as a test sets it up: agents on seats, and back to empty afterwards."""

from __future__ import annotations

import asyncio
import functools

from tests.pbx.stack import PbxStack
from tests.pbx.watch import Api, eventually

ALL_SKILLS = ("general", "psychological", "legal")


async def sign_in(api: Api, seat: str, *, skills: tuple[str, ...] = ALL_SKILLS) -> str:
    """An agent (named after the seat) logs in at ``seat``; returns the agent id."""
    agent = f"agent-{seat}"
    response = await api.client.put(
        "/api/agents", json={"agent": agent, "name": agent, "skills": list(skills)}
    )
    assert response.status_code == 200, response.text
    await api.post("/api/agents/login", {"agent": agent, "seat": seat})
    return agent


async def clear_floor(stack: PbxStack, api: Api) -> None:
    """No call up, every agent logged out: the next test starts from an empty floor."""

    async def quiet() -> bool:
        out = await asyncio.to_thread(stack.asterisk.cli, "core show channels count")
        return "0 active channels" in out

    await eventually(quiet, within=15)
    for seat in (await api.get("/api/seats"))["seats"]:
        agent = seat["agent"]
        if not agent:
            continue
        if seat["state"] in ("wrap_up", "on_call", "ringing"):
            await eventually(functools.partial(_idle, api, seat["seat"]), within=10)
        await api.post("/api/supervisor/force-logout", {"agent": agent})


async def _idle(api: Api, seat: str) -> bool:
    return (await api.seat(seat))["state"] in ("available", "paused", "unreachable")
