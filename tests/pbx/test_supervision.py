"""Supervision on the real Asterisk: the warm police conference, listen-in, surge seats,
and a phone that freezes while it rings."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from acd.ami import AmiEvent
from tests.pbx.floor import sign_in
from tests.pbx.stack import SUPERVISOR_PHONE, PbxStack, running
from tests.pbx.tools import Tools
from tests.pbx.watch import AmiWatch, Api, event, eventually

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def stack(pbx_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PbxStack]:
    root: Path = tmp_path_factory.mktemp("pbx-supervision")
    phones = {"8001": "auto", "8002": "auto", "8003": "manual", "8004": "auto",
              "8099": "auto", SUPERVISOR_PHONE: "auto"}  # fmt: skip
    settings = {
        "CALLCENTER_NORMAL_SEATS": "3",
        "CALLCENTER_RING_TIMEOUT": "8",
        "CALLCENTER_WRAPUP_HIGH_RISK_SECONDS": "1",
    }
    with running(PbxStack(pbx_tools, root, phones=phones, settings=settings)) as stack:
        yield stack


async def _order_of(stack: PbxStack, call_id: str) -> int:
    async def found() -> int | None:
        rows = stack.rows("select id from work_orders where call_id = ?", call_id)
        return int(rows[0][0]) if rows else None

    order: int = await eventually(found)
    return order


async def test_imminent_risk_puts_caller_agent_and_police_in_one_quiet_conference(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    api, ami = floor
    await sign_in(api, "8001")
    caller = asyncio.create_task(stack.carrier.call("13800000101", stay=30))
    answered = await ami.wait(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8001-*"))
    call_id = answered.text("Linkedid")
    await ami.wait(event("BridgeEnter", Channel="PJSIP/8001-*"))
    order = await _order_of(stack, call_id)
    await api.patch(f"/api/workorders/{order}", {"risk_level": "imminent"})

    join = await ami.wait(event("ConfbridgeJoin"), within=10)
    room = join.text("Conference")

    async def three() -> list[AmiEvent] | None:
        members = await ami.listing({"Action": "ConfbridgeList", "Conference": room})
        return members if len(members) == 3 else None

    members = await eventually(three, within=10)
    channels = sorted(m.text("Channel").split("-")[0] for m in members)
    assert channels == ["PJSIP/8001", "PJSIP/trunk", "PJSIP/trunk"], channels
    police = next(m.text("Channel") for m in members if m.text("Linkedid").startswith("crisis-"))
    joined = [e.received_at for e in ami.all(event("ConfbridgeJoin", Conference=room))]
    spread = (max(joined) - min(joined)).total_seconds()
    assert spread < 2.0, f"the three joined over {spread:.1f} s"
    # quiet profiles: nobody heard "you are the only person in this conference"
    assert "Playing 'conf-" not in (stack.root / "asterisk.out").read_text(errors="replace")

    # the caller leaves; the agent stays on with the police: no new caller for 8001
    await ami.link.send({"Action": "Hangup", "Channel": answered.text("Channel")})
    assert await caller == 0
    start = len(ami.events)
    second = asyncio.create_task(stack.carrier.call("13800000102", stay=10))
    await ami.wait(event("UserEvent", UserEvent="CallWaiting"), after=start)
    await asyncio.sleep(1.5)
    assert not ami.all(event("DialBegin", DestChannel="PJSIP/8001-*"))[1:], "rang in conference"
    assert (await api.seat("8001"))["state"] == "on_call"
    stack.phones["8001"].command("hangup")  # the agent leaves the police conference
    await ami.wait(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8001-*"), after=start)
    assert await second == 0
    await ami.link.send({"Action": "Hangup", "Channel": police})


async def test_a_supervisor_listens_in_and_the_listen_leg_ends_with_the_call(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    api, ami = floor
    await sign_in(api, "8002")
    caller = asyncio.create_task(stack.carrier.call("13800000111", stay=4))
    answered = await ami.wait(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8002-*"))
    body = {"seat": "8002", "supervisor_phone": SUPERVISOR_PHONE}
    listen = await api.post("/api/supervisor/listen", body)
    spy = await ami.wait(event("ChanSpyStart", SpyerChannel=f"PJSIP/{SUPERVISOR_PHONE}-*"))
    assert spy.text("SpyeeChannel") == answered.text("DestChannel")
    assert spy.text("SpyerLinkedid") == listen["channel_id"]
    assert await caller == 0
    # the call it listened to is over: the supervisor's leg hangs up too, it does not
    # stay to spy on the seat's next call
    await ami.wait(event("Hangup", Channel=spy.text("SpyerChannel")), within=3)
    start = len(ami.events)
    assert await stack.carrier.call("13800000112", stay=2) == 0
    assert not ami.all(event("ChanSpyStart", SpyerChannel=f"PJSIP/{SUPERVISOR_PHONE}-*"))[1:]
    assert not [e for e in ami.events[start:] if e.name == "ChanSpyStart"]


async def test_surge_opens_a_seat_and_closes_it_once_its_call_is_over(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    api, ami = floor
    response = await api.client.post("/api/agents/login", json={"agent": "x", "seat": "8004"})
    assert response.status_code in (404, 409)  # 8004 is a surge seat: closed
    await api.post("/api/surge", {"on": True, "reason": "exam results"})
    await sign_in(api, "8004")
    caller = asyncio.create_task(stack.carrier.call("13800000121", stay=3))
    await ami.wait(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8004-*"))
    await api.post("/api/surge", {"on": False})
    assert (await api.seat("8004"))["state"] == "on_call"  # closes when the call is over
    assert await caller == 0
    seat = await eventually(lambda: _closed(api, "8004"))
    assert seat["agent"] is None
    rows = stack.rows("select campaign from calls where caller_number like ?", "%13800000121")
    assert [r[0] for r in rows] == ["exam results"]


async def test_a_phone_that_freezes_while_ringing_gives_the_caller_to_the_next_seat(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """Qualify marks it Unreachable: the caller moves on before the ring timeout (8 s)."""
    api, ami = floor
    await sign_in(api, "8003")  # rings without answering, and will freeze
    await sign_in(api, "8001")
    caller = asyncio.create_task(stack.carrier.call("13800000131", stay=8))
    ring = await ami.wait(event("DialBegin", DestChannel="PJSIP/8003-*"))
    stack.phones["8003"].freeze()
    try:
        await ami.wait(event("ContactStatus", EndpointName="8003", ContactStatus="Unreachable"))
        answered = await ami.wait(
            event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8001-*"), within=4
        )
        moved = (answered.received_at - ring.received_at).total_seconds()
        assert moved < 7.5, f"the caller waited the whole ring timeout ({moved:.1f} s)"
        seat = await api.seat("8003")
        assert seat["state"] == "unreachable" and seat["pause_reason"] is None
    finally:
        stack.phones["8003"].thaw()
    await eventually(lambda: _reachable(api, "8003"), within=10)
    assert await caller == 0


async def _closed(api: Api, seat: str) -> dict[str, object] | None:
    view = await api.seat(seat)
    return view if view["state"] == "offline" and not view["open"] else None


async def _reachable(api: Api, seat: str) -> bool:
    return bool((await api.seat(seat))["reachable"])
