"""Searching and paging work orders; bad query parameters are 422 naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.db import transaction
from tests.workorders.conftest import arrive
from workorders.service import update_fields

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


async def seed(sessions: async_sessionmaker[AsyncSession]) -> None:
    profiles = [
        ("13800000001", "psychological", "high", "郑州市", "agent-li"),
        ("13800000002", "legal", "none", "洛阳市", "agent-li"),
        ("13800000001", "psychological", "low", "郑州市", "agent-chen"),
        ("13800000003", "other", "none", None, "agent-chen"),
        ("13800000004", "legal", "medium", "南阳市", "agent-li"),
    ]
    for day, (caller, category, risk, city, agent) in enumerate(profiles):
        order = await arrive(
            sessions,
            f"call-{day}",
            caller,
            T0 + timedelta(days=day),
            answered_by=agent,
            tags=("surge-exams",) if day % 2 else (),
        )
        changes: dict[str, object] = {"category": category, "risk_level": risk, "city": city}
        async with transaction(sessions) as session:
            await update_fields(session, order.id, changes, actor=agent, at=T0)


async def numbers(client: httpx.AsyncClient, **params: str | int) -> list[str]:
    response = await client.get("/api/workorders", params=params)
    assert response.status_code == 200, response.text
    return [item["number"] for item in response.json()["items"]]


async def test_filters_narrow_the_results(
    supervisor: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await seed(sessions)
    assert len(await numbers(supervisor)) == 5
    assert await numbers(supervisor, number="138-0000-0001") == [
        "12355-20261122-0001",
        "12355-20261120-0001",
    ]
    assert await numbers(supervisor, number="12355-20261121-0001") == ["12355-20261121-0001"]
    assert len(await numbers(supervisor, category="legal")) == 2
    assert await numbers(supervisor, risk_level="high") == ["12355-20261120-0001"]
    assert len(await numbers(supervisor, agent="agent-chen")) == 2
    assert len(await numbers(supervisor, city="郑州市")) == 2
    assert len(await numbers(supervisor, status="in_progress")) == 5
    assert await numbers(supervisor, date_from="2026-11-23", date_to="2026-11-24") == [
        "12355-20261124-0001",
        "12355-20261123-0001",
    ]
    assert await numbers(supervisor, category="legal", city="洛阳市") == ["12355-20261121-0001"]
    assert await numbers(supervisor, tag="surge-exams") == [
        "12355-20261123-0001",
        "12355-20261121-0001",
    ]
    assert await numbers(supervisor, tag="surge") == []


async def test_pages_cover_every_match_once_with_the_total(
    sessions: async_sessionmaker[AsyncSession], supervisor: httpx.AsyncClient
) -> None:
    await seed(sessions)
    seen: list[str] = []
    for page in (1, 2, 3):
        response = await supervisor.get("/api/workorders", params={"page": page, "size": 2})
        body = response.json()
        assert body["total"] == 5
        seen.extend(item["number"] for item in body["items"])
    assert len(seen) == len(set(seen)) == 5
    beyond = await supervisor.get("/api/workorders", params={"page": 9, "size": 2})
    assert beyond.json() == {"items": [], "total": 5, "page": 9, "size": 2}


async def test_bad_query_parameters_are_422_naming_the_field(supervisor: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, str | int], str]] = [
        ({"page": 0}, "page"),
        ({"size": 1000}, "size"),
        ({"risk_level": "extreme"}, "risk_level"),
        ({"status": "lost"}, "status"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2026-11-05", "date_to": "2026-11-01"}, "date_to"),
    ]
    for params, field in cases:
        response = await supervisor.get("/api/workorders", params=params)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"] == ["query", field]
