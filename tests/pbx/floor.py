"""The call floor as a test sets it up: agents on seats, and back to empty afterwards."""

from __future__ import annotations

import asyncio
import functools

from acd.ami import AmiEvent
from callcenter.kernel.auth import Role
from tests.pbx.stack import PbxStack
from tests.pbx.watch import AmiWatch, Api, event, eventually

ALL_SKILLS = ("general", "psychological", "legal")


async def sign_in(api: Api, seat: str, *, skills: tuple[str, ...] = ALL_SKILLS) -> str:
    """An agent (named after the seat) logs in at ``seat``; returns the agent id."""
    agent = f"agent-{seat}"
    async with api.acting("pbx-admin", Role.ADMIN) as admin:
        response = await admin.put(
            "/api/agents", json={"agent": agent, "name": agent, "skills": list(skills)}
        )
    assert response.status_code == 200, response.text
    async with api.acting(agent, Role.AGENT) as counsellor:  # they take their seat themselves
        login = await counsellor.post("/api/agents/login", json={"seat": seat})
    # an ACD that restarted restores its agents' sessions: already there is fine
    already = f"already logged in at seat {seat}" in login.text
    assert login.status_code == 200 or already, login.text
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


async def police_conference(
    stack: PbxStack, api: Api, ami: AmiWatch, number: str
) -> tuple[AmiEvent, str, list[AmiEvent]]:
    """A caller reaches agent 8001, who assesses imminent risk: the warm conference.

    Returns the seat's answering DialEnd, the room and its three members.
    """
    await sign_in(api, "8001")
    stack.background(stack.carrier.call(number, stay=40))
    answered = await ami.wait(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8001-*"))
    await ami.wait(event("BridgeEnter", Channel="PJSIP/8001-*"))

    async def order() -> int | None:
        rows = stack.rows("select id from work_orders where call_id = ?", answered.text("Linkedid"))
        return int(rows[0][0]) if rows else None

    order_id = await eventually(order)
    await api.patch(f"/api/workorders/{order_id}", {"risk_level": "imminent"})
    room = (await ami.wait(event("ConfbridgeJoin"), within=10)).text("Conference")

    async def three() -> list[AmiEvent] | None:
        members = await ami.listing({"Action": "ConfbridgeList", "Conference": room})
        return members if len(members) == 3 else None

    members: list[AmiEvent] = await eventually(three, within=10)
    return answered, room, members
