"""Staffing in a browser: availability at the desk, a rota generated and published, a gap flag.

The demo stack runs on the real clock, so the rota is for tomorrow (hotline time),
which is always wholly ahead: the wallboard must flag its gaps whatever the hour.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from seats.staffing.slots import WEEKDAYS
from seats.staffing.synthetic import hotline_rates, synthetic_calls
from tests.seats.staffing.history import seed_calls
from tests.staff import demo_client
from tests.web.browser import chromium, demo, signed_in_page

ZONE = ZoneInfo("Asia/Shanghai")
EVERY_SHIFT = [f"{d}:{k}" for d in WEEKDAYS for k in ("night", "day", "evening")]


async def test_availability_rota_and_the_wallboard_gap_flag(
    tmp_path: Path, artifacts: Path
) -> None:
    today = datetime.now(UTC).astimezone(ZONE).date()
    tomorrow = today + timedelta(days=1)
    errors: list[str] = []
    async with demo(tmp_path) as stack, chromium() as browser:
        assert stack.system is not None
        history = synthetic_calls(hotline_rates(8.0), today - timedelta(days=7), 7, ZONE, seed=9)
        await seed_calls(stack.system.runtime.sessions, history)
        async with (
            await demo_client(stack, "demo-admin") as admin,
            await demo_client(stack, "demo-supervisor") as api,
        ):
            crisis = {"agent": "a09", "name": "周老师", "skills": ["general", "crisis"]}
            assert (await admin.put("/api/agents", json=crisis)).status_code == 200
            for agent in ("a01", "a03", "a04", "a05", "a09"):
                body = {"shifts": EVERY_SHIFT, "max_hours_week": 40, "max_nights_week": 2}
                response = await api.put(f"/api/staffing/availability/{agent}", json=body)
                assert response.status_code == 200, response.text

        # A counsellor states their own availability at the desk.
        desk = await signed_in_page(browser, stack, "a02", "/desk", errors)
        weekday = WEEKDAYS[tomorrow.weekday()]
        await desk.check(f"#avail-{weekday}-evening")
        await desk.check(f"#avail-{weekday}-day")
        await desk.fill("#max-hours", "8")
        await desk.fill("#max-nights", "0")
        await desk.click("#save-availability")
        await expect(desk.locator("#toasts .toast.ok")).to_contain_text("可值班时间已保存")
        await desk.screenshot(path=artifacts / "desk-availability.png", full_page=True)
        async with await demo_client(stack, "demo-supervisor") as api:
            stated = (await api.get("/api/staffing/availability/a02")).json()
        assert stated["shifts"] == sorted([f"{weekday}:day", f"{weekday}:evening"])
        assert stated["max_hours_week"] == 8

        # The supervisor generates tomorrow's rota and publishes it.
        rota = await signed_in_page(browser, stack, "demo-supervisor", "/rota", errors)
        await expect(rota.locator("#first-day")).to_have_value(tomorrow.isoformat())
        await rota.select_option("#days", "1")
        await rota.click("#generate")
        await expect(rota.locator("#rota-state")).to_have_text("草稿", timeout=30000)
        await expect(rota.locator("#rota-shifts tr")).to_have_count(3)
        await rota.click("#publish")
        await expect(rota.locator("#toasts .toast.ok")).to_contain_text("排班已发布")
        await expect(rota.locator("#rota-state")).to_have_attribute("data-status", "published")
        await rota.screenshot(path=artifacts / "rota.png", full_page=True)

        # The wallboard flags tomorrow's gaps before they happen.
        board = await signed_in_page(browser, stack, "demo-supervisor", "/wallboard", errors)
        flag = board.locator(f'#staffing-gaps li.gap[data-day="{tomorrow.isoformat()}"]').first
        await expect(flag).to_have_text(
            re.compile(r"^明天 \d\d:00–\d\d:00：需要 \d+ 人，排班 \d+ 人$"), timeout=10000
        )
        short = board.locator(f'#staffing-hours tr.short[data-day="{tomorrow.isoformat()}"]')
        assert await short.count() >= 1
        await board.screenshot(path=artifacts / "wallboard-staffing.png", full_page=True)
        await board.click("#lang-toggle")
        await expect(flag).to_have_text(
            re.compile(r"^tomorrow \d\d:00–\d\d:00: need (\d+), (\d+) rostered$")
        )
        needed, rostered = re.findall(r"need (\d+), (\d+) rostered", await flag.inner_text())[0]
        assert int(rostered) < int(needed)
    assert errors == []
