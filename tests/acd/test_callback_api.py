"""Callbacks over HTTP: the supervisor's list, cancelling with a reason, statistics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from acd.callback import store
from acd.callback.policy import AttemptOutcome, CallbackPolicy
from acd.events import MissReason
from callcenter.app.factory import create_app
from callcenter.kernel.bus import EventBus
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import transaction
from callcenter.kernel.runtime import Runtime
from callcenter.kernel.settings import Settings
from tests.staff import Staff

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
POLICY = CallbackPolicy()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
async def staff(
    db_engine: AsyncEngine, sessions: Sessions, clock: FakeClock
) -> AsyncIterator[Staff]:
    runtime = Runtime(
        settings=Settings(), bus=EventBus(), engine=db_engine, sessions=sessions, clock=clock
    )
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://cc") as client:
        yield Staff(client, sessions, runtime.settings)


@pytest.fixture
async def http(staff: Staff) -> httpx.AsyncClient:
    """A supervisor: callbacks are worked from their list."""
    return await staff.client("supervisor")


async def miss(
    sessions: Sessions,
    number: str,
    call_id: str,
    at: datetime,
    reason: MissReason = MissReason.ABANDONED,
) -> int:
    async with transaction(sessions) as session:
        recorded = await store.record_miss(
            session,
            number=number,
            dial_number=number,
            call_id=call_id,
            reason=reason,
            waited_seconds=3.0,
            missed_at=at,
            high_risk=False,
            work_order_id=None,
            policy=POLICY,
        )
    return recorded.task_id


async def dial(sessions: Sessions, at: datetime, outcome: AttemptOutcome) -> None:
    async with transaction(sessions) as session:
        claim = await store.claim_next(session, now=at, dialer_id="d1")
        assert claim is not None
        await store.finish_attempt(
            session,
            attempt_key=claim.attempt_key,
            outcome=outcome,
            caller_dialled=True,
            dial_status="",
            finished_at=at,
            policy=POLICY,
        )


async def test_the_list_shows_due_callbacks_in_dial_order_and_pages(
    http: httpx.AsyncClient, sessions: Sessions, clock: FakeClock
) -> None:
    old = await miss(sessions, "+8613800000001", "a", T0 - timedelta(hours=1))
    hesitant = await miss(
        sessions, "+8613800000002", "b", T0 - timedelta(minutes=30), MissReason.SHORT_HANGUP
    )
    fresh = await miss(sessions, "+8613800000003", "c", T0)
    due = (await http.get("/api/callbacks", params={"view": "due"})).json()
    assert [item["id"] for item in due["items"]] == [hesitant, old]
    assert due["total"] == 2
    pending = (await http.get("/api/callbacks", params={"view": "pending"})).json()
    assert [item["id"] for item in pending["items"]] == [fresh]
    page = (await http.get("/api/callbacks", params={"page": 2, "page_size": 2})).json()
    assert (page["total"], len(page["items"])) == (3, 1)
    mine = (await http.get("/api/callbacks", params={"number": "13800000003"})).json()
    assert [item["id"] for item in mine["items"]] == [fresh]
    assert mine["items"][0]["number"] == "+8613800000003"


async def test_roles_without_full_numbers_see_them_masked(staff: Staff, sessions: Sessions) -> None:
    await miss(sessions, "+8613800000001", "a", T0)
    for role in ("ops", "agent"):
        reader = await staff.client(role)
        [item] = (await reader.get("/api/callbacks")).json()["items"]
        assert item["number"] != "+8613800000001" and item["number"].endswith("01")


async def test_local_sites_and_police_do_not_see_callbacks(staff: Staff) -> None:
    site = await (await staff.client("site", site=3)).get("/api/callbacks")
    police = await (await staff.client("police")).get("/api/callbacks/stats")
    assert (site.status_code, police.status_code) == (403, 403)
    assert "callbacks:read" in site.json()["detail"]


async def test_cancel_needs_a_reason_and_is_refused_once_done(
    http: httpx.AsyncClient, sessions: Sessions
) -> None:
    task_id = await miss(sessions, "+8613800000001", "a", T0)
    missing = await http.post(f"/api/callbacks/{task_id}/cancel", json={})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["field"] == "reason"
    done = await http.post(f"/api/callbacks/{task_id}/cancel", json={"reason": "caller's parent"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "cancelled"
    assert "caller's parent" in done.json()["close_reason"]
    again = await http.post(f"/api/callbacks/{task_id}/cancel", json={"reason": "twice"})
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]
    absent = await http.post("/api/callbacks/999/cancel", json={"reason": "x"})
    assert absent.status_code == 404


async def test_detail_shows_misses_and_attempts(
    http: httpx.AsyncClient, sessions: Sessions
) -> None:
    task_id = await miss(sessions, "+8613800000001", "a", T0)
    await miss(sessions, "+8613800000001", "b", T0 + timedelta(minutes=1), MissReason.OVERFLOW)
    await dial(sessions, T0 + timedelta(minutes=6), AttemptOutcome.BUSY)
    detail = (await http.get(f"/api/callbacks/{task_id}")).json()
    assert [m["reason"] for m in detail["misses"]] == ["abandoned", "overflow"]
    assert [a["outcome"] for a in detail["attempt_log"]] == ["busy"]
    assert (await http.get("/api/callbacks/999")).status_code == 404


async def test_a_wrong_number_can_only_follow_a_reached_callback(
    http: httpx.AsyncClient, sessions: Sessions
) -> None:
    task_id = await miss(sessions, "+8613800000001", "a", T0)
    early = await http.post(f"/api/callbacks/{task_id}/wrong-number")
    assert early.status_code == 409
    await dial(sessions, T0 + timedelta(minutes=5), AttemptOutcome.REACHED)
    marked = await http.post(f"/api/callbacks/{task_id}/wrong-number")
    assert marked.status_code == 200 and marked.json()["status"] == "wrong_number"
    detail = (await http.get(f"/api/callbacks/{task_id}")).json()
    assert detail["attempt_log"][0]["outcome"] == "wrong_number"


async def test_stats_give_callback_rate_reach_rate_and_time_to_first_attempt(
    http: httpx.AsyncClient, sessions: Sessions
) -> None:
    await miss(sessions, "+8613800000001", "a", T0)
    await dial(sessions, T0 + timedelta(minutes=5), AttemptOutcome.REACHED)
    await miss(sessions, "+8613800000002", "b", T0 + timedelta(minutes=1))
    await dial(sessions, T0 + timedelta(minutes=16), AttemptOutcome.NO_ANSWER)
    cancelled = await miss(sessions, "+8613800000003", "c", T0 + timedelta(minutes=2))
    await http.post(f"/api/callbacks/{cancelled}/cancel", json={"reason": "called in again"})
    await miss(sessions, "+8613800000004", "d", T0 + timedelta(minutes=3))
    stats = (await http.get("/api/callbacks/stats")).json()
    assert stats["tasks"] == 4 and stats["called_back"] == 2
    assert stats["callback_rate"] == round(2 / 3, 4)  # cancelled callbacks need no call
    assert stats["reach_rate"] == 0.5
    assert stats["first_attempt_median_seconds"] == (5 * 60 + 15 * 60) / 2
    assert stats["by_status"] == {"reached": 1, "pending": 2, "cancelled": 1}
    later = T0 + timedelta(minutes=1)
    window = (await http.get("/api/callbacks/stats", params={"since": later.isoformat()})).json()
    assert window["tasks"] == 3


async def test_a_callback_dialled_then_cancelled_never_lifts_the_rate_above_one(
    http: httpx.AsyncClient, sessions: Sessions
) -> None:
    dialled = await miss(sessions, "+8613800000001", "a", T0)
    await dial(sessions, T0 + timedelta(minutes=5), AttemptOutcome.NO_ANSWER)
    await http.post(f"/api/callbacks/{dialled}/cancel", json={"reason": "called in again"})
    await miss(sessions, "+8613800000002", "b", T0 + timedelta(minutes=1))
    stats = (await http.get("/api/callbacks/stats")).json()
    assert stats["callback_rate"] == 0.0  # one callback owed, not yet dialled
