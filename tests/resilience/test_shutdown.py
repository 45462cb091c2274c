"""Ctrl-C on ``callcenter demo`` stops it in order and in time, like SIGTERM on serve."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.resilience.processes import ROOT


async def test_ctrl_c_on_the_demo_logs_off_and_exits_within_10_s(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from callcenter.app.cli import app; app()", "demo",
            "--port", str(port), "--database", f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}",
            cwd=ROOT, env=os.environ.copy(), stdout=out, stderr=out,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                assert time.monotonic() < deadline, log.read_text()
                try:
                    health = (await client.get(f"http://127.0.0.1:{port}/api/health")).json()
                    if health["ami"]["status"] == "ok":
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        sent = time.monotonic()
        demo.send_signal(signal.SIGINT)
        async with asyncio.timeout(15):
            code = await demo.wait()
        assert time.monotonic() - sent < 10
        assert code == 0, log.read_text()[-2000:]
        assert "SIGINT: stopping" in log.read_text()
    finally:
        if demo.returncode is None:
            demo.kill()
            await demo.wait()
