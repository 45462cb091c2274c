"""The crisis HTTP API: dry run, roles, checkpoints, access log, report, rule overrides."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.events import CallArrived
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import transaction
from crisis.draft import CaseDraft
from crisis.models import AccessLog, CallerContact, Escalation, OutboxMessage
from crisis.service import CrisisService

IMMINENT = {
    "call_id": "call-1",
    "caller_number": "+8613800000001",
    "risk_level": "imminent",
    "agent": "agent-wang",
    "region": "金水区",
    "summary": "说想跳楼",
}


async def count(sessions: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with transaction(sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def raised(crisis: CrisisService, **fields: Any) -> int:
    result = await crisis.submit(CaseDraft(**(IMMINENT | fields)))
    assert result.escalation_id is not None
    return result.escalation_id


async def test_a_dry_run_explains_and_leaves_nothing_behind(
    sessions: async_sessionmaker[AsyncSession], agent: httpx.AsyncClient
) -> None:
    reply = await agent.post("/api/crisis/evaluate", json={"draft": IMMINENT})
    assert reply.status_code == 200
    body = reply.json()
    assert body["ruleset_version"].startswith("default@")
    first = body["fired"][0]
    assert first["name"] == "imminent-risk"
    assert first["findings"] == [{"field": "risk_level", "detail": "imminent ge imminent"}]
    assert body["plan"]["police_webhook"] and body["plan"]["owner"] == "agent-wang"
    words = next(rule for rule in body["fired"] if rule["name"] == "suicide-or-self-harm-words")
    assert words["findings"] == [
        {"field": "assessment", "detail": "suggested high (ideation: 想跳楼; plan: 想跳楼)"}
    ]
    assert body["assessment"]["level"] == "high"
    assert {"dimension": "plan", "words": ["想跳楼"]} in body["assessment"]["evidence"]
    for model in (Escalation, OutboxMessage, CallerContact):
        assert await count(sessions, model) == 0


async def test_an_invalid_draft_is_refused_field_by_field(agent: httpx.AsyncClient) -> None:
    bad = IMMINENT | {"risk_level": "extreme", "caller_age": -3}
    reply = await agent.post("/api/crisis/evaluate", json={"draft": bad})
    assert reply.status_code == 422
    fields = {tuple(error["loc"][-2:]) for error in reply.json()["detail"]}
    assert {("draft", "risk_level"), ("draft", "caller_age")} <= fields


async def test_the_whole_case_through_the_api_with_every_step_audited(
    crisis: CrisisService,
    clock: FakeClock,
    supervisor: httpx.AsyncClient,
    police: httpx.AsyncClient,
    site2: httpx.AsyncClient,
) -> None:
    case = await raised(crisis)
    base = f"/api/crisis/escalations/{case}"
    assert (await police.post(f"{base}/acknowledge", json={})).json()["stage"] == "acknowledged"
    clock.advance(1800)
    assert (await police.post(f"{base}/reached", json={"note": "民警已到场"})).status_code == 200
    clock.advance(24 * 3600)
    assert (await site2.post(f"{base}/follow-ups/24h", json={})).status_code == 200
    clock.advance(48 * 3600)
    assert (await site2.post(f"{base}/follow-ups/72h", json={})).status_code == 200
    closed = await supervisor.post(f"{base}/close", json={"note": "稳定"})
    assert closed.status_code == 200 and closed.json()["stage"] == "closed"
    detail = (await supervisor.get(base)).json()
    steps = [(s["step"], s["actor"]) for s in detail["steps"]]
    assert steps[-5:] == [
        ("acknowledged", "liaison-1"),
        ("reached", "liaison-1"),
        ("follow_up_24h", "site-xihu"),
        ("follow_up_72h", "site-xihu"),
        ("closed", "sup-zhao"),
    ]
    assert detail["fired_rules"][0]["rules"][0]["findings"][0]["field"] == "risk_level"


async def test_out_of_order_steps_answer_409_with_the_reason(
    crisis: CrisisService, supervisor: httpx.AsyncClient, police: httpx.AsyncClient
) -> None:
    base = f"/api/crisis/escalations/{await raised(crisis)}"
    reply = await police.post(f"{base}/reached", json={})
    assert reply.status_code == 409 and "acknowledged" in reply.json()["detail"]
    reply = await supervisor.post(f"{base}/close", json={})
    assert reply.status_code == 409 and "reached" in reply.json()["detail"]
    reply = await police.post(f"{base}/follow-ups/48h", json={})
    assert reply.status_code == 422


async def test_only_a_supervisor_closes_early_and_must_give_a_reason(
    crisis: CrisisService, supervisor: httpx.AsyncClient, police: httpx.AsyncClient
) -> None:
    base = f"/api/crisis/escalations/{await raised(crisis)}"
    override = {"override_reason": "caller safe with family, confirmed by police"}
    assert (await police.post(f"{base}/close", json=override)).status_code == 403
    assert (await supervisor.post(f"{base}/close", json={"override_reason": ""})).status_code == 422
    reply = await supervisor.post(f"{base}/close", json=override)
    assert reply.status_code == 200
    assert reply.json()["close_override_reason"] == override["override_reason"]


async def test_other_roles_and_other_sites_are_refused(
    crisis: CrisisService,
    police: httpx.AsyncClient,
    agent: httpx.AsyncClient,
    site2: httpx.AsyncClient,
    site1: httpx.AsyncClient,
) -> None:
    base = f"/api/crisis/escalations/{await raised(crisis)}"
    assert (await agent.post(f"{base}/acknowledge", json={})).status_code == 403
    assert (await agent.get(base)).status_code == 403
    assert (await site1.get(base)).status_code == 403
    assert (await agent.get("/api/crisis/escalations")).status_code == 403
    assert (await police.get("/api/crisis/report?month=2026-11")).status_code == 403
    site_view = (await site2.get(base)).json()
    assert site_view["caller_number"] == "+86138******01"
    assert (await police.get(base)).json()["caller_number"] == "+8613800000001"
    assert (await police.get("/api/crisis/escalations/999")).status_code == 404


async def test_every_read_is_access_logged(
    crisis: CrisisService,
    sessions: async_sessionmaker[AsyncSession],
    supervisor: httpx.AsyncClient,
    police: httpx.AsyncClient,
    site2: httpx.AsyncClient,
    site1: httpx.AsyncClient,
) -> None:
    case = await raised(crisis)
    await police.get(f"/api/crisis/escalations/{case}")
    listed = await site2.get("/api/crisis/escalations")
    assert [row["id"] for row in listed.json()] == [case]
    assert (await site1.get("/api/crisis/escalations")).json() == []
    async with transaction(sessions) as session:
        rows = (await session.scalars(select(AccessLog).order_by(AccessLog.id))).all()
        seen = [(row.user, row.role, row.what, row.escalation_id) for row in rows]
    assert seen == [
        ("liaison-1", "police", "read escalation", case),
        ("site-xihu", "site", "list escalations", case),
    ]
    log = (await supervisor.get(f"/api/crisis/escalations/{case}/access-log")).json()
    assert [(row["user"], row["what"]) for row in log] == [
        ("liaison-1", "read escalation"),
        ("site-xihu", "list escalations"),
    ]
    assert (await police.get(f"/api/crisis/escalations/{case}/access-log")).status_code == 403


async def test_the_month_report_counts_cases_and_the_median_time_to_notify(
    crisis: CrisisService, clock: FakeClock, supervisor: httpx.AsyncClient
) -> None:
    for n, delay in enumerate((4, 10, 30)):
        await raised(crisis, call_id=f"call-{n}")
        clock.advance(delay)
        await crisis.deliver_due()
    await raised(crisis, call_id="call-local", risk_level="high", summary="")
    reply = await supervisor.get("/api/crisis/report", params={"month": "2026-11"})
    assert reply.json() == {
        "month": "2026-11",
        "crisis_cases": 4,
        "police_handoffs": 3,
        "local_referrals": 4,
        "people_helped": 0,
        "median_seconds_to_notify": 10.0,
        "suggestions_accepted": 0,
        "suggestions_dismissed": 0,
        "dismissed_by_reason": {},
    }
    empty = await supervisor.get("/api/crisis/report", params={"month": "2026-12"})
    assert empty.json()["crisis_cases"] == 0 and empty.json()["median_seconds_to_notify"] is None
    bad = await supervisor.get("/api/crisis/report", params={"month": "2026-13"})
    assert bad.status_code == 422


async def test_a_stored_rule_set_is_used_and_its_version_recorded(
    crisis: CrisisService,
    supervisor: httpx.AsyncClient,
    police: httpx.AsyncClient,
    admin: httpx.AsyncClient,
) -> None:
    rules: dict[str, Any] = {
        "name": "strict",
        "rules": [
            {
                "name": "any-medium",
                "priority": 10,
                "when": {"kind": "compare", "field": "risk_level", "op": "ge", "value": "medium"},
                "actions": [
                    {"kind": "local_notification"},
                    {"kind": "assign_owner", "owner": "duty-li"},
                ],
            }
        ],
    }
    bad = {
        "rules": {
            "rules": [
                {
                    **rules["rules"][0],
                    "when": {"kind": "compare", "field": "mood", "op": "eq", "value": 1},
                }
            ]
        }
    }
    reply = await admin.put("/api/crisis/rules", json=bad)
    assert reply.status_code == 422
    assert any("field" in error["loc"] for error in reply.json()["detail"])
    assert (await police.put("/api/crisis/rules", json={"rules": rules})).status_code == 403
    stored = await admin.put("/api/crisis/rules", json={"label": "strict", "rules": rules})
    version = stored.json()["version"]
    assert version.startswith("strict@")
    assert (await supervisor.get("/api/crisis/rules")).json()["version"] == version
    case = await raised(crisis, risk_level="medium")
    detail = (await supervisor.get(f"/api/crisis/escalations/{case}")).json()
    assert detail["ruleset_version"] == version and detail["owner"] == "duty-li"
    assert not detail["police"] and detail["local"]


async def test_an_ordinary_change_follows_each_newly_stored_rule_set(
    crisis: CrisisService, admin: httpx.AsyncClient, clock: FakeClock
) -> None:
    """Ordinary changes (no risk, no text) are decided on few facts; they still follow
    whichever set was stored last, stored again included."""

    def watching(status: str) -> dict[str, Any]:
        when = {"kind": "compare", "field": "status", "op": "eq", "value": status}
        rule = {"name": f"{status}-calls", "priority": 1, "when": when}
        return {"name": status, "rules": [rule | {"actions": [{"kind": "supervisor_alert"}]}]}

    async def fired(n: int, *, arrived: bool = True) -> tuple[tuple[str, ...], str]:
        call = CaseDraft(call_id=f"c{n}", caller_number=f"1380000{n:04d}", status="in_progress")
        if arrived:  # the call's arrival on record, as the recorder writes it
            await crisis.on_event(
                CallArrived(call_id=call.call_id, caller_number=call.caller_number, at=clock.now())
            )
        verdict = (await crisis.submit(call)).verdict
        return verdict.fired_names, verdict.version

    assert (await fired(1))[0] == ()
    watch = (await admin.put("/api/crisis/rules", json={"rules": watching("in_progress")})).json()
    assert await fired(2) == (("in_progress-calls",), watch["version"])
    quiet = (await admin.put("/api/crisis/rules", json={"rules": watching("closed")})).json()
    assert await fired(3) == ((), quiet["version"])
    assert await fired(4, arrived=False) == ((), quiet["version"])
    await admin.put("/api/crisis/rules", json={"rules": watching("in_progress")})  # again
    assert await fired(5) == (("in_progress-calls",), watch["version"])
    assert await fired(6, arrived=False) == (("in_progress-calls",), watch["version"])


async def test_a_supervisor_names_another_follow_up_owner(
    crisis: CrisisService, supervisor: httpx.AsyncClient, police: httpx.AsyncClient
) -> None:
    base = f"/api/crisis/escalations/{await raised(crisis)}"
    body = {"owner": "counsellor-chen"}
    assert (await police.put(f"{base}/owner", json=body)).status_code == 403
    assert (await supervisor.put(f"{base}/owner", json=body)).json()["owner"] == ("counsellor-chen")
    steps = (await supervisor.get(base)).json()["steps"]
    assert steps[-1]["step"] == "owner_assigned"
    assert steps[-1]["detail"] == "agent-wang → counsellor-chen"


async def test_a_dry_run_normalises_the_number_before_looking_at_its_history(
    crisis: CrisisService, agent: httpx.AsyncClient
) -> None:
    for n in range(3):
        await crisis.submit(CaseDraft(call_id=f"earlier-{n}", caller_number="138 0000 0001"))
    draft = {"call_id": "now", "caller_number": "13800000001"}
    reply = await agent.post("/api/crisis/evaluate", json={"draft": draft})
    assert [rule["name"] for rule in reply.json()["fired"]] == [
        "high-risk-history",
        "repeated-calls",
    ][1:]
