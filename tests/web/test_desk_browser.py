"""The agent desk in a real browser against the demo stack: log in, answer, screen pop, submit."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Route, expect

from tests.staff import demo_client
from tests.web.browser import chromium, demo, signed_in_page

SITES = Path(__file__).resolve().parents[2] / "workorders" / "data" / "sites_sample.csv"

# One caller calling twice (times scaled ×0.05): the first call 8 s in, after the agent
# has logged in (with nobody logged in a caller goes straight to overflow); the second
# waits until the agent is free again. The seat answers at once; each call talks 3 s.
CALLS_TWICE = {
    "seats": [{"ext": "8001-8020", "answer_delay": 1}],
    "callers": {
        "arrivals": [
            {"at": at, "number": "13812345678", "ivr": "1", "patience": None, "talk_time": 60}
            for at in (160, 200)  # late enough for a busy machine to log the agent in first
        ]
    },
}
# Wrap-up long enough (30 s real) that only the agent's submit ends it: with the demo's
# 0.5 s a slow machine let it time out before the form was saved, and the next caller's
# pop showed the first order without its summary.
AGENT_PACED_WRAPUP = 600


async def test_agent_logs_in_answers_sees_the_screen_pop_and_submits_the_work_order(
    tmp_path: Path, artifacts: Path
) -> None:
    errors: list[str] = []
    async with (
        demo(tmp_path, CALLS_TWICE, wrapup_seconds=AGENT_PACED_WRAPUP) as stack,
        chromium() as browser,
    ):
        page = await signed_in_page(browser, stack, "a01", "/desk", errors)
        await expect(page.locator("#agent")).to_contain_text("a01")
        await expect(page.locator("#my-state")).to_have_text("未签入", timeout=5000)
        await page.select_option("#seat", "8001")
        await page.click("#login")
        await expect(page.locator("#my-state")).to_have_attribute("data-state", "available")
        stack.start_traffic()

        # The waiting caller is routed the moment the seat is free; the desk pops the order.
        await expect(page.locator("#pop .facts")).to_contain_text("12355-", timeout=15000)
        await expect(page.locator("#pop .facts")).to_contain_text("+8613812345678")
        await expect(page.locator("#pop")).to_contain_text("首次来电")
        await expect(page.locator("#submit")).to_be_enabled()

        form = page.locator("#order")
        await form.locator("select[name=category]").select_option("psychological")
        await form.locator("select[name=subcategory]").select_option("study_pressure")
        await form.locator("select[name=age_group]").select_option("15_17")
        await form.locator("select[name=gender]").select_option("female")
        await form.locator("select[name=identity]").select_option("student")
        await form.locator("select[name=city]").select_option("郑州市")
        await form.locator("select[name=risk_level]").select_option("low")
        await form.locator("textarea[name=summary]").fill("考试前焦虑，睡不好，已做放松练习。")
        await page.screenshot(path=artifacts / "desk-pop.png", full_page=True)

        # The call ends, the seat goes to wrap-up; submitting the order ends it.
        await expect(page.locator("#my-state")).to_have_attribute(
            "data-state", "wrap_up", timeout=8000
        )
        first_number = await page.locator("#order-number").inner_text()

        # The submit's answer reaches the page only after the next caller has been put
        # through and popped (as on a slow network): the new order must stay open.
        async def answer_late(route: Route) -> None:
            answer = await route.fetch()
            await expect(page.locator("#pop .history")).to_contain_text(first_number, timeout=8000)
            await route.fulfill(response=answer)

        await page.route("**/api/workorders/*/submit", answer_late)
        await page.click("#submit")
        await expect(page.locator("#toasts")).to_contain_text("已提交")
        await page.screenshot(path=artifacts / "desk-submitted.png", full_page=True)
        # Wrap-up ended: the seat is free, and the caller waiting in line is put through.
        await expect(page.locator("#my-state")).not_to_have_attribute(
            "data-state", "wrap_up", timeout=2000
        )

        # The same caller again: the screen pop shows the earlier call's order.
        await expect(page.locator("#pop .history")).to_contain_text(first_number, timeout=8000)
        await expect(page.locator("#pop .history")).to_contain_text("考试前焦虑")
        await expect(page.locator("#submit")).to_be_enabled()
        await page.screenshot(path=artifacts / "desk-second-call.png", full_page=True)

        async with await demo_client(stack, "demo-supervisor") as client:
            orders = (await client.get("/api/workorders")).json()["items"]
    order = next(o for o in orders if o["submitted_at"] is not None)
    assert len(orders) == 2
    assert order["agent"] == "a01" and order["seat"] == "8001"
    assert order["submitted_at"] is not None
    assert order["category"] == "psychological" and order["subcategory"] == "study_pressure"
    assert order["summary"] == "考试前焦虑，睡不好，已做放松练习。"
    assert (order["age_group"], order["gender"], order["risk_level"]) == ("15_17", "female", "low")
    assert errors == []


async def test_agent_pauses_with_a_reason_and_resumes(tmp_path: Path) -> None:
    errors: list[str] = []
    async with demo(tmp_path) as stack, chromium() as browser:
        page = await signed_in_page(browser, stack, "a02", "/desk", errors)
        await page.select_option("#seat", "8003")
        await page.click("#login")
        state = page.locator("#my-state")
        await expect(state).to_have_attribute("data-state", "available", timeout=2000)
        await page.select_option("#pause-reason", "training")
        await page.click("#pause")
        await expect(state).to_have_attribute("data-state", "paused", timeout=1000)
        await expect(page.locator("#my-reason")).to_have_text("培训")
        await page.click("#resume")
        await expect(state).to_have_attribute("data-state", "available", timeout=1000)
        await page.click("#logout")
        await expect(state).to_have_text("未签入", timeout=1000)
    assert errors == []


ONE_CALL = {
    "seats": [{"ext": "8001-8020", "answer_delay": 1}],
    "callers": {
        "arrivals": [
            {"at": 60, "number": "13700001111", "ivr": "1", "patience": None, "talk_time": 600}
        ]
    },
}


async def test_agent_refers_the_case_and_starts_the_crisis_escalation(
    tmp_path: Path, artifacts: Path
) -> None:
    from workorders.referrals.sites import import_sites

    errors: list[str] = []
    async with demo(tmp_path, ONE_CALL) as stack, chromium() as browser:
        assert stack.system is not None
        async with stack.system.runtime.sessions() as session, session.begin():
            await import_sites(session, SITES)
        wallboard = await signed_in_page(browser, stack, "demo-supervisor", "/wallboard", errors)
        page = await signed_in_page(browser, stack, "a04", "/desk", errors)
        await page.select_option("#seat", "8004")
        await page.click("#login")
        await expect(page.locator("#my-state")).to_have_attribute("data-state", "available")
        stack.start_traffic()
        await expect(page.locator("#submit")).to_be_enabled(timeout=8000)

        site_a = page.locator("#referral-site option", has_text="Sample Site A")
        await page.select_option("#referral-site", await site_a.get_attribute("value"))
        await page.fill("#referral-reason", "需要当地心理老师面谈跟进")
        await page.click("#refer")
        await expect(page.locator("#toasts .toast.ok")).to_contain_text("已转介")

        page.once("dialog", lambda dialog: dialog.accept())
        await page.click("#crisis")
        await expect(page.locator("#toasts .toast.ok").last).to_contain_text("已启动危机处置")

        # The supervisor's wallboard gets the crisis alert, with its beep, and the escalation.
        alerts = wallboard.locator("#alerts")
        await expect(alerts.locator(".alert.crisis")).to_have_count(1, timeout=3000)
        await expect(alerts.locator(".alert.escalation")).not_to_have_count(0, timeout=3000)
        assert await wallboard.evaluate("window.ccBeeps") >= 1
        await wallboard.screenshot(path=artifacts / "wallboard-crisis.png", full_page=True)

        async with await demo_client(stack, "demo-supervisor") as client:
            [order] = (await client.get("/api/workorders")).json()["items"]
            referrals = (await client.get("/api/referrals")).json()["items"]
    assert order["risk_level"] == "imminent"  # the crisis rules act on this
    [referral] = referrals
    assert referral["order_id"] == order["id"]
    assert referral["reason"] == "需要当地心理老师面谈跟进"
    assert errors == []
