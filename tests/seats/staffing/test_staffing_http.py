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
from tests.staff import Staff

ZONE = ZoneInfo("Asia/Shanghai")
# Tuesday 3 Nov 2026, 18:10 in Shanghai: the evening peak is ahead.
NOW = datetime(2026, 11, 3, 10, 10, tzinfo=UTC)
EVERYWHERE = [
    f"{d}:{k}"
    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for k in ("night", "day", "evening")
]


@pytest.fixture
async def staff(sessions: async_sessionmaker[AsyncSession], db_engine: Any) -> AsyncIterator[Staff]:
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
        yield Staff(http, sessions, runtime.settings)


@pytest.fixture
async def supervisor(staff: Staff) -> httpx.AsyncClient:
    return await staff.client("supervisor", "duty-lead")


async def test_a_counsellor_edits_their_own_availability_and_no_one_elses(
    staff: Staff,
    supervisor: httpx.AsyncClient,
) -> None:
    body = {"shifts": ["mon:evening", "sat:day"], "max_hours_week": 16, "max_nights_week": 0}
    mine = await (await staff.client("agent", "a4")).put("/api/staffing/availability/a4", json=body)
    assert mine.status_code == 200, mine.text
    assert mine.json()["shifts"] == ["mon:evening", "sat:day"]
    assert mine.json()["crisis_qualified"] is False
    theirs = await (await staff.client("agent", "a4")).put(
        "/api/staffing/availability/a5", json=body
    )
    assert theirs.status_code == 403
    assert (
        await (await staff.client("agent", "a4")).get("/api/staffing/availability/a5")
    ).status_code == 403
    assert (
        await (await staff.client("agent", "a4")).get("/api/staffing/availability")
    ).status_code == 403
    bad = dict(body, shifts=["monday:evening"])
    refused = await (await staff.client("agent", "a4")).put(
        "/api/staffing/availability/a4", json=bad
    )
    assert refused.status_code == 422 and "mon:night" in refused.text
    unknown = await supervisor.put("/api/staffing/availability/zz", json=body)
    assert unknown.status_code == 404
    stored = await supervisor.get("/api/staffing/availability/a4")
    assert stored.json()["max_hours_week"] == 16


async def test_the_forecast_reads_the_history_in_hotline_time(
    staff: Staff, supervisor: httpx.AsyncClient
) -> None:
    response = await (await staff.client("agent", "a1")).get("/api/staffing/forecast?days=2")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of"] == "2026-11-03" and len(body["half_hours"]) == 96
    assert body["half_hours"][0]["start"] == "2026-11-03T00:00:00+08:00"
    assert body["model"].startswith("Erlang A")
    evening = next(h for h in body["half_hours"] if h["time"] == "20:00")
    night = next(h for h in body["half_hours"] if h["time"] == "04:00")
    assert evening["seats"] > night["seats"] and evening["calls"] > night["calls"]
    site = await staff.client("site", site=1)
    assert (await site.get("/api/staffing/forecast")).status_code == 403


async def test_a_supervisor_generates_and_publishes_a_rota_and_the_outlook_flags_gaps(
    staff: Staff,
    supervisor: httpx.AsyncClient,
) -> None:
    for n in range(1, 7):
        body = {"shifts": EVERYWHERE, "max_hours_week": 40, "max_nights_week": 3}
        assert (
            await supervisor.put(f"/api/staffing/availability/a{n}", json=body)
        ).status_code == 200
    rota_for = {"first_day": "2026-11-03", "days": 2}
    assert (
        await (await staff.client("agent", "a1")).post("/api/staffing/rotas", json=rota_for)
    ).status_code == 403
    made = await supervisor.post("/api/staffing/rotas", json=rota_for)
    assert made.status_code == 201, made.text
    rota = made.json()
    assert rota["status"] == "draft" and len(rota["shifts"]) == 6
    assert all(s["rostered"] >= 1 for s in rota["shifts"])
    assert rota["summary"]["open_seat_half_hours"] > 0  # six counsellors for two busy days
    before = (await supervisor.get("/api/staffing/outlook")).json()
    assert before["rota_published"] is False and before["gaps"] == []

    published = await supervisor.post(f"/api/staffing/rotas/{rota['id']}/publish")
    assert published.status_code == 200, published.text
    again = await supervisor.post(f"/api/staffing/rotas/{rota['id']}/publish")
    assert again.status_code == 409
    outlook = (await supervisor.get("/api/staffing/outlook")).json()
    assert outlook["hours"][0]["day"] == "2026-11-03" and outlook["hours"][0]["time"] == "18:00"
    assert outlook["hours"][-1] == {**outlook["hours"][-1], "day": "2026-11-04", "time": "23:00"}
    assert outlook["gaps"], outlook
    first = outlook["gaps"][0]
    assert (
        first["text"]
        == f"{first['from']}–{first['to']}: need {first['needed']}, {first['rostered']} rostered"
    )
    assert first["rostered"] < first["needed"]


async def test_an_impossible_rota_says_which_rule_cannot_be_met(
    staff: Staff, supervisor: httpx.AsyncClient
) -> None:
    body = {"shifts": ["tue:day", "tue:evening"], "max_hours_week": 8, "max_nights_week": 0}
    assert (await supervisor.put("/api/staffing/availability/a1", json=body)).status_code == 200
    refused = await supervisor.post(
        "/api/staffing/rotas", json={"first_day": "2026-11-03", "days": 1}
    )
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert {b["rule"] for b in detail["breaches"]} == {"crisis_cover"}
    assert "2026-11-03 tue night" in detail["reason"]


async def test_publishing_rechecks_availability(
    staff: Staff, supervisor: httpx.AsyncClient
) -> None:
    for n in range(1, 4):
        body = {"shifts": EVERYWHERE, "max_hours_week": 40, "max_nights_week": 3}
        await supervisor.put(f"/api/staffing/availability/a{n}", json=body)
    made = await supervisor.post("/api/staffing/rotas", json={"first_day": "2026-11-04", "days": 1})
    assert made.status_code == 201, made.text
    night = next(s for s in made.json()["shifts"] if s["shift"] == "night")
    worker = night["agents"][0]["agent"]
    body = {"shifts": ["wed:day"], "max_hours_week": 8, "max_nights_week": 0}
    await (await staff.client("agent", worker)).put(
        f"/api/staffing/availability/{worker}", json=body
    )
    refused = await supervisor.post(f"/api/staffing/rotas/{made.json()['id']}/publish")
    assert refused.status_code == 409
    assert "available" in {b["rule"] for b in refused.json()["detail"]["breaches"]}


async def test_stats_report_forecast_accuracy_per_day_and_half_hour(
    staff: Staff,
    supervisor: httpx.AsyncClient,
) -> None:
    params = {"from": "2026-10-27", "to": "2026-11-02", "group_by": "day"}
    body = (await supervisor.get("/api/stats", params=params)).json()
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
