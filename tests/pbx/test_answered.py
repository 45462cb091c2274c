"""Inbound calls on the real Asterisk: answered, not answered, busy, unregistered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.pbx.floor import clear_floor, sign_in
from tests.pbx.stack import PbxStack, running
from tests.pbx.tools import Tools
from tests.pbx.watch import AmiWatch, Api, event, eventually, user_event

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def stack(pbx_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PbxStack]:
    root: Path = tmp_path_factory.mktemp("pbx-calls")
    phones = {"8001": "auto", "8002": "auto", "8003": "manual", "8004": "absent",
              "8099": "auto", "8090": "auto"}  # fmt: skip
    with running(PbxStack(pbx_tools, root, phones=phones)) as stack:
        yield stack


@pytest.fixture
async def floor(stack: PbxStack) -> AsyncIterator[tuple[Api, AmiWatch]]:
    async with stack.api() as api, stack.ami() as ami:
        await clear_floor(stack, api)
        try:
            yield api, ami
        except BaseException:
            print(stack.diagnostics())
            raise


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
    await api.post("/api/agents/pause", {"agent": agent, "reason": "meal"})
    await sign_in(api, "8099")  # the callback seat
    assert await stack.carrier.call("13800000041", stay=2) == 0  # gives up while waiting

    task = await eventually(lambda: _callback(api, "13800000041", "reached"), within=20)
    assert task["attempts"] == 1
    seat_leg = await ami.wait(event("DialBegin", Channel="PJSIP/8099-*"))
    assert seat_leg.text("DestChannel").startswith("PJSIP/trunk-")
    result = await ami.wait(user_event("CallbackResult"))
    assert result.text("DialStatus") == "ANSWER"
    rows = stack.rows(
        "select a.outcome from callback_attempts a join callback_tasks t on t.id = a.task_id "
        "where t.number like ?",
        "%13800000041",
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
