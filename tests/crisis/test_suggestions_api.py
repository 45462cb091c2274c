"""The live assessment and the agent's answer to it, over HTTP: roles, errors, effects."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crisis.draft import CaseDraft
from crisis.service import CrisisService
from tests.crisis.test_api import count
from tests.staff import Staff

OVERDOSE = "来电者说刚才吞了一整瓶安眠药，现在头很晕"


async def test_the_desk_gets_the_suggested_level_and_its_evidence(agent: httpx.AsyncClient) -> None:
    reply = await agent.post("/api/crisis/assessment", json={"summary": OVERDOSE})
    assert reply.status_code == 200
    body = reply.json()
    assert body["level"] == "imminent" and "attempt_now" in body["dimensions"]
    evidence = {e["dimension"]: e["words"] for e in body["evidence"]}
    assert any("安眠药" in w for w in evidence["attempt_now"])
    assert body["reasons"] == ["an attempt in progress or just made"]
    calm = await agent.post("/api/crisis/assessment", json={"summary": "累死了"})
    assert calm.json()["level"] == "none" and calm.json()["evidence"] == []


async def test_only_desk_staff_see_suggestions(staff: Staff, agent: httpx.AsyncClient) -> None:
    for role in ("police", "site", "ops"):
        other = await staff.client(role, site=1 if role == "site" else None)
        reply = await other.post("/api/crisis/assessment", json={"summary": OVERDOSE})
        assert reply.status_code == 403 and "crisis:evaluate" in reply.json()["detail"]
    too_long = {"summary": "字" * 20001}
    assert (await agent.post("/api/crisis/assessment", json=too_long)).status_code == 422


async def test_a_dismissal_needs_a_reason_and_something_to_dismiss(
    sessions: async_sessionmaker[AsyncSession], agent: httpx.AsyncClient
) -> None:
    from crisis.models import SuggestionReview

    base = {"call_id": "c1", "summary": OVERDOSE, "decision": "dismissed"}
    no_reason = await agent.post("/api/crisis/suggestions", json=base)
    assert no_reason.status_code == 422 and "needs a reason" in no_reason.text
    other = base | {"reason": "other"}
    assert (await agent.post("/api/crisis/suggestions", json=other)).status_code == 422
    calm = base | {"summary": "今天好累", "reason": "figure_of_speech"}
    nothing = await agent.post("/api/crisis/suggestions", json=calm)
    assert nothing.status_code == 409 and "nothing to answer" in nothing.json()["detail"]
    assert await count(sessions, SuggestionReview) == 0


async def test_a_dismissed_suggestion_stops_the_rules_and_is_counted_in_the_report(
    crisis: CrisisService, supervisor: httpx.AsyncClient, agent: httpx.AsyncClient
) -> None:
    answer = {
        "call_id": "c1",
        "order_id": 5,
        "summary": "小说里的主角吞了一整瓶安眠药",  # "主角" makes it someone else's ...
        "decision": "dismissed",
        "reason": "quoted",
    }
    refused = await agent.post("/api/crisis/suggestions", json=answer)
    assert refused.status_code == 409  # ... so there is nothing to dismiss
    answer |= {"summary": "她说我刚吞了一整瓶安眠药，是在演话剧台词", "note": "排练话剧"}
    reply = await agent.post("/api/crisis/suggestions", json=answer)
    assert reply.status_code == 201, reply.text
    assert reply.json()["level"] == "imminent" and reply.json()["by"] == "agent-wang"
    draft = CaseDraft(call_id="c1", caller_number="+8613800000009", summary=answer["summary"])
    result = await crisis.submit(draft)
    assert "suggested-imminent-risk" not in result.verdict.fired_names
    assert not result.decision.police
    accepted = {"call_id": "c2", "summary": OVERDOSE, "decision": "accepted"}
    assert (await supervisor.post("/api/crisis/suggestions", json=accepted)).status_code == 201
    listed = await agent.get("/api/crisis/suggestions", params={"call_id": "c1"})
    assert [row["decision"] for row in listed.json()] == ["dismissed"]
    report = await supervisor.get("/api/crisis/report", params={"month": "2026-11"})
    body = report.json()
    assert body["suggestions_accepted"] == 1 and body["suggestions_dismissed"] == 1
    assert body["dismissed_by_reason"] == {"quoted": 1}
