"""``python -m acd.simulator`` runs a simulated Asterisk on its own, with a scenario."""

from __future__ import annotations

import asyncio
import sys

from tests.acd.simhelpers import RawAmi


async def test_standalone_simulator_plays_the_demo_over_tcp() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "acd.simulator",
        "--port",
        "0",
        "--scenario",
        "demo",
        "--time-scale",
        "0.01",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert line.startswith("AMI simulator listening on 127.0.0.1:")
        ami = await RawAmi.connect(int(line.rsplit(":", 1)[1]))
        assert (await ami.login())["Message"] == "Authentication accepted"
        waiting = await ami.event("UserEvent", UserEvent="CallWaiting", within=5)
        assert waiting["WaitChannel"].startswith("PJSIP/trunk-")
        assert len(waiting["ACDCallerNum"]) == 11
        ami.close()
    finally:
        process.terminate()
        await process.wait()
