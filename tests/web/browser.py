"""Playwright over Debian's chromium (never a downloaded browser), for the page tests."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

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
async def demo(tmp_path: Path, scenario: dict[str, Any] | None = None) -> AsyncIterator[DemoStack]:
    """The demo stack with nobody logged in, playing ``scenario`` (default: no callers)."""
    from acd.simulator.scenario import load_scenario

    options = DemoOptions(
        http_port=0,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}",
        time_scale=0.05,
        login_agents=False,
    )
    async with DemoStack(options, load_scenario(scenario or QUIET)) as stack:
        yield stack


async def open_page(browser: Browser, url: str, errors: list[str]) -> Page:
    page = await browser.new_page(viewport={"width": 1500, "height": 1000})
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(url)
    return page


async def signed_in_page(
    browser: Browser, stack: DemoStack, login: str, path: str, errors: list[str]
) -> Page:
    """A browser of its own opens ``path``, is sent to sign in, and signs in like a user."""
    page = await open_page(browser, stack.url + path, errors)
    await page.wait_for_url(re.compile(r"/login\?next="))
    await page.fill("#login-name", login)
    await page.fill("#login-password", stack.password_of(login))
    await page.click("#login-submit")
    await page.wait_for_url(stack.url + path)
    return page
