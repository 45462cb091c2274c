"""The wallboard in a real browser against the demo stack: seats, actions, surge, alerts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Dialog, expect

from tests.staff import demo_client
from tests.web.browser import chromium, demo, offered_today, signed_in_page


def _answer(text: str | None) -> Callable[[Dialog], Awaitable[None]]:
    async def handle(dialog: Dialog) -> None:
        await (dialog.accept(text) if text is not None else dialog.accept())

    return handle


async def test_seat_changes_appear_on_the_wallboard_within_a_second(
    tmp_path: Path, artifacts: Path
) -> None:
    errors: list[str] = []
    async with demo(tmp_path) as stack, chromium() as browser:
        page = await signed_in_page(browser, stack, "demo-supervisor", "/wallboard", errors)
        seat = page.locator('.seat[data-seat="8002"]')
        await expect(seat).to_have_attribute("data-state", "offline", timeout=5000)
        await expect(page.locator("#live-status")).to_have_class("live on")

        async with await demo_client(stack, "a02") as client:
            response = await client.post("/api/agents/login", json={"seat": "8002"})
            assert response.status_code == 200, response.text
        await expect(seat).to_have_attribute("data-state", "available", timeout=1000)
        await expect(seat).to_contain_text("李老师")
        await expect(seat).to_contain_text("空闲")  # Chinese by default

        page.once("dialog", _answer("meal"))
        await seat.get_by_role("button", name="强制小休").click()
        await expect(seat).to_have_attribute("data-state", "paused", timeout=1000)
        await expect(seat.locator(".reason")).to_have_text("用餐")
        await page.screenshot(path=artifacts / "wallboard.png", full_page=True)

        page.once("dialog", _answer(None))
        await seat.get_by_role("button", name="强制签出").click()
        await expect(seat).to_have_attribute("data-state", "offline", timeout=1000)
        await expect(seat).to_contain_text("无人")
    assert errors == []


async def test_surge_switch_opens_seats_9_to_20_and_closes_them(
    tmp_path: Path, artifacts: Path
) -> None:
    errors: list[str] = []
    async with demo(tmp_path) as stack, chromium() as browser:
        page = await signed_in_page(browser, stack, "demo-supervisor", "/wallboard", errors)
        await expect(page.locator('.seat[data-seat="8009"]')).to_have_attribute(
            "data-state", "closed", timeout=5000
        )
        await page.fill("#surge-reason", "防汛")
        await page.click("#surge-on")
        for n in range(9, 21):
            await expect(page.locator(f'.seat[data-seat="80{n:02d}"]')).not_to_have_attribute(
                "data-state", "closed", timeout=1000
            )
        await expect(page.locator("#open-seats")).to_have_text("20 / 20")
        await expect(page.locator("#surge-state")).to_have_text("扩容中")
        await page.screenshot(path=artifacts / "wallboard-surge.png", full_page=True)

        await page.click("#lang-toggle")  # English labels on demand
        await expect(page.locator("#surge-state")).to_have_text("Surge on")
        await page.click("#surge-off")
        await expect(page.locator('.seat[data-seat="8020"]')).to_have_attribute(
            "data-state", "closed", timeout=1000
        )
        await expect(page.locator("#open-seats")).to_have_text("8 / 20")
    assert errors == []


async def test_a_crisis_alert_shows_and_beeps(tmp_path: Path) -> None:
    errors: list[str] = []
    async with demo(tmp_path) as stack, chromium() as browser:
        page = await signed_in_page(browser, stack, "demo-supervisor", "/wallboard", errors)
        await expect(page.locator("#live-status")).to_have_class("live on", timeout=5000)
        assert stack.system is not None
        await stack.system.runtime.live.broadcast(
            {"kind": "CrisisAlert", "message": "规则触发：自伤风险", "caller": "+86138******01"}
        )
        alert = page.locator("#alerts .alert.crisis")
        await expect(alert).to_contain_text("规则触发：自伤风险", timeout=1000)
        await expect(alert).to_contain_text("危机预警")
        assert await page.evaluate("window.ccBeeps") == 1
    assert errors == []


# Three callers 2 s in (scaled ×0.05) for one logged-in agent: one talks, two wait.
THREE_CALLERS = {
    "seats": [{"ext": "8001-8020", "answer_delay": 1}],
    "callers": {
        "arrivals": [
            {
                "at": 40 + i,
                "number": f"1391234567{i}",
                "ivr": "1",
                "patience": None,
                "talk_time": 600,
            }
            for i in range(3)
        ]
    },
}


async def test_queue_shows_waiting_callers_masked_and_a_supervisor_listens_in(
    tmp_path: Path, artifacts: Path
) -> None:
    errors: list[str] = []
    async with demo(tmp_path, THREE_CALLERS) as stack, chromium() as browser:
        async with await demo_client(stack, "a02") as client:
            response = await client.post("/api/agents/login", json={"seat": "8002"})
            assert response.status_code == 200, response.text
        page = await signed_in_page(browser, stack, "demo-supervisor", "/wallboard", errors)
        stack.start_traffic()
        rows = page.locator("#queue tr[data-call]")
        await expect(rows).to_have_count(2, timeout=15000)
        await expect(page.locator('.seat[data-seat="8002"]')).to_have_attribute(
            "data-state", "on_call"
        )
        first = rows.nth(0)
        await expect(first.locator(".number")).to_have_text(re.compile(r"^\+86139\*+\d\d$"))
        await expect(first.locator(".why")).not_to_be_empty()
        await expect(page.locator("#queue-count")).to_have_text("2")
        async with await demo_client(stack, "demo-supervisor") as client:
            for _ in range(50):  # until the recorder has written all three arrivals
                if (offered := await offered_today(client)) >= 3:
                    break
                await asyncio.sleep(0.1)
        await expect(page.locator('.kpi[data-kpi="offered"] dd')).to_have_text(
            str(offered), timeout=5000
        )
        await page.screenshot(path=artifacts / "wallboard-queue.png", full_page=True)

        # Listen in: the supervisor's phone (here the free seat 8020) is rung into ChanSpy.
        await page.fill("#supervisor-phone", "8020")
        await page.locator('.seat[data-seat="8002"]').get_by_role("button", name="监听").click()
        await expect(page.locator("#toasts .toast.ok")).to_contain_text("监听 8002")
        html = await page.content()
    assert "13912345670" not in html and "13912345671" not in html
    assert errors == []


async def test_a_fallback_period_shows_as_a_banner_with_its_calls(
    tmp_path: Path, artifacts: Path
) -> None:
    from datetime import timedelta

    from acd.fallback.models import FallbackPeriod

    errors: list[str] = []
    async with demo(tmp_path) as stack, chromium() as browser:
        assert stack.system is not None
        runtime = stack.system.runtime
        ended = runtime.clock.now() - timedelta(minutes=5)
        async with runtime.sessions() as session, session.begin():
            session.add(FallbackPeriod(started_at=ended - timedelta(seconds=95), ended_at=ended,
                                       calls=3, answered=2, abandoned=1))  # fmt: skip
        page = await signed_in_page(browser, stack, "demo-supervisor", "/wallboard", errors)
        banner = page.locator("#fallback-banner")
        await expect(banner).to_be_visible(timeout=5000)
        await expect(banner).to_contain_text("后备排队已接管")
        await expect(banner).to_contain_text("(1:35): 3 通来电, 2 接通, 1 放弃")
        await page.screenshot(path=artifacts / "wallboard-fallback.png", full_page=True)
    assert errors == []
