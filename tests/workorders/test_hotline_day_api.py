"""The server owns the calendar: ``period=today`` and ``/api/calendar`` follow the
hotline's clock and zone, a second either side of its midnight (16:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.clock import FakeClock
from tests.workorders.conftest import arrive

pytestmark = pytest.mark.hotline_time

LAST_SECOND = datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)  # 23:59:59 hotline time
FIRST_SECOND = datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC)  # 00:00:00, 1 December


async def _get(client: httpx.AsyncClient, path: str, **params: str) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_today_is_the_hotlines_day_either_side_of_its_midnight(
    supervisor: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await arrive(sessions, "late", "13800000001", datetime(2026, 11, 30, 15, 59, 30, tzinfo=UTC))

    clock.set(LAST_SECOND)
    today = await _get(supervisor, "/api/stats", period="today")
    assert (today["from"], today["total"]["orders"]) == ("2026-11-30", 1)
    assert today["starts_at"] == "2026-11-30T00:00:00+08:00"
    assert today["zone"] == "Asia/Shanghai"

    clock.set(FIRST_SECOND)
    today = await _get(supervisor, "/api/stats", period="today")
    assert (today["from"], today["total"]["orders"]) == ("2026-12-01", 0)
    yesterday = await _get(supervisor, "/api/stats", period="yesterday")
    assert (yesterday["from"], yesterday["total"]["orders"]) == ("2026-11-30", 1)
    month = await _get(supervisor, "/api/stats", period="this_month")
    assert (month["from"], month["to"]) == ("2026-12-01", "2026-12-31")


async def test_the_calendar_tells_pages_the_hotlines_zone_and_today(
    supervisor: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(FIRST_SECOND)
    calendar = await _get(supervisor, "/api/calendar")
    assert calendar["zone"] == "Asia/Shanghai"
    assert calendar["utc_offset"] == "+08:00"
    assert calendar["now"] == "2026-12-01T00:00:00+08:00"
    assert calendar["today"] == {
        "from": "2026-12-01",
        "to": "2026-12-01",
        "starts_at": "2026-12-01T00:00:00+08:00",
        "ends_at": "2026-12-02T00:00:00+08:00",
    }
    assert calendar["this_week"]["from"] == "2026-11-30"  # the Monday
    clock.set(LAST_SECOND)
    assert (await _get(supervisor, "/api/calendar"))["today"]["from"] == "2026-11-30"


async def test_a_period_or_both_days_are_needed(supervisor: httpx.AsyncClient) -> None:
    for params, field in [
        ({}, "from"),
        ({"from": "2026-11-01"}, "to"),
        ({"period": "x"}, "period"),
    ]:
        response = await supervisor.get("/api/stats", params=params)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"] == ["query", field]
