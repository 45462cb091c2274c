"""The fail-safe fallback on the real Asterisk: ``callcenter serve`` dies under traffic.

The stack stamps the heartbeat every 0.5 s and falls back after 4 s; waiting
callers look again every second. One stack for the module (seconds per test).
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.pbx.floor import sign_in
from tests.pbx.stack import PbxStack, running
from tests.pbx.tools import Tools
from tests.pbx.watch import AmiWatch, Api, event, eventually, user_event
from tests.staff import DEPLOYMENT_KEYRING

pytestmark = pytest.mark.timeout(120)

FALLBACK_AFTER = 4
QUEUE_RING_TIMEOUT = 15  # the stack renders Asterisk with the default ring timeout


@pytest.fixture(scope="module")
def stack(pbx_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PbxStack]:
    root: Path = tmp_path_factory.mktemp("pbx-fallback")
    phones = {"8001": "auto", "8002": "auto", "8099": "absent", "8090": "absent"}
    settings = {
        "CALLCENTER_HEARTBEAT_SECONDS": "0.5",
        "CALLCENTER_LEASE_TTL": "0.5",
        "CALLCENTER_FALLBACK_AFTER": str(FALLBACK_AFTER),
        "CALLCENTER_FALLBACK_CHECK_SECONDS": "1",
    }
    with running(PbxStack(pbx_tools, root, phones=phones, settings=settings)) as stack:
        yield stack


def _astdb(stack: PbxStack, family: str) -> dict[str, str]:
    out = stack.asterisk.cli(f"database show {family}")
    found: dict[str, str] = {}
    for line in out.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().startswith(f"/{family}/"):
            found[key.strip()] = value.strip()
    return found


async def test_with_serve_killed_callers_reach_seats_and_every_fallback_call_is_imported_once(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    api, ami = floor
    await sign_in(api, "8001")
    await sign_in(api, "8002")

    async def mirrored() -> bool:
        seats = await asyncio.to_thread(_astdb, stack, "acd-seats")
        return seats == {"/acd-seats/8001": "available", "/acd-seats/8002": "available"}

    await eventually(mirrored)
    # A call the ACD connects, still talking when the ACD dies
    stack.background(stack.carrier.call("13800000301", stay=13))
    first = await ami.wait(event("BridgeEnter", Channel="PJSIP/80*"))
    assert stack.serve is not None
    stack.serve.send(signal.SIGKILL)
    killed, killed_at = len(ami.events), datetime.now(UTC)

    # B waits in music on hold: after the heartbeat goes stale it moves to app_queue,
    # which rings the free seat at once
    answered = stack.background(stack.carrier.call("13800000302", stay=8))
    waiting = await ami.wait(user_event("CallWaiting", ACDCallerNum="13800000302"), after=killed)
    ring = await ami.wait(
        event("DialBegin", Linkedid=waiting.text("Linkedid")),
        within=FALLBACK_AFTER + 4,
    )
    bridged = await ami.wait(
        event("BridgeEnter", Linkedid=waiting.text("Linkedid"), Channel="PJSIP/80*"),
        within=QUEUE_RING_TIMEOUT,
    )
    free_seat = bridged.text("Channel")[6:10]
    assert free_seat != first.text("Channel")[6:10]  # ringinuse=no: the busy seat never rang
    assert (bridged.received_at - ring.received_at).total_seconds() < 3

    # C arrives with both seats busy and gives up after 3 s in the fallback queue
    abandoned = await stack.carrier.call("13800000303", stay=3)
    assert abandoned == 0
    assert await answered == 0

    async def quiet() -> bool:
        out = await asyncio.to_thread(stack.asterisk.cli, "core show channels count")
        return "0 active channels" in out

    await eventually(quiet, within=25)
    records = _astdb(stack, "acd-fallback")
    ended = {key.split("/")[2] for key in records if key.endswith("/ended")}
    assert len(ended) == 2, records
    answered_uid = waiting.text("Linkedid")
    assert records[f"/acd-fallback/{answered_uid}/seat"] == free_seat

    stack.start_serve()  # the ACD is back: it imports what the fallback handled
    back_at = datetime.now(UTC)

    async def imported() -> bool:
        return not await asyncio.to_thread(_astdb, stack, "acd-fallback")

    await eventually(imported, within=10)
    [b] = stack.calls_from("13800000302")
    assert (b["outcome"], b["seat"], b["agent"]) == ("answered", free_seat, f"agent-{free_seat}")
    [c] = stack.calls_from("13800000303")
    assert c["outcome"] == "abandoned" and c["ended_at"] is not None
    for call_id in (b["call_id"], c["call_id"]):
        orders = stack.rows("select count(*) from work_orders where call_id = ?", call_id)
        assert orders[0][0] == 1
    tasks = [
        row
        for row in stack.rows("select * from callback_tasks")
        if DEPLOYMENT_KEYRING.open(row["number"]).endswith("13800000303")
    ]
    assert [t["status"] for t in tasks] == ["pending"]

    [period] = await api.get("/api/fallback/periods")
    assert (period["calls"], period["answered"], period["abandoned"]) == (2, 1, 1)
    # it began when the last heartbeat went stale (a whole second: Asterisk's EPOCH)
    began = (datetime.fromisoformat(period["started_at"]) - killed_at).total_seconds()
    assert FALLBACK_AFTER - 1.5 <= began <= FALLBACK_AFTER + 1
    assert abs((datetime.fromisoformat(period["ended_at"]) - back_at).total_seconds()) < 3

    # the heartbeat is fresh again: a new caller is the ACD's, not the queue's, even
    # after a dialplan reload (it re-applies [globals], which must not blank the heartbeat)
    stack.asterisk.cli("dialplan reload")
    kept = re.search(r"ACD_HEARTBEAT=(\d*)", stack.asterisk.cli("dialplan show globals"))
    assert kept is not None and kept.group(1), "the reload blanked the heartbeat"
    start = len(ami.events)
    returning = stack.background(stack.carrier.call("13800000304", stay=2))
    back = await ami.wait(user_event("CallWaiting", ACDCallerNum="13800000304"), after=start)
    await ami.wait(event("DialEnd", DialStatus="ANSWER", Linkedid=back.text("Linkedid")))
    assert not _astdb(stack, "acd-fallback")
    assert await returning == 0


async def test_the_queue_rings_no_seat_out_or_paused_and_keeps_its_caller_when_the_acd_returns(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """8001 was a member in the test before and is logged out now; 8002 is paused."""
    api, ami = floor
    await sign_in(api, "8002")
    await api.post("/api/supervisor/force-pause", {"agent": "agent-8002", "reason": "meal"})

    async def mirrored() -> bool:
        seats = await asyncio.to_thread(_astdb, stack, "acd-seats")
        return seats == {"/acd-seats/8002": "paused"}

    await eventually(mirrored)
    assert stack.serve is not None
    stack.serve.send(signal.SIGKILL)
    start = len(ami.events)
    caller = stack.background(stack.carrier.call("13800000311", stay=22))
    waiting = await ami.wait(user_event("CallWaiting", ACDCallerNum="13800000311"), after=start)
    uid = waiting.text("Linkedid")

    async def queued() -> bool:
        records = await asyncio.to_thread(_astdb, stack, "acd-fallback")
        return f"/acd-fallback/{uid}/entered" in records

    await eventually(queued, within=FALLBACK_AFTER + 4)
    await asyncio.sleep(2)
    assert not ami.all(event("DialBegin", Linkedid=uid))  # nobody to ring: it waits

    stack.start_serve()
    await sign_in(api, "8001")  # an ACD that took the caller back would ring 8001 now
    await asyncio.sleep(3)
    assert not ami.all(event("DialBegin", Linkedid=uid))
    channels = stack.asterisk.cli("core show channels concise")
    assert "!acd-fallback!s!" in next(
        line for line in channels.splitlines() if line.startswith(waiting.text("Channel"))
    ), channels

    assert await caller == 0  # the caller gives up in the queue

    async def imported() -> bool:
        return not await asyncio.to_thread(_astdb, stack, "acd-fallback")

    await eventually(imported, within=10)  # by the periodic import, not a restart
    [call] = stack.calls_from("13800000311")
    assert call["outcome"] == "abandoned"
    periods = await api.get("/api/fallback/periods")
    assert len(periods) == 2 and periods[0]["calls"] == 1
