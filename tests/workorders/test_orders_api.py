"""Work orders through the HTTP API: lifecycle, history, edits, masking, merging, screen pop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import transaction
from callcenter.kernel.runtime import Runtime
from tests.staff import Staff
from tests.workorders.conftest import arrive
from workorders.deps import PENDING_CALLBACKS
from workorders.events import WorkOrderSubmitted, WorkOrderUpdated
from workorders.models import WorkOrderHistory

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
CALLER = "13800000001"


async def move(
    client: httpx.AsyncClient, order_id: int, status: str, **extra: str
) -> httpx.Response:
    return await client.post(f"/api/workorders/{order_id}/status", json={"status": status, **extra})


async def test_order_walks_its_lifecycle_and_history_records_every_change(
    agent: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    order = await arrive(sessions, "call-1", CALLER, T0)
    assert (await move(agent, order.id, "resolved")).json()["status"] == "resolved"
    clock.advance(60)
    assert (await move(agent, order.id, "closed")).json()["status"] == "closed"
    reopened = await move(agent, order.id, "in_progress", reason="caller rang back, not solved")
    assert reopened.status_code == 200
    assert reopened.json()["closed_at"] is None

    history = (await agent.get(f"/api/workorders/{order.id}/history")).json()
    steps = [(h["field"], h["old_value"], h["new_value"]) for h in history]
    assert steps == [
        ("status", None, "new"),
        ("status", "new", "in_progress"),
        ("seat", None, "8001"),
        ("agent", None, "agent-li"),
        ("status", "in_progress", "resolved"),
        ("status", "resolved", "closed"),
        ("status (reopened)", "closed", "in_progress"),
    ]
    assert history[-1]["reason"] == "caller rang back, not solved"
    assert history[-1]["actor"] == "agent-li"


async def test_invalid_transition_is_409_listing_the_allowed_ones(
    supervisor: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    order = await arrive(sessions, "call-1", CALLER, T0, answered_by=None)
    response = await move(supervisor, order.id, "resolved")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail["status"] == "new"
    assert sorted(detail["allowed"]) == ["closed", "in_progress"]
    # nothing was written: the order is still new and the history has only its creation
    assert (await supervisor.get(f"/api/workorders/{order.id}")).json()["status"] == "new"
    history = (await supervisor.get(f"/api/workorders/{order.id}/history")).json()
    assert len(history) == 1


async def test_reopening_without_a_reason_is_refused(
    agent: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    order = await arrive(sessions, "call-1", CALLER, T0)
    await move(agent, order.id, "resolved")
    response = await move(agent, order.id, "in_progress")
    assert response.status_code == 409
    assert "reason" in response.json()["detail"]["reason"]


async def test_edit_records_old_and_new_values_and_publishes_the_update(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    published: list[DomainEvent],
    agent: httpx.AsyncClient,
) -> None:
    order = await arrive(sessions, "call-1", CALLER, T0)
    form = {
        "summary": "考试前失眠，情绪低落",
        "risk_level": "medium",
        "category": "psychological",
        "subcategory": "study_pressure",
        "age_group": "15_17",
        "gender": "female",
        "identity": "student",
        "city": "洛阳市",
        "county": "洛龙区",
        "tags": ["surge-2026-exams"],
    }
    response = await agent.patch(f"/api/workorders/{order.id}", json=form)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tags"] == ["surge-2026-exams"]
    assert body["county"] == "洛龙区"
    update = [e for e in published if isinstance(e, WorkOrderUpdated)][-1]
    assert update.call_id == "call-1"
    assert (update.risk_level, update.category, update.city) == (
        "medium",
        "psychological",
        "洛阳市",
    )
    assert update.age_group == "15_17"

    again = await agent.patch(f"/api/workorders/{order.id}", json={"risk_level": "high"})
    assert again.json()["risk_level"] == "high"
    history = (await agent.get(f"/api/workorders/{order.id}/history")).json()
    assert ("risk_level", "medium", "high") in [
        (h["field"], h["old_value"], h["new_value"]) for h in history
    ]


async def test_bad_payloads_are_422_naming_the_field(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], agent: httpx.AsyncClient
) -> None:
    order = await arrive(sessions, "call-1", CALLER, T0)
    cases = {
        "risk_level": {"risk_level": "catastrophic"},
        "county": {"city": "郑州市", "county": "洛龙区"},
        "city": {"city": "Atlantis"},
        "subcategory": {"category": "legal", "subcategory": "study_pressure"},
        "identity": {"identity": "astronaut"},
        "extra": {"favourite_colour": "blue"},
    }
    for field, payload in cases.items():
        response = await agent.patch(f"/api/workorders/{order.id}", json=payload)
        assert response.status_code == 422, field
        locations = [error["loc"][-1] for error in response.json()["detail"]]
        assert locations == ["favourite_colour" if field == "extra" else field]
    bad_status = await move(agent, order.id, "vanished")
    assert bad_status.status_code == 422
    assert bad_status.json()["detail"][0]["loc"] == ["body", "status"]
    # none of these changed anything
    body = (await agent.get(f"/api/workorders/{order.id}")).json()
    assert (body["risk_level"], body["city"], body["category"]) == ("none", None, None)


async def test_orders_are_for_their_counsellor_and_supervisors_only(
    agent: httpx.AsyncClient,
    supervisor: httpx.AsyncClient,
    ops: httpx.AsyncClient,
    staff: Staff,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    order = await arrive(sessions, "call-1", CALLER, T0)
    theirs = await arrive(sessions, "call-2", "13900000009", T0, answered_by="agent-zhou")
    assert (await supervisor.get(f"/api/workorders/{order.id}")).json()[
        "caller_number"
    ] == "+8613800000001"
    assert (await agent.get(f"/api/workorders/{order.id}")).json()[
        "caller_number"
    ] == "+8613800000001"
    listed = (await agent.get("/api/workorders")).json()
    assert [item["id"] for item in listed["items"]] == [order.id]  # only their own calls
    other = await agent.get(f"/api/workorders/{theirs.id}")
    assert other.status_code == 403 and "not one of yours" in other.json()["detail"]
    assert (await agent.patch(f"/api/workorders/{theirs.id}", json={})).status_code == 403
    site = await staff.client("site", site=1)
    for refused in (
        await ops.get(f"/api/workorders/{order.id}"),
        await ops.patch(f"/api/workorders/{order.id}", json={}),
        await site.get(f"/api/workorders/{order.id}"),
    ):
        assert refused.status_code == 403
        assert "workorders:" in refused.json()["detail"]  # names the missing permission


async def test_submitting_the_form_ends_wrap_up(
    client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    published: list[DomainEvent],
    agent: httpx.AsyncClient,
) -> None:
    order = await arrive(sessions, "call-1", CALLER, T0)
    response = await agent.post(f"/api/workorders/{order.id}/submit")
    assert response.status_code == 200
    submitted = [e for e in published if isinstance(e, WorkOrderSubmitted)]
    assert [(e.order_id, e.seat, e.call_id) for e in submitted] == [(order.id, "8001", "call-1")]


async def test_merging_keeps_both_histories_and_moves_the_calls(
    client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], agent: httpx.AsyncClient
) -> None:
    first = await arrive(sessions, "call-1", CALLER, T0)
    second = await arrive(sessions, "call-2", CALLER, T0 + timedelta(minutes=5))
    other = await arrive(sessions, "call-3", "13900000009", T0 + timedelta(minutes=6))
    await agent.patch(f"/api/workorders/{second.id}", json={"summary": "又打来"})

    response = await agent.post(
        f"/api/workorders/{first.id}/merge",
        json={"duplicate_id": second.id, "reason": "same matter"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["calls"] == ["call-1", "call-2"]
    duplicate = (await agent.get(f"/api/workorders/{second.id}")).json()
    assert (duplicate["status"], duplicate["merged_into_id"]) == ("merged", first.id)

    history = (await agent.get(f"/api/workorders/{first.id}/history")).json()
    by_order = {h["order_id"] for h in history}
    assert by_order == {first.id, second.id}
    assert ("summary", "又打来") in [(h["field"], h["new_value"]) for h in history]

    refused = await agent.post(f"/api/workorders/{first.id}/merge", json={"duplicate_id": other.id})
    assert refused.status_code == 409
    twice = await agent.post(f"/api/workorders/{first.id}/merge", json={"duplicate_id": second.id})
    assert twice.status_code == 409


async def test_screen_pop_shows_the_callers_history(
    agent: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    runtime: Runtime,
) -> None:
    earlier = await arrive(sessions, "call-1", CALLER, T0 - timedelta(days=3))
    await agent.patch(
        f"/api/workorders/{earlier.id}",
        json={"risk_level": "high", "summary": "说想伤害自己"},
    )
    await arrive(sessions, "call-x", "13900000009", T0 - timedelta(days=1))
    current = await arrive(sessions, "call-2", CALLER, T0, answered_by=None)

    async def callbacks(
        session: AsyncSession, number: str, at: datetime
    ) -> list[dict[str, object]]:
        assert at == current.created_at  # owed as of this call's arrival
        return [{"number": number, "missed_at": "2026-11-27T10:00:00Z"}]

    runtime.provide(PENDING_CALLBACKS, callbacks)
    pop = f"/api/workorders/{current.id}/context"
    assert (await agent.get(pop)).status_code == 403  # not ringing at their seat yet
    ringing = {"seat": "8001", "agent": "agent-li", "call_id": "call-2", "callback": False}
    await runtime.live.put_snapshot("seats", {"at": None, "seats": [ringing]})
    context = (await agent.get(pop)).json()
    assert context["order"]["id"] == current.id
    assert [p["id"] for p in context["previous_orders"]] == [earlier.id]
    assert context["last_risk_level"] == "high"
    assert context["pending_callbacks"] == [
        {"number": "+8613800000001", "missed_at": "2026-11-27T10:00:00Z"}
    ]
    missing = await agent.get("/api/workorders/999999/context")
    assert missing.status_code == 404


async def test_history_cannot_be_rewritten(sessions: async_sessionmaker[AsyncSession]) -> None:
    order = await arrive(sessions, "call-1", CALLER, T0)
    with pytest.raises(PermissionError):
        async with transaction(sessions) as session:
            entry = await session.scalar(
                select(WorkOrderHistory).where(WorkOrderHistory.order_id == order.id)
            )
            assert entry is not None
            entry.new_value = "forged"
    with pytest.raises(PermissionError):
        async with transaction(sessions) as session:
            entry = await session.scalar(select(WorkOrderHistory))
            await session.delete(entry)
