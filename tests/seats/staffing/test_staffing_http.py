"""Staffing over HTTP on SQLite and PostgreSQL: availability by role, rotas, outlook, forecast."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.events import Skill
from acd.records import call_history
from callcenter.app.factory import create_app
from callcenter.kernel.bus import EventBus
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.live import MemoryLive
from callcenter.kernel.runtime import Runtime
from callcenter.kernel.settings import Settings
from seats.registry import save_agent
from seats.staffing.deps import CALL_HISTORY
from seats.staffing.synthetic import hotline_rates, synthetic_calls
from tests.seats.staffing.history import seed_calls

ZONE = ZoneInfo("Asia/Shanghai")
# Tuesday 3 Nov 2026, 18:10 in Shanghai: the evening peak is ahead.
NOW = datetime(2026, 11, 3, 10, 10, tzinfo=UTC)
SUPERVISOR = {"X-Role": "supervisor", "X-User": "duty-lead"}
EVERYWHERE = [
    f"{d}:{k}"
    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for k in ("night", "day", "evening")
]


@pytest.fixture
async def client(
    sessions: async_sessionmaker[AsyncSession], db_engine: Any
) -> AsyncIterator[httpx.AsyncClient]:
    history = list(synthetic_calls(hotline_rates(4.0), date(2026, 10, 20), 14, ZONE, seed=3))
    await seed_calls(sessions, history)
    async with sessions() as session, session.begin():
        for n in range(1, 7):
            skills = {Skill.GENERAL, Skill.CRISIS} if n <= 3 else {Skill.GENERAL}
            await save_agent(session, f"a{n}", f"Counsellor {n}", skills)
    runtime = Runtime(
        settings=Settings(),
        bus=EventBus(),
        engine=db_engine,
        sessions=sessions,
        clock=FakeClock(NOW),
        live=MemoryLive(),
    )
    runtime.provide(CALL_HISTORY, call_history)
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://staffing") as http:
        yield http


def _as(agent: str) -> dict[str, str]:
    return {"X-Role": "agent", "X-User": agent}


async def test_a_counsellor_edits_their_own_availability_and_no_one_elses(
    client: httpx.AsyncClient,
) -> None:
    body = {"shifts": ["mon:evening", "sat:day"], "max_hours_week": 16, "max_nights_week": 0}
    mine = await client.put("/api/staffing/availability/a4", json=body, headers=_as("a4"))
    assert mine.status_code == 200, mine.text
    assert mine.json()["shifts"] == ["mon:evening", "sat:day"]
    assert mine.json()["crisis_qualified"] is False
    theirs = await client.put("/api/staffing/availability/a5", json=body, headers=_as("a4"))
    assert theirs.status_code == 403
    assert (await client.get("/api/staffing/availability/a5", headers=_as("a4"))).status_code == 403
    assert (await client.get("/api/staffing/availability", headers=_as("a4"))).status_code == 403
    bad = dict(body, shifts=["monday:evening"])
    refused = await client.put("/api/staffing/availability/a4", json=bad, headers=_as("a4"))
    assert refused.status_code == 422 and "mon:night" in refused.text
    unknown = await client.put("/api/staffing/availability/zz", json=body, headers=SUPERVISOR)
    assert unknown.status_code == 404
    stored = await client.get("/api/staffing/availability/a4", headers=SUPERVISOR)
    assert stored.json()["max_hours_week"] == 16


async def test_the_forecast_reads_the_history_in_hotline_time(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/staffing/forecast?days=2", headers=_as("a1"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of"] == "2026-11-03" and len(body["half_hours"]) == 96
    assert body["half_hours"][0]["start"] == "2026-11-03T00:00:00+08:00"
    assert body["model"].startswith("Erlang A")
    evening = next(h for h in body["half_hours"] if h["time"] == "20:00")
    night = next(h for h in body["half_hours"] if h["time"] == "04:00")
    assert evening["seats"] > night["seats"] and evening["calls"] > night["calls"]
    site = {"X-Role": "site", "X-Site": "1", "X-User": "s"}
    assert (await client.get("/api/staffing/forecast", headers=site)).status_code == 403


async def test_a_supervisor_generates_and_publishes_a_rota_and_the_outlook_flags_gaps(
    client: httpx.AsyncClient,
) -> None:
    for n in range(1, 7):
        body = {"shifts": EVERYWHERE, "max_hours_week": 40, "max_nights_week": 3}
        assert (
            await client.put(f"/api/staffing/availability/a{n}", json=body, headers=SUPERVISOR)
        ).status_code == 200
    rota_for = {"first_day": "2026-11-03", "days": 2}
    assert (
        await client.post("/api/staffing/rotas", json=rota_for, headers=_as("a1"))
    ).status_code == 403
    made = await client.post("/api/staffing/rotas", json=rota_for, headers=SUPERVISOR)
    assert made.status_code == 201, made.text
    rota = made.json()
    assert rota["status"] == "draft" and len(rota["shifts"]) == 6
    assert all(s["rostered"] >= 1 for s in rota["shifts"])
    assert rota["summary"]["open_seat_half_hours"] > 0  # six counsellors for two busy days
    before = (await client.get("/api/staffing/outlook", headers=SUPERVISOR)).json()
    assert before["rota_published"] is False and before["gaps"] == []

    published = await client.post(f"/api/staffing/rotas/{rota['id']}/publish", headers=SUPERVISOR)
    assert published.status_code == 200, published.text
    again = await client.post(f"/api/staffing/rotas/{rota['id']}/publish", headers=SUPERVISOR)
    assert again.status_code == 409
    outlook = (await client.get("/api/staffing/outlook", headers=SUPERVISOR)).json()
    assert outlook["hours"][0]["day"] == "2026-11-03" and outlook["hours"][0]["time"] == "18:00"
    assert outlook["hours"][-1] == {**outlook["hours"][-1], "day": "2026-11-04", "time": "23:00"}
    assert outlook["gaps"], outlook
    first = outlook["gaps"][0]
    assert (
        first["text"]
        == f"{first['from']}–{first['to']}: need {first['needed']}, {first['rostered']} rostered"
    )
    assert first["rostered"] < first["needed"]


async def test_an_impossible_rota_says_which_rule_cannot_be_met(client: httpx.AsyncClient) -> None:
    body = {"shifts": ["tue:day", "tue:evening"], "max_hours_week": 8, "max_nights_week": 0}
    assert (
        await client.put("/api/staffing/availability/a1", json=body, headers=SUPERVISOR)
    ).status_code == 200
    refused = await client.post(
        "/api/staffing/rotas", json={"first_day": "2026-11-03", "days": 1}, headers=SUPERVISOR
    )
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert {b["rule"] for b in detail["breaches"]} == {"crisis_cover"}
    assert "2026-11-03 tue night" in detail["reason"]


async def test_publishing_rechecks_availability(client: httpx.AsyncClient) -> None:
    for n in range(1, 4):
        body = {"shifts": EVERYWHERE, "max_hours_week": 40, "max_nights_week": 3}
        await client.put(f"/api/staffing/availability/a{n}", json=body, headers=SUPERVISOR)
    made = await client.post(
        "/api/staffing/rotas", json={"first_day": "2026-11-04", "days": 1}, headers=SUPERVISOR
    )
    assert made.status_code == 201, made.text
    night = next(s for s in made.json()["shifts"] if s["shift"] == "night")
    worker = night["agents"][0]["agent"]
    body = {"shifts": ["wed:day"], "max_hours_week": 8, "max_nights_week": 0}
    await client.put(f"/api/staffing/availability/{worker}", json=body, headers=_as(worker))
    refused = await client.post(
        f"/api/staffing/rotas/{made.json()['id']}/publish", headers=SUPERVISOR
    )
    assert refused.status_code == 409
    assert "available" in {b["rule"] for b in refused.json()["detail"]["breaches"]}


async def test_stats_report_forecast_accuracy_per_day_and_half_hour(
    client: httpx.AsyncClient,
) -> None:
    params = {"from": "2026-10-27", "to": "2026-11-02", "group_by": "day"}
    body = (await client.get("/api/stats", params=params, headers=SUPERVISOR)).json()
    accuracy = body["forecast_accuracy"]
    # one week of history before 27 Oct (from 20 Oct): every half-hour has a forecast
    assert accuracy["half_hours_compared"] == 7 * 48
    assert accuracy["half_hours"][0] == {
        **accuracy["half_hours"][0],
        "start": "2026-10-27T00:00:00+08:00",
    }
    assert 0 < accuracy["wape"] < 0.6
    assert sum(r["forecast_actual_calls"] for r in body["rows"]) == accuracy["actual_calls"]
    assert all(r["forecast_wape"] is not None for r in body["rows"])
    assert body["total"]["forecast_wape"] == accuracy["wape"]
