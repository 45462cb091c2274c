"""Restarts on the real Asterisk: the ACD in mid-conference, Asterisk under traffic.

Processes are restarted from the test's own thread, never a worker thread: a child
started with a parent-death signal dies with the thread that started it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pbx.floor import sign_in
from tests.pbx.stack import PbxStack, running
from tests.pbx.tools import Tools
from tests.pbx.watch import AmiWatch, Api, event, eventually, user_event

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(scope="module")
def stack(pbx_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PbxStack]:
    root: Path = tmp_path_factory.mktemp("pbx-restart")
    phones = {"8001": "auto", "8002": "auto", "8099": "absent", "8090": "absent"}
    settings = {"CALLCENTER_WRAPUP_HIGH_RISK_SECONDS": "0"}
    with running(PbxStack(pbx_tools, root, phones=phones, settings=settings)) as stack:
        yield stack


async def _conference(stack: PbxStack, api: Api, ami: AmiWatch) -> list[str]:
    """A caller, agent 8001 and the police line in one ConfBridge; their channels."""
    await sign_in(api, "8001")
    stack.background(stack.carrier.call("13800000301", stay=40))
    answered = await ami.wait(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8001-*"))
    await ami.wait(event("BridgeEnter", Channel="PJSIP/8001-*"))

    async def order() -> int | None:
        rows = stack.rows("select id from work_orders where call_id = ?", answered.text("Linkedid"))
        return int(rows[0][0]) if rows else None

    order_id = await eventually(order)
    await api.patch(f"/api/workorders/{order_id}", {"risk_level": "imminent"})
    room = (await ami.wait(event("ConfbridgeJoin"), within=10)).text("Conference")

    async def three() -> list[str] | None:
        members = await ami.listing({"Action": "ConfbridgeList", "Conference": room})
        return [m.text("Channel") for m in members] if len(members) == 3 else None

    channels: list[str] = await eventually(three, within=10)
    return channels


async def test_an_acd_restart_mid_conference_takes_no_leg_for_a_new_caller(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """The resync after the ACD's login skips the police line and the ACD's own calls."""
    api, ami = floor
    channels = await _conference(stack, api, ami)
    calls_before = {r[0] for r in stack.rows("select call_id from calls")}
    orders_before = stack.rows("select count(*) from work_orders")[0][0]

    stack.restart_serve()
    await asyncio.sleep(1.0)  # the resync snapshot has been applied and recorded
    calls_after = {r[0] for r in stack.rows("select call_id from calls")}
    assert calls_after == calls_before, calls_after - calls_before
    assert stack.rows("select count(*) from work_orders")[0][0] == orders_before
    owed = stack.rows("select number from callback_tasks")
    assert all(not number.endswith(("12355", "110")) for (number,) in owed), owed
    for channel in channels:
        await ami.link.send({"Action": "Hangup", "Channel": channel})


async def test_asterisk_restarted_under_traffic_drops_calls_that_are_recorded_and_owed(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    api, ami = floor
    await sign_in(api, "8001")
    await sign_in(api, "8002")
    numbers = ("13800000311", "13800000312", "13800000313")
    callers = []
    for number in numbers:  # two reach agents, the third waits
        callers.append(asyncio.create_task(stack.carrier.call(number, stay=30)))
        await asyncio.sleep(0.5)
    await ami.wait(user_event("CallWaiting", ACDCallerNum=numbers[2]))
    await asyncio.sleep(0.5)

    stack.asterisk.restart()
    for caller in callers:  # their calls are gone from Asterisk; SIPp would wait for them
        caller.cancel()

    async def relinked() -> bool:
        health = await api.get("/api/health")
        return bool(health["ami"]["status"] == "ok" and health["ami"]["reconnects"] >= 1)

    await eventually(relinked, within=15)

    async def all_ended() -> list[dict[str, object]] | None:
        calls = [await api.call_of(number) for number in numbers]
        return calls if all(c and c["ended_at"] for c in calls) else None  # type: ignore[return-value]

    ended = await eventually(all_ended)
    assert all(c["end_estimated"] for c in ended)
    assert [c["outcome"] for c in ended] == ["answered", "answered", "dropped"]
    page = await api.get("/api/callbacks", number=numbers[2])
    assert [t["status"] for t in page["items"]] == ["pending"]
    for seat in ("8001", "8002"):  # registrations survive the restart (astdb)
        view = await api.seat(seat)
        assert view["reachable"] and view["state"] == "available", view

    # The phones never heard a BYE: each agent hangs up the dead line (until then a
    # phone on one call answers 486 to the next, and the ACD tries another seat).
    for seat in ("8001", "8002"):
        stack.phones[seat].command("hangup")
    start = len(ami.events)
    assert await stack.carrier.call("13800000314", stay=2) == 0
    waiting = await ami.wait(user_event("CallWaiting"), after=start)
    answered = await ami.wait(event("DialEnd", DialStatus="ANSWER"), after=start)
    assert (answered.received_at - waiting.received_at).total_seconds() < 1.0
