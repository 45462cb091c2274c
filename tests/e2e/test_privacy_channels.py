"""A caller's full number reaches only those who need it, on every channel of a running hotline.

One demo run with a few callers (one gives up and is called back), then: the
logs, the ops view of calls, the live stream and a CSV export are scanned for
any caller's number in full; the counsellor who took a call sees it whole.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path

import pytest
import websockets

from acd.simulator.scenario import load_scenario
from callcenter.app.demo import DemoOptions, DemoStack
from tests.staff import demo_client, token
from tests.web.conftest import ws_url

NUMBERS = ["13811110001", "13822220002", "13833330003"]
SCENARIO = {
    "seats": [{"ext": "8001-8020", "answer_delay": 1}],
    "callers": {
        "arrivals": [
            {"at": 20, "number": NUMBERS[0], "ivr": "1", "patience": None, "talk_time": 40},
            {"at": 21, "number": NUMBERS[1], "ivr": "2", "patience": None, "talk_time": 40},
            {"at": 22, "number": NUMBERS[2], "ivr": "1", "patience": 5, "talk_time": 40},
        ]
    },
}
FULL = re.compile("|".join(NUMBERS))


async def test_no_channel_leaks_a_full_number(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    options = DemoOptions(
        http_port=0,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'privacy.sqlite3'}",
        data_dir=tmp_path,
        time_scale=0.05,
        seats=2,
    )
    caplog.set_level(logging.DEBUG)
    async with (
        DemoStack(options, load_scenario(SCENARIO)) as stack,
        await demo_client(stack, "demo-ops") as ops,
        await demo_client(stack, "demo-supervisor") as supervisor,
    ):
        calls: list[dict[str, object]] = []
        for _ in range(150):
            calls = (await supervisor.get("/api/calls")).json()
            if len(calls) == 3 and sum(c["outcome"] == "answered" for c in calls) >= 2:
                break
            await asyncio.sleep(0.1)
        assert {str(c["caller_number"])[-11:] for c in calls} == set(NUMBERS)  # full for them

        seen_by_ops = json.dumps((await ops.get("/api/calls")).json())
        queue_for_ops = json.dumps((await ops.get("/api/queue")).json())
        access = await token(ops, "demo-ops", stack.password_of("demo-ops"))
        async with websockets.connect(ws_url(stack.url)) as socket:
            await socket.send(json.dumps({"token": access}))
            # what the socket sends first, however slow a loaded machine is to send it
            live = [await asyncio.wait_for(socket.recv(), 15) for _ in range(2)]
        export = await supervisor.get(
            "/api/stats", params={"period": "today", "format": "csv", "group_by": "category"}
        )
        assert export.status_code == 200
        trail = (await supervisor.get("/api/audit", params={"action": "export"})).json()

        answered = next(c for c in calls if c["outcome"] == "answered" and c["agent"])
        async with await demo_client(stack, str(answered["agent"])) as counsellor:
            own = (await counsellor.get("/api/calls")).json()
        assert str(answered["caller_number"]) in json.dumps(own)  # the agent on the call

    for channel, text in {
        "ops calls": seen_by_ops,
        "ops queue": queue_for_ops,
        "live stream": "".join(str(message) for message in live),
        "csv export": export.text,
        "logs": "\n".join(record.getMessage() for record in caplog.records),
    }.items():
        assert not FULL.search(text), f"a full number in the {channel}"
    assert "138******01" in seen_by_ops or "+86138******01" in seen_by_ops
    assert [entry["target"] for entry in trail["items"]] == ["stats:csv"]
