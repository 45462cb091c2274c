"""The wallboard shows the hotline's today in a browser whose own date disagrees.

At every hour of the day one of these two browser zones is on another calendar
date than the hotline (Asia/Shanghai, UTC+8): Etc/GMT+12 (UTC-12) before 20:00
hotline time, Pacific/Kiritimati (UTC+14) from 18:00. The KPIs must still equal
the hotline's today, and the clock must show the hotline's time and zone.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.staff import demo_client
from tests.web.browser import chromium, demo, offered_today, signed_in_page

pytestmark = pytest.mark.hotline_time

TWO_CALLERS = {
    "seats": [{"ext": "8001-8020", "answer_delay": 0.5}],
    "callers": {
        "arrivals": [
            {"at": 2 + i, "number": f"1391234500{i}", "ivr": "1", "patience": None, "talk_time": 5}
            for i in range(2)
        ]
    },
}


async def test_kpis_are_the_hotlines_today_in_any_browser_zone(
    tmp_path: Path, artifacts: Path
) -> None:
    errors: list[str] = []
    async with demo(tmp_path, TWO_CALLERS) as stack, chromium() as browser:
        async with (
            await demo_client(stack, "a02") as counsellor,
            await demo_client(stack, "demo-supervisor") as client,
        ):
            login = await counsellor.post("/api/agents/login", json={"seat": "8002"})
            assert login.status_code == 200, login.text
            stack.start_traffic()
            for _ in range(100):
                if await offered_today(client) >= 2:
                    break
                await asyncio.sleep(0.1)
            calendar = (await client.get("/api/calendar")).json()
            for zone in ("Etc/GMT+12", "Pacific/Kiritimati"):
                page = await signed_in_page(
                    browser, stack, "demo-supervisor", "/wallboard", errors, browser_zone=zone
                )
                offered = await offered_today(client)
                await expect(page.locator('.kpi[data-kpi="offered"] dd')).to_have_text(
                    str(offered), timeout=5000
                )
                await expect(page.locator("#kpi-day")).to_have_text(calendar["today"]["from"])
                await expect(page.locator("#clock")).to_have_text(re.compile(r"UTC\+8$"))
                await page.screenshot(
                    path=artifacts / f"wallboard-{zone.replace('/', '-')}.png", full_page=True
                )
                await page.close()
    assert errors == []
