"""Referrals to local sites: the closed loop, deadline reminders, site isolation, return visits."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import transaction
from callcenter.kernel.runtime import Runtime
from tests.staff import Staff
from tests.workorders.conftest import arrive
from workorders.deps import REFERRAL_DEADLINES
from workorders.events import ReferralOverdue
from workorders.referrals.core import Deadlines
from workorders.referrals.models import ReferralReminder, Site
from workorders.referrals.service import escalate_overdue, find_overdue
from workorders.referrals.sites import import_sites

SAMPLE = Path(str(resources.files("workorders.data").joinpath("sites_sample.csv")))


async def sites(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with transaction(sessions) as session:
        result = await import_sites(session, SAMPLE)
        assert result.ok, result.errors
        rows = await session.execute(select(Site.city, Site.id))
        return dict(rows.tuples().all())


async def referred_order(
    agent: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    site_id: int,
) -> dict[str, object]:
    """Counsellor agent-li answers a call and refers the caller to ``site_id``."""
    order = await arrive(sessions, "call-1", "13800000001", clock.now())
    response = await agent.post(
        f"/api/workorders/{order.id}/referrals",
        json={"site_id": site_id, "reason": "需要当地面询 face-to-face counselling"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_the_sample_sites_import_and_a_bad_file_writes_nothing(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with transaction(sessions) as session:
        first = await import_sites(session, SAMPLE)
    async with transaction(sessions) as session:
        again = await import_sites(session, SAMPLE)
    assert (first.created, again.created, again.updated) == (4, 0, 4)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,city,county,address,contact,counsellors\n"
        "示例 New（虚构）,郑州市,金水区,x,y,2\n"
        "示例 Wrong（虚构）,郑州市,洛龙区,x,y,2\n"
        "示例 Count（虚构）,开封市,,x,y,many\n",
        encoding="utf-8",
    )
    async with transaction(sessions) as session:
        result = await import_sites(session, bad)
        count = await session.scalar(select(func.count()).select_from(Site))
    assert [error.split(":")[0] for error in result.errors] == ["line 3", "line 4"]
    assert count == 4


def test_the_sample_sites_say_they_are_fictional() -> None:
    rows = SAMPLE.read_text("utf-8").splitlines()[1:]
    assert rows
    for row in rows:
        name, *_, contact, _ = row.split(",")
        assert "示例" in name and "sample" in name.lower()
        assert "fake" in contact


async def test_site_users_see_only_their_own_referrals_with_masked_numbers(
    agent: httpx.AsyncClient,
    supervisor: httpx.AsyncClient,
    staff: Staff,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ids = await sites(sessions)
    referral = await referred_order(agent, sessions, clock, ids["郑州市"])
    own = await staff.client("site", site=ids["郑州市"])
    other = await staff.client("site", site=ids["洛阳市"])

    mine = await own.get(f"/api/referrals/{referral['id']}")
    assert mine.status_code == 200
    assert mine.json()["caller_number"] == "+86138******01"
    assert (await other.get(f"/api/referrals/{referral['id']}")).status_code == 404
    accept = {"status": "accepted"}
    stranger = await other.post(f"/api/referrals/{referral['id']}/status", json=accept)
    assert stranger.status_code == 404
    assert (await other.get("/api/referrals")).json()["total"] == 0
    assert (await own.get("/api/referrals")).json()["total"] == 1
    assert [s["id"] for s in (await other.get("/api/sites")).json()] == [ids["洛阳市"]]
    full = await supervisor.get(f"/api/referrals/{referral['id']}")
    assert full.json()["caller_number"] == "+8613800000001"
    # the counsellor who wrote it sees it in full; another counsellor does not see it at all
    assert (await agent.get("/api/referrals")).json()["total"] == 1
    colleague = await staff.client("agent", "agent-zhou")
    assert (await colleague.get("/api/referrals")).json()["total"] == 0
    assert (await colleague.get(f"/api/referrals/{referral['id']}")).status_code == 404


async def test_missed_deadlines_raise_one_alert_each(
    agent: httpx.AsyncClient,
    staff: Staff,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ids = await sites(sessions)
    referral = await referred_order(agent, sessions, clock, ids["南阳市"])
    bus, alerts = EventBus(), list[DomainEvent]()
    bus.observe(alerts.append)

    async def sweep() -> list[DomainEvent]:
        before = len(alerts)
        async with transaction(sessions) as session:
            await escalate_overdue(session, clock.now(), bus)
        return alerts[before:]

    clock.advance(23 * 3600)
    assert await sweep() == []
    clock.advance(2 * 3600)  # 25 h: the site has not accepted
    late = await sweep()
    assert [(e.deadline, e.referral_id) for e in late if isinstance(e, ReferralOverdue)] == [
        ("accept", referral["id"])
    ]
    clock.advance(3600)
    assert await sweep() == []  # reminded once for this deadline

    site = await staff.client("site", site=ids["南阳市"])
    accepted = await site.post(
        f"/api/referrals/{referral['id']}/status", json={"status": "accepted"}
    )
    assert accepted.status_code == 200
    clock.advance(6 * 86400)
    async with transaction(sessions) as session:
        assert await find_overdue(session, clock.now()) == []
    clock.advance(86400 + 60)  # just past the 7-day outcome deadline
    late = await sweep()
    assert [e.deadline for e in late if isinstance(e, ReferralOverdue)] == ["outcome"]
    assert await sweep() == []
    async with transaction(sessions) as session:
        reminders = await session.scalar(select(func.count()).select_from(ReferralReminder))
    assert reminders == 2
    agent = await staff.client("agent", "agent-li", fresh=True)  # a week later: a new token
    reply = await agent.get(f"/api/workorders/{referral['order_id']}/history")
    assert reply.status_code == 200, reply.text
    history = reply.json()
    assert [h["new_value"] for h in history if h["field"].endswith(".overdue")] == [
        "accept",
        "outcome",
    ]


async def test_closing_the_loop_creates_a_return_visit(
    agent: httpx.AsyncClient,
    supervisor: httpx.AsyncClient,
    staff: Staff,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ids = await sites(sessions)
    referral = await referred_order(agent, sessions, clock, ids["郑州市"])
    order = (await agent.get(f"/api/workorders/{referral['order_id']}")).json()
    assert order["status"] == "referred"
    url = f"/api/referrals/{referral['id']}/status"
    site = await staff.client("site", site=ids["郑州市"])

    early_close = await supervisor.post(url, json={"status": "closed"})
    assert early_close.status_code == 409
    assert early_close.json()["detail"]["allowed"] == []
    for step in ("accepted", "in_follow_up"):
        assert (await site.post(url, json={"status": step})).status_code == 200
    no_text = await site.post(url, json={"status": "outcome_reported"})
    assert no_text.status_code == 409
    report = {"status": "outcome_reported", "note": "三次面询后情绪稳定"}
    assert (await site.post(url, json=report)).status_code == 200
    site_close = await site.post(url, json={"status": "closed"})
    assert site_close.status_code == 409
    assert "province" in site_close.json()["detail"]["reason"]
    closed = await supervisor.post(url, json={"status": "closed", "note": "ok"})
    assert closed.json()["status"] == "closed"

    visits = (await agent.get("/api/return-visits")).json()
    assert [v["referral_id"] for v in visits] == [referral["id"]]
    visit_url = f"/api/return-visits/{visits[0]['id']}"
    bad = await agent.post(visit_url, json={"result": "ok", "satisfaction": 9})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "satisfaction"]
    done = await agent.post(visit_url, json={"result": "来电者表示满意", "satisfaction": 5})
    assert (done.json()["status"], done.json()["satisfaction"]) == ("done", 5)
    twice = await agent.post(visit_url, json={"result": "again", "satisfaction": 4})
    assert twice.status_code == 409
    assert (await agent.get("/api/return-visits")).json() == []


async def test_referral_payloads_and_targets_are_checked(
    agent: httpx.AsyncClient,
    staff: Staff,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> None:
    ids = await sites(sessions)
    order = await arrive(sessions, "call-1", "13800000001", clock.now(), answered_by=None)
    url = f"/api/workorders/{order.id}/referrals"
    supervisor = await staff.client("supervisor")
    missing = await supervisor.post(url, json={"site_id": ids["郑州市"]})
    assert missing.json()["detail"][0]["loc"] == ["body", "reason"]
    unanswered = await supervisor.post(url, json={"site_id": ids["郑州市"], "reason": "x"})
    assert unanswered.status_code == 409  # a new (unanswered) order cannot be referred
    nowhere = await agent.post(
        "/api/workorders/424242/referrals", json={"site_id": 1, "reason": "x"}
    )
    assert nowhere.status_code == 404
    site = await staff.client("site", site=ids["郑州市"])
    by_site = await site.post(url, json={"site_id": ids["郑州市"], "reason": "x"})
    assert by_site.status_code == 403
    assert "referrals:send" in by_site.json()["detail"]
    # a counsellor refers only the callers of their own calls
    assert (
        await agent.post(url, json={"site_id": ids["郑州市"], "reason": "x"})
    ).status_code == 403


async def test_deadlines_are_configurable(
    agent: httpx.AsyncClient,
    staff: Staff,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    runtime: Runtime,
) -> None:
    runtime.provide(
        REFERRAL_DEADLINES, Deadlines(accept=timedelta(hours=2), outcome=timedelta(days=3))
    )
    ids = await sites(sessions)
    referral = await referred_order(agent, sessions, clock, ids["郑州市"])
    assert referral["accept_due_at"] == "2026-11-28T04:00:00Z"
    clock.advance(3600)
    site = await staff.client("site", site=ids["郑州市"])
    accepted = await site.post(
        f"/api/referrals/{referral['id']}/status", json={"status": "accepted"}
    )
    assert accepted.json()["outcome_due_at"] == "2026-12-01T03:00:00Z"
