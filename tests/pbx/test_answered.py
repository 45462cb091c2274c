"""Inbound calls on the real Asterisk: answered, not answered, busy, unregistered."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from callcenter.kernel.phone import normalise
from tests.pbx.floor import sign_in
from tests.pbx.stack import PbxStack, running
from tests.pbx.tools import Tools
from tests.pbx.watch import AmiWatch, Api, event, eventually, user_event
from tests.staff import DEPLOYMENT_KEYRING

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def stack(pbx_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PbxStack]:
    root: Path = tmp_path_factory.mktemp("pbx-calls")
    phones = {"8001": "auto", "8002": "auto", "8003": "manual", "8004": "absent",
              "8099": "auto", "8090": "auto"}  # fmt: skip
    with running(PbxStack(pbx_tools, root, phones=phones)) as stack:
        yield stack


async def test_a_call_is_answered_by_the_agent_and_recorded(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    api, ami = floor
    await sign_in(api, "8001")
    caller = asyncio.create_task(stack.carrier.call("13800000001", digit="1", stay=3))

    dial = await ami.wait(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8001-*"))
    assert (await api.seat("8001"))["state"] in ("ringing", "on_call")
    await ami.wait(event("BridgeEnter", Channel="PJSIP/8001-*"))
    call = await eventually(lambda: _answered(api, "13800000001"))
    assert call["seat"] == "8001" and call["agent"] == "agent-8001"
    assert call["skill"] == "psychological"
    # the wait counts from the end of the IVR menu, not from the arrival
    arrived, queued, answered = (
        datetime.fromisoformat(str(call[key])) for key in ("arrived_at", "queued_at", "answered_at")
    )
    assert arrived + timedelta(seconds=0.3) < queued < answered
    assert call["wait_seconds"] == round((answered - queued).total_seconds(), 3)

    assert await caller == 0
    await ami.wait(event("Hangup", Uniqueid=dial.text("Linkedid")))
    rows = stack.rows("select outcome, seat from calls where call_id = ?", dial.text("Linkedid"))
    assert [tuple(r) for r in rows] == [("answered", "8001")]
    orders = stack.rows("select count(*) from work_orders where call_id = ?", dial.text("Linkedid"))
    assert orders[0][0] == 1


async def _answered(api: Api, number: str) -> dict[str, object] | None:
    call = await api.call_of(number)
    return call if call and call["answered_at"] else None


async def test_an_unanswered_seat_rings_for_the_acd_ring_timeout_then_the_next_seat_answers(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """CALLCENTER_RING_TIMEOUT=3 is how long Asterisk rings; two misses pause the seat."""
    api, ami = floor
    await sign_in(api, "8003")  # lets it ring; logged in first, so idle longest
    await sign_in(api, "8001")
    first = asyncio.create_task(stack.carrier.call("13800000011", stay=6))
    ring = await ami.wait(event("DialBegin", DestChannel="PJSIP/8003-*"))
    missed = await ami.wait(event("DialEnd", DestChannel=ring.text("DestChannel")), within=8)
    assert missed.text("DialStatus") == "NOANSWER"
    rang = missed.received_at - ring.received_at
    assert 2.5 <= rang.total_seconds() <= 4.0, f"the seat rang {rang}, not the 3 s set"
    await ami.wait(user_event("SeatFailed", Seat="8003", DialStatus="NOANSWER"))
    await ami.wait(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8001-*"))

    second = asyncio.create_task(stack.carrier.call("13800000012", stay=8))
    ring2 = await ami.wait(event("DialBegin", DestChannel="PJSIP/8003-*"), after=len(ami.events))
    await ami.wait(user_event("SeatFailed", Seat="8003", Linkedid=ring2.text("Linkedid")), within=8)
    seat = await eventually(lambda: _state(api, "8003", "paused"))
    assert seat["pause_reason"] == "no_answer"
    assert await first == 0
    # the first caller's end frees 8001, who takes the second caller
    await ami.wait(event("DialEnd", DialStatus="ANSWER", Linkedid=ring2.text("Linkedid")))
    assert await second == 0


async def test_a_seat_on_a_consult_call_is_not_rung_nor_charged_a_missed_call(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """Its phone is busy (device_state_busy_at=1): the ACD sees INUSE and rings another seat."""
    api, ami = floor
    await sign_in(api, "8002")  # idle longest: it would be chosen
    await sign_in(api, "8001")
    phone = stack.phones["8002"]
    phone.command("dial", f"sip:8090@{stack.asterisk.sip_uri}")  # the agent consults 8090
    # device_state_busy_at=1: one call makes the phone BUSY, not just INUSE
    await ami.wait(event("DeviceStateChange", Device="PJSIP/8002", State="BUSY"))
    for number in ("13800000021", "13800000022"):
        start = len(ami.events)
        caller = asyncio.create_task(stack.carrier.call(number, stay=1))
        answered = await ami.wait(
            event("DialEnd", DialStatus="ANSWER", Channel="PJSIP/trunk-*"), after=start
        )
        assert answered.text("DestChannel").startswith("PJSIP/8001-")
        assert await caller == 0
    assert not ami.all(event("DialBegin", DestChannel="PJSIP/8002-*"))
    seat = await api.seat("8002")
    assert seat["state"] == "available", seat
    phone.command("hangup")


async def test_a_seat_whose_phone_is_not_registered_is_never_rung(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    api, ami = floor
    await sign_in(api, "8004")  # no phone registered there
    await sign_in(api, "8001")
    seat = await eventually(lambda: _state(api, "8004", "unreachable"))
    assert seat["agent"] == "agent-8004"
    caller = asyncio.create_task(stack.carrier.call("13800000031", stay=1))
    answered = await ami.wait(event("DialEnd", DialStatus="ANSWER", Channel="PJSIP/trunk-*"))
    assert answered.text("DestChannel").startswith("PJSIP/8001-")
    assert await caller == 0
    assert not ami.all(event("DialBegin", DestChannel="PJSIP/8004-*"))


async def test_an_abandoned_caller_is_called_back_and_recorded_reached(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """Missed → callback task → the callback seat answers → the carrier answers → reached."""
    api, ami = floor
    agent = await sign_in(api, "8001")
    await api.post("/api/supervisor/force-pause", {"agent": agent, "reason": "meal"})
    await sign_in(api, "8099")  # the callback seat
    assert await stack.carrier.call("13800000041", stay=2) == 0  # gives up while waiting

    task = await eventually(lambda: _callback(api, "13800000041", "reached"), within=20)
    assert task["attempts"] == 1
    seat_leg = await ami.wait(event("DialBegin", Channel="PJSIP/8099-*"))
    assert seat_leg.text("DestChannel").startswith("PJSIP/trunk-")
    result = await ami.wait(user_event("CallbackResult"))
    assert result.text("DialStatus") == "ANSWER"
    rows = stack.rows(  # the task found by the number's keyed digest
        "select a.outcome from callback_attempts a join callback_tasks t on t.id = a.task_id "
        "where t.number_key = ?",
        DEPLOYMENT_KEYRING.digest(normalise("13800000041")),
    )
    assert [r[0] for r in rows] == ["reached"]
    call = await api.call_of("13800000041")
    assert call is not None and call["outcome"] in ("abandoned", "short_hangup")


async def _state(api: Api, seat: str, state: str) -> dict[str, object] | None:
    view = await api.seat(seat)
    return view if view["state"] == state else None


async def _callback(api: Api, number: str, status: str) -> dict[str, object] | None:
    page = await api.get("/api/callbacks", number=number)
    done = [task for task in page["items"] if task["status"] == status]
    return done[0] if done else None


async def test_a_seat_is_offered_the_next_caller_only_once_its_own_leg_is_gone(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """No wrap-up, callers queued, each hangs up first: never two calls on one phone."""
    api, ami = floor
    await sign_in(api, "8001")
    callers = []
    for n, stay in enumerate((2.0, 4.0, 6.0)):  # queued in this order, each leaves first
        callers.append(asyncio.create_task(stack.carrier.call(f"1380000006{n}", stay=stay)))
        await asyncio.sleep(0.4)
    assert await asyncio.gather(*callers) == [0, 0, 0]
    legs: set[str] = set()
    for ev in ami.events:
        name = ev.text("DestChannel") if ev.name == "DialBegin" else ev.text("Channel")
        if not name.startswith("PJSIP/8001-"):
            continue
        if ev.name == "DialBegin":
            assert not legs, f"8001 rang while its leg {legs} was still up"
            legs.add(name)
        elif ev.name == "Hangup":
            legs.discard(name)
    assert len(ami.all(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8001-*"))) == 3
    assert not ami.all(user_event("SeatFailed"))


async def test_a_phone_that_declines_is_busy_not_a_missed_call(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """The agent declines twice (486 Busy Here): BUSY, the next seat answers, no pause."""
    api, ami = floor
    await sign_in(api, "8003")
    await sign_in(api, "8001")
    for number in ("13800000071", "13800000072"):
        start = len(ami.events)
        caller = asyncio.create_task(stack.carrier.call(number, stay=1.5))
        await ami.wait(event("DialBegin", DestChannel="PJSIP/8003-*"), after=start)
        await asyncio.sleep(0.2)
        stack.phones["8003"].command("hangup")  # declines the ringing call
        failed = await ami.wait(user_event("SeatFailed", Seat="8003"), after=start)
        assert failed.text("DialStatus") == "BUSY"
        await ami.wait(event("DialEnd", DialStatus="ANSWER", DestChannel="PJSIP/8001-*"))
        assert await caller == 0
        await eventually(lambda: _state(api, "8001", "available"))
    seat = await api.seat("8003")
    assert seat["state"] == "available", seat


async def test_a_repeat_caller_goes_first_but_waits_for_no_crisis_agent(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """Three calls within the hour flag the number (not a crisis): no crisis agent needed."""
    api, ami = floor
    await sign_in(api, "8001")
    await sign_in(api, "8002")
    number = "13800000081"
    calls = [asyncio.create_task(stack.carrier.call(number, digit="0", stay=1)) for _ in range(3)]
    assert await asyncio.gather(*calls) == [0, 0, 0]
    [order] = stack.rows(  # found by the number's keyed digest, as the ACD finds it
        "select id from work_orders where caller_key = ? order by id desc limit 1",
        DEPLOYMENT_KEYRING.digest(normalise(number)),
    )
    await api.patch(f"/api/workorders/{order[0]}", {"summary": "again"})
    flagged = await eventually(lambda: _flagged(api, number))
    assert "repeated calls" in flagged

    start = len(ami.events)
    caller = asyncio.create_task(stack.carrier.call(number, digit="0", stay=2))
    waiting = await ami.wait(user_event("CallWaiting"), after=start)
    answered = await ami.wait(event("DialEnd", DialStatus="ANSWER"), after=start, within=8)
    waited = (answered.received_at - waiting.received_at).total_seconds()
    assert waited < 2.0, f"a repeat caller waited {waited:.1f} s for a crisis agent"
    assert await caller == 0


async def _flagged(api: Api, number: str) -> str | None:
    flags: dict[str, str] = await api.get("/api/crisis/flagged")
    return next((reason for flagged, reason in flags.items() if flagged.endswith(number)), None)


async def test_a_callback_the_agent_ends_first_is_still_recorded_reached(
    stack: PbxStack, floor: tuple[Api, AmiWatch]
) -> None:
    """The dialplan's h extension reports the result when the callback seat hangs up."""
    api, ami = floor
    agent = await sign_in(api, "8001")
    await api.post("/api/supervisor/force-pause", {"agent": agent, "reason": "meal"})
    await sign_in(api, "8099")
    number = "13920000091"  # the carrier's side stays on the line
    assert await stack.carrier.call(number, stay=1.5) == 0
    await ami.wait(event("BridgeEnter", Channel="PJSIP/8099-*"), within=15)
    await asyncio.sleep(0.5)
    stack.phones["8099"].command("hangup")  # the agent ends the callback
    result = await ami.wait(user_event("CallbackResult"))
    assert result.text("DialStatus") == "ANSWER"
    task = await eventually(lambda: _callback(api, number, "reached"))
    assert task["attempts"] == 1
