"""The live risk suggestion in a real browser: type, see it, accept it, and the case escalates."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from crisis.models import Escalation, OutboxMessage, SuggestionReview
from tests.crisis.conftest import SECRET, WebhookReceiver
from tests.staff import demo_client
from tests.web.browser import chromium, demo, signed_in_page

# One caller, 6 s in (times scaled ×0.05): after the agent has logged in, since with
# nobody logged in a caller goes straight to overflow.
ONE_CALL = {
    "seats": [{"ext": "8001-8020", "answer_delay": 1}],
    "callers": {
        "arrivals": [
            {"at": 120, "number": "13700002222", "ivr": "1", "patience": None, "talk_time": 600}
        ]
    },
}
OVERDOSE = "来电者说半小时前把一整瓶安眠药都吞下去了，现在头很晕，一个人在宿舍"


async def test_typing_an_overdose_shows_the_suggestion_and_accepting_it_escalates(
    tmp_path: Path, artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = WebhookReceiver()
    receiver.status = 503  # the police system is down: the referral waits in the outbox
    receiver.start()
    monkeypatch.setenv("CALLCENTER_CRISIS_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("CALLCENTER_CRISIS_WEBHOOK_SECRET", SECRET)
    errors: list[str] = []
    try:
        async with demo(tmp_path, ONE_CALL) as stack, chromium() as browser:
            assert stack.system is not None
            wallboard = await signed_in_page(
                browser, stack, "demo-supervisor", "/wallboard", errors
            )
            page = await signed_in_page(browser, stack, "a01", "/desk", errors)
            await page.select_option("#seat", "8001")
            await page.click("#login")
            await expect(page.locator("#my-state")).to_have_attribute("data-state", "available")
            stack.start_traffic()
            try:
                await expect(page.locator("#submit")).to_be_enabled(timeout=12000)
            except AssertionError:
                raise AssertionError(f"no screen pop; page errors: {errors}") from None
            box = page.locator("#risk-suggestion")
            await expect(box).to_be_hidden()

            # An everyday line suggests nothing; the overdose shows within a second.
            summary = page.locator("textarea[name=summary]")
            await summary.fill("今天加班累死了")
            await page.wait_for_timeout(700)
            await expect(box).to_be_hidden()
            await summary.fill(OVERDOSE)
            await expect(page.locator("#suggest-level")).to_have_text("紧急", timeout=1000)
            evidence = page.locator("#suggest-evidence li[data-dimension=attempt_now]")
            await expect(evidence).to_contain_text("安眠药")
            await page.screenshot(path=artifacts / "desk-suggestion.png", full_page=True)

            await page.click("#suggest-accept")
            await expect(page.locator("#toasts .toast.ok").last).to_contain_text("已采纳")
            await expect(page.locator("select[name=risk_level]")).to_have_value("imminent")
            await expect(page.locator("#suggest-actions")).to_be_hidden()

            # The supervisor's wallboard gets the crisis alert, and the escalation.
            alerts = wallboard.locator("#alerts")
            await expect(alerts.locator(".alert.crisis")).not_to_have_count(0, timeout=3000)
            await expect(alerts.locator(".alert.escalation")).not_to_have_count(0, timeout=3000)
            await wallboard.screenshot(path=artifacts / "wallboard-suggested.png", full_page=True)

            async with await demo_client(stack, "demo-supervisor") as client:
                [order] = (await client.get("/api/workorders")).json()["items"]
            async with stack.system.runtime.sessions() as session:
                escalation = (await session.scalars(select(Escalation))).one()
                outbox = (await session.scalars(select(OutboxMessage))).all()
                reviews = (await session.scalars(select(SuggestionReview))).all()
    finally:
        receiver.stop()
    assert order["risk_level"] == "imminent" and order["summary"] == OVERDOSE
    assert escalation.police and escalation.order_id == order["id"]
    assert "suggested-imminent-risk" in escalation.fired_rules
    assert {row.audience for row in outbox} == {"police", "local"}
    assert [(r.decision, r.level, r.order_id) for r in reviews] == [
        ("accepted", "imminent", order["id"])
    ]
    assert errors == []
