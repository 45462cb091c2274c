"""Agents and supervisors over HTTP: what works, and what is refused with a reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from callcenter.app.factory import create_app
from tests.acd.acd_stack import Stack, acd_stack

SUPERVISOR = {"X-Role": "supervisor", "X-User": "duty-lead"}
AGENT = {"X-Role": "agent", "X-User": "a1"}


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with acd_stack(tmp_path) as running:
        yield running


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(stack.system.runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://acd") as http:
        for agent in ("a1", "a2"):
            body = {"agent": agent, "name": agent, "skills": ["general", "psychological"]}
            assert (await http.put("/api/agents", json=body, headers=SUPERVISOR)).status_code == 200
        yield http


async def _seat_state(http: httpx.AsyncClient, seat: str) -> dict[str, object]:
    seats = (await http.get("/api/seats")).json()["seats"]
    return next(s for s in seats if s["seat"] == seat)


async def test_login_pause_resume_logout(client: httpx.AsyncClient, stack: Stack) -> None:
    ok = await client.post("/api/agents/login", json={"agent": "a1", "seat": "8001"}, headers=AGENT)
    assert ok.status_code == 200, ok.text
    assert stack.seat("8001") == {"state": "available", "agent": "a1", "pause_reason": None}
    paused = await client.post("/api/agents/pause", json={"agent": "a1", "reason": "meal"})
    assert paused.status_code == 200
    assert stack.seat("8001")["pause_reason"] == "meal"
    assert (await client.post("/api/agents/resume", json={"agent": "a1"})).status_code == 200
    assert (await client.post("/api/agents/logout", json={"agent": "a1"})).status_code == 200
    assert stack.seat("8001")["state"] == "offline"
    changes = [(e.old_state, e.new_state) for e in stack.of_kind("SeatStateChanged")]  # type: ignore[attr-defined]
    assert changes == [
        ("offline", "available"),
        ("available", "paused"),
        ("paused", "available"),
        ("available", "offline"),
    ]


async def test_a_taken_seat_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    await client.post("/api/agents/login", json={"agent": "a1", "seat": "8001"})
    taken = await client.post("/api/agents/login", json={"agent": "a2", "seat": "8001"})
    assert taken.status_code == 409
    assert "8001" in taken.json()["detail"]
    assert stack.seat("8001")["agent"] == "a1"


async def test_bad_requests_name_their_reason(client: httpx.AsyncClient) -> None:
    offline_pause = await client.post("/api/agents/pause", json={"agent": "a2", "reason": "meal"})
    assert offline_pause.status_code == 409
    unknown_seat = await client.post("/api/agents/login", json={"agent": "a1", "seat": "9999"})
    assert unknown_seat.status_code in (404, 422)
    assert "9999" in unknown_seat.json()["detail"]
    not_a_seat = await client.post("/api/agents/login", json={"agent": "a1", "seat": "eight"})
    assert not_a_seat.status_code == 422
    assert not_a_seat.json()["detail"][0]["field"] == "seat"
    unknown_agent = await client.post("/api/agents/login", json={"agent": "zz", "seat": "8001"})
    assert unknown_agent.status_code == 404


async def test_surge_needs_a_supervisor_and_a_reason(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    assert (
        await client.post("/api/surge", json={"on": True, "reason": "flood"}, headers=AGENT)
    ).status_code == 403
    assert (
        await client.post("/api/surge", json={"on": True}, headers=SUPERVISOR)
    ).status_code == 422
    opened = await client.post(
        "/api/surge", json={"on": True, "reason": "flood"}, headers=SUPERVISOR
    )
    assert opened.status_code == 200
    login = await client.post("/api/agents/login", json={"agent": "a1", "seat": "8020"})
    assert login.status_code == 200, login.text


async def test_a_supervisor_forces_a_pause_and_a_logout(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    await client.post("/api/agents/login", json={"agent": "a1", "seat": "8001"})
    forced = await client.post(
        "/api/supervisor/force-pause", json={"agent": "a1", "reason": "debrief"}, headers=SUPERVISOR
    )
    assert forced.status_code == 200
    assert stack.seat("8001")["state"] == "paused"
    assert stack.of_kind("SeatStateChanged")[-1].forced_by == "duty-lead"  # type: ignore[attr-defined]
    out = await client.post(
        "/api/supervisor/force-logout", json={"agent": "a1"}, headers=SUPERVISOR
    )
    assert out.status_code == 200
    assert stack.seat("8001")["state"] == "offline"


async def test_the_queue_explains_why_a_caller_waits(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    await client.post("/api/agents/login", json={"agent": "a1", "seat": "8001"})
    await client.post("/api/agents/pause", json={"agent": "a1", "reason": "meal"})
    stack.sim.place_call("13800000001", ivr_choice="2")
    site_user = {"X-Role": "site", "X-Site": "1"}
    waiting: list[dict[str, object]] = []
    for _ in range(200):
        waiting = (await client.get("/api/queue", headers=site_user)).json()["waiting"]
        if waiting:
            break
        await asyncio.sleep(0.01)
    assert len(waiting) == 1
    assert "legal" in str(waiting[0]["explanation"])
    assert "13800000001" not in str(waiting[0])  # masked for a role that need not see it
    full = (await client.get("/api/queue", headers=SUPERVISOR)).json()["waiting"]
    assert "13800000001" in str(full[0])
