"""Supervision on the real Asterisk: the warm police conference, listen-in, surge seats,
a phone that freezes while it rings; and restarts, of the ACD in mid-conference and of
Asterisk under traffic (last: they end the stack's calls).

Processes are restarted from the test's own thread, never a worker thread: a child
started with a parent-death signal dies with the thread that started it.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from callcenter.kernel.auth import Role
from tests.pbx.floor import police_conference, sign_in
from tests.pbx.stack import SUPERVISOR_PHONE, PbxStack, running
from tests.pbx.tools import Tools
from tests.pbx.watch import AmiWatch, Api, event, eventually, user_event

pytestmark = pytest.mark.timeout(90)


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


async def test_imminent_risk_puts_caller_agent_and_police_in_one_quiet_conference(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    api, ami = floor
    answered, room, members = await police_conference(stack, api, ami, "13800000101")
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
    await ami.wait(event("Hangup", Uniqueid=answered.text("Linkedid")))
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
    async with api.acting("agent-x", Role.AGENT) as counsellor:
        response = await counsellor.post("/api/agents/login", json={"seat": "8004"})
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
    rows = stack.calls_from("13800000121")
    assert [r["campaign"] for r in rows] == ["exam results"]


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


# -- restarts, last: they end the stack's calls --------------------------------------


async def test_an_acd_restart_mid_conference_takes_no_leg_for_a_new_caller(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """The resync after the ACD's login skips the police line and the ACD's own calls."""
    api, ami = floor
    _, _, members = await police_conference(stack, api, ami, "13800000301")
    channels = [m.text("Channel") for m in members]
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


async def test_a_killed_acd_comes_back_with_its_seats_and_its_waiting_callers_in_order(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """kill -9 with one caller talking and two waiting: the restarted ACD knows the seats as
    they were (on a call, paused) and the callers in their order of arrival; the talking call
    stays up and is recorded once; nobody gets a second work order."""
    api, ami = floor
    await sign_in(api, "8001")
    paused = await sign_in(api, "8002")
    async with api.acting(paused, Role.AGENT) as counsellor:
        assert (await counsellor.post("/api/agents/pause", json={"reason": "meal"})).is_success
    talking, first, second = "13800000321", "13800000322", "13800000323"
    stack.background(stack.carrier.call(talking, stay=40))
    answered = await ami.wait(event("DialEnd", DialStatus="ANSWER", CallerIDNum=talking))
    for number in (first, second):
        stack.background(stack.carrier.call(number, stay=40))
        await ami.wait(user_event("CallWaiting", ACDCallerNum=number))

    assert stack.serve is not None
    stack.serve.stop(first=signal.SIGKILL)
    start = len(ami.events)
    stack.start_serve()
    restored = time.monotonic()

    async def floor_known() -> bool:
        seats = {s["seat"]: s for s in (await api.get("/api/seats"))["seats"]}
        waiting = [str(c.get("number", ""))[-8:] for c in (await api.get("/api/queue"))["waiting"]]
        return (
            (seats["8001"]["agent"], seats["8001"]["state"]) == ("agent-8001", "on_call")
            and (seats["8002"]["agent"], seats["8002"]["state"]) == (paused, "paused")
            and waiting == [first[-8:], second[-8:]]
        )

    await eventually(floor_known, within=5)
    assert time.monotonic() - restored < 5
    # The first to arrive is the first a freed seat takes, whichever seat frees first.
    async with api.acting(paused, Role.AGENT) as counsellor:
        assert (await counsellor.post("/api/agents/resume", json={})).is_success
    await ami.wait(event("DialBegin", DestChannel="PJSIP/8002*", CallerIDNum=first), after=start)
    await ami.link.send({"Action": "Hangup", "Channel": answered.text("Channel")})  # A is done
    await ami.wait(event("DialEnd", DestChannel="PJSIP/8001*", CallerIDNum=second,
                         DialStatus="ANSWER"), after=start)  # fmt: skip

    await ami.link.send({"Action": "Hangup", "Channel": "/^PJSIP\\/trunk-/"})

    async def all_ended() -> list[dict[str, object]] | None:
        calls = [await api.call_of(number) for number in (talking, first, second)]
        return calls if all(c and c["ended_at"] for c in calls) else None  # type: ignore[return-value]

    ended = await eventually(all_ended)
    assert [(c["outcome"], c["seat"]) for c in ended] == [
        ("answered", "8001"), ("answered", "8002"), ("answered", "8001")
    ]  # fmt: skip
    for number in (talking, first, second):
        assert len(stack.calls_from(number)) == 1, number
    orders = stack.rows("select call_id, count(*) from work_orders group by call_id")
    assert all(n == 1 for _, n in orders), orders


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
