"""Playwright over Debian's chromium (never a downloaded browser), for the page tests."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Browser, Page, async_playwright

from callcenter.app.demo import DemoOptions, DemoStack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_PRESENT = os.path.exists(CHROMIUM)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUIET = {"seats": [{"ext": "8001-8020", "answer_delay": 1}], "callers": {}}


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    assert CHROMIUM_PRESENT, (
        f"the browser tests drive Debian's Chromium at {CHROMIUM}: apt-get install chromium"
    )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def demo(
    tmp_path: Path, scenario: dict[str, Any] | None = None, *, wrapup_seconds: float = 10.0
) -> AsyncIterator[DemoStack]:
    """The demo stack with nobody logged in, ready to play ``scenario`` (default: no callers).

    Callers wait for ``stack.start_traffic()``: a test gets its agents and pages ready
    first, so no caller arrives early however slowly a loaded machine starts a browser.
    ``wrapup_seconds`` is in scenario time (scaled like the rest by ``time_scale``).
    """
    from acd.simulator.scenario import load_scenario

    options = DemoOptions(
        http_port=0,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}",
        time_scale=0.05,
        login_agents=False,
        traffic_on_start=False,
        wrapup_seconds=wrapup_seconds,
    )
    async with DemoStack(options, load_scenario(scenario or QUIET)) as stack:
        yield stack


async def open_page(
    browser: Browser, url: str, errors: list[str], *, browser_zone: str | None = None
) -> Page:
    """A page; ``browser_zone`` runs it in another time zone than the hotline's."""
    page = await browser.new_page(
        viewport={"width": 1500, "height": 1000}, timezone_id=browser_zone
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(url)
    return page


async def signed_in_page(
    browser: Browser,
    stack: DemoStack,
    login: str,
    path: str,
    errors: list[str],
    *,
    browser_zone: str | None = None,
) -> Page:
    """A browser of its own opens ``path``, is sent to sign in, and signs in like a user."""
    page = await open_page(browser, stack.url + path, errors, browser_zone=browser_zone)
    await page.wait_for_url(re.compile(r"/login\?next="))
    await page.fill("#login-name", login)
    await page.fill("#login-password", stack.password_of(login))
    await page.click("#login-submit")
    await page.wait_for_url(stack.url + path)
    return page


async def offered_today(client: httpx.AsyncClient) -> int:
    """Calls that arrived on the hotline's today, counted here from the raw call list.

    The test reckons the day itself (the hotline's zone, from the calendar) so it can
    compare the wallboard with the truth at any hour, midnight included.
    """
    calendar = (await client.get("/api/calendar")).json()
    zone = ZoneInfo(calendar["zone"])
    calls = (await client.get("/api/calls", params={"limit": 500})).json()
    return sum(
        datetime.fromisoformat(call["arrived_at"]).astimezone(zone).date().isoformat()
        == calendar["today"]["from"]
        for call in calls
    )
