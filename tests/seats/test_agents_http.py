"""Agents and supervisors over HTTP: what works, and what is refused with a reason.

Each counsellor acts only as themselves: the seat routes take no agent id, the
signed-in account is the agent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from callcenter.app.factory import create_app
from tests.acd.acd_stack import Stack, acd_stack
from tests.staff import Staff


@dataclass
class Desk:
    a1: httpx.AsyncClient
    a2: httpx.AsyncClient
    supervisor: httpx.AsyncClient
    staff: Staff


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with acd_stack(tmp_path) as running:
        yield running


@pytest.fixture
async def desk(stack: Stack) -> AsyncIterator[Desk]:
    runtime = stack.system.runtime
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://acd") as http:
        staff = Staff(http, runtime.sessions, runtime.settings)
        yield Desk(
            a1=await staff.client("agent", "a1"),
            a2=await staff.client("agent", "a2"),
            supervisor=await staff.client("supervisor", "duty-lead"),
            staff=staff,
        )


async def test_login_pause_resume_logout(desk: Desk, stack: Stack) -> None:
    ok = await desk.a1.post("/api/agents/login", json={"seat": "8001"})
    assert ok.status_code == 200, ok.text
    assert stack.seat("8001") == {"state": "available", "agent": "a1", "pause_reason": None}
    paused = await desk.a1.post("/api/agents/pause", json={"reason": "meal"})
    assert paused.status_code == 200
    assert stack.seat("8001")["pause_reason"] == "meal"
    assert (await desk.a1.post("/api/agents/resume", json={})).status_code == 200
    assert (await desk.a1.post("/api/agents/logout", json={})).status_code == 200
    assert stack.seat("8001")["state"] == "offline"
    changes = [(e.old_state, e.new_state) for e in stack.of_kind("SeatStateChanged")]  # type: ignore[attr-defined]
    assert changes == [
        ("offline", "available"),
        ("available", "paused"),
        ("paused", "available"),
        ("available", "offline"),
    ]


async def test_a_counsellor_cannot_act_for_someone_else(desk: Desk, stack: Stack) -> None:
    await desk.a1.post("/api/agents/login", json={"seat": "8001"})
    as_other = await desk.a2.post("/api/agents/login", json={"agent": "a1", "seat": "8002"})
    assert as_other.status_code == 422  # no agent id is taken from the body
    assert as_other.json()["detail"][0]["field"] == "agent"
    not_theirs = await desk.a2.post("/api/agents/pause", json={"reason": "meal"})
    assert not_theirs.status_code == 409  # a2 has no seat; a1's seat is untouched
    assert stack.seat("8001")["state"] == "available"
    forced = await desk.a2.post("/api/supervisor/force-logout", json={"agent": "a1"})
    assert forced.status_code == 403
    assert "seats:supervise" in forced.json()["detail"]
    assert stack.seat("8001")["agent"] == "a1"


async def test_a_taken_seat_is_refused_and_nothing_changes(desk: Desk, stack: Stack) -> None:
    await desk.a1.post("/api/agents/login", json={"seat": "8001"})
    taken = await desk.a2.post("/api/agents/login", json={"seat": "8001"})
    assert taken.status_code == 409
    assert "8001" in taken.json()["detail"]
    assert stack.seat("8001")["agent"] == "a1"


async def test_bad_requests_name_their_reason(desk: Desk) -> None:
    offline_pause = await desk.a2.post("/api/agents/pause", json={"reason": "meal"})
    assert offline_pause.status_code == 409
    unknown_seat = await desk.a1.post("/api/agents/login", json={"seat": "9999"})
    assert unknown_seat.status_code in (404, 422)
    assert "9999" in unknown_seat.json()["detail"]
    not_a_seat = await desk.a1.post("/api/agents/login", json={"seat": "eight"})
    assert not_a_seat.status_code == 422
    assert not_a_seat.json()["detail"][0]["field"] == "seat"
    no_seat_for_ops = await (await desk.staff.client("ops")).post(
        "/api/agents/login", json={"seat": "8001"}
    )
    assert no_seat_for_ops.status_code == 403


async def test_surge_needs_a_supervisor_and_a_reason(desk: Desk, stack: Stack) -> None:
    refused = await desk.a1.post("/api/surge", json={"on": True, "reason": "flood"})
    assert refused.status_code == 403
    assert (await desk.supervisor.post("/api/surge", json={"on": True})).status_code == 422
    opened = await desk.supervisor.post("/api/surge", json={"on": True, "reason": "flood"})
    assert opened.status_code == 200
    login = await desk.a1.post("/api/agents/login", json={"seat": "8020"})
    assert login.status_code == 200, login.text


async def test_a_supervisor_forces_a_pause_and_a_logout(desk: Desk, stack: Stack) -> None:
    await desk.a1.post("/api/agents/login", json={"seat": "8001"})
    forced = await desk.supervisor.post(
        "/api/supervisor/force-pause", json={"agent": "a1", "reason": "debrief"}
    )
    assert forced.status_code == 200
    assert stack.seat("8001")["state"] == "paused"
    assert stack.of_kind("SeatStateChanged")[-1].forced_by == "duty-lead"  # type: ignore[attr-defined]
    out = await desk.supervisor.post("/api/supervisor/force-logout", json={"agent": "a1"})
    assert out.status_code == 200
    assert stack.seat("8001")["state"] == "offline"


async def test_the_queue_explains_why_a_caller_waits(desk: Desk, stack: Stack) -> None:
    await desk.a1.post("/api/agents/login", json={"seat": "8001"})
    await desk.a1.post("/api/agents/pause", json={"reason": "meal"})
    stack.sim.place_call("13800000001", ivr_choice="2")
    waiting: list[dict[str, object]] = []
    for _ in range(200):
        waiting = (await desk.a1.get("/api/queue")).json()["waiting"]
        if waiting:
            break
        await asyncio.sleep(0.01)
    assert len(waiting) == 1
    assert "legal" in str(waiting[0]["explanation"])
    assert "13800000001" not in str(waiting[0])  # masked: not (yet) this counsellor's call
    site = await desk.staff.client("site", site=1)
    assert (await site.get("/api/queue")).status_code == 403
    full = (await desk.supervisor.get("/api/queue")).json()["waiting"]
    assert "13800000001" in str(full[0])
