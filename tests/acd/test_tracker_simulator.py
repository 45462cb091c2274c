"""The tracker on the PBX simulator's calls, driven through the AMI link like the ACD does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from acd.ami import AmiConfig, AmiLink
from acd.events import (
    CallArrived,
    CallConnected,
    CallEnded,
    CallWaiting,
    SeatFailed,
    SeatRinging,
)
from acd.simulator import PbxSimulator
from acd.tracker import CallTracker
from callcenter.kernel.bus import DomainEvent


class Acd:
    """Just enough ACD: connect each waiting caller to the seat the test names."""

    def __init__(self, link: AmiLink, seat: str) -> None:
        self.link, self.seat = link, seat
        self.tracker = CallTracker()
        self.out: list[DomainEvent] = []

    async def run(self) -> None:
        while True:
            event = await self.link.events.get()
            for call_event in self.tracker.feed(event, event.received_at):
                self.out.append(call_event)
                if isinstance(call_event, CallWaiting) and not call_event.requeued:
                    self.link.send_nowait(
                        {
                            "Action": "Redirect",
                            "Channel": call_event.wait_channel,
                            "Context": "acd-seat",
                            "Exten": self.seat,
                            "Priority": "1",
                        }
                    )

    def kinds(self, call_id: str) -> list[str]:
        return [type(e).__name__ for e in self.out if e.call_id == call_id]


@pytest.fixture
async def sim() -> AsyncIterator[PbxSimulator]:
    pbx = PbxSimulator(seats=["8001", "8002"], time_scale=0.01, seed=3)
    await pbx.start()
    yield pbx
    await pbx.stop()


async def start_acd(sim: PbxSimulator, seat: str) -> tuple[Acd, asyncio.Task[None]]:
    link = AmiLink(AmiConfig(host="127.0.0.1", port=sim.port, username="acd", secret="acd-secret"))
    await link.start()
    await link.wait_logged_in(5)
    acd = Acd(link, seat)
    return acd, asyncio.create_task(acd.run())


async def wait_for_end(acd: Acd, call_id: str) -> None:
    for _ in range(500):
        if "CallEnded" in acd.kinds(call_id):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"call never ended: {acd.kinds(call_id)}")


async def test_answered_call_through_a_redirect(sim: PbxSimulator) -> None:
    sim.configure_seat("8001", behaviour="answer", answer_delay=1.0)
    acd, task = await start_acd(sim, "8001")
    call = sim.place_call("13800000001", name="张小明", talk_time=2.0)
    await wait_for_end(acd, call)
    kinds = acd.kinds(call)
    assert kinds[:4] == ["CallArrived", "CallWaiting", "SeatRinging", "CallConnected"]
    # whoever hangs up first, the seat's leg and the call each end once
    assert sorted(kinds[4:]) == ["CallEnded", "SeatLegEnded"]
    events = {type(e): e for e in acd.out if e.call_id == call}
    arrived, ringing = events[CallArrived], events[SeatRinging]
    assert isinstance(arrived, CallArrived) and arrived.caller_name == "张小明"
    assert isinstance(ringing, SeatRinging) and ringing.seat == "8001"
    connected, ended = events[CallConnected], events[CallEnded]
    assert isinstance(connected, CallConnected) and connected.seat == "8001"
    assert isinstance(ended, CallEnded) and ended.connected
    (record,) = acd.tracker.records()
    assert record.caller == "13800000001" and record.answered_at is not None
    task.cancel()
    await acd.link.close()


async def test_seat_that_never_answers_requeues_the_caller(sim: PbxSimulator) -> None:
    sim.configure_seat("8002", behaviour="no_answer")
    acd, task = await start_acd(sim, "8002")
    call = sim.place_call("13800000002", patience=30.0)
    await wait_for_end(acd, call)
    kinds = acd.kinds(call)
    assert kinds[:5] == ["CallArrived", "CallWaiting", "SeatRinging", "SeatLegEnded", "SeatFailed"]
    assert kinds[5] == "CallWaiting" and kinds[-1] == "CallEnded"
    failed = next(e for e in acd.out if isinstance(e, SeatFailed))
    requeued = [e for e in acd.out if isinstance(e, CallWaiting)][1]
    assert failed.seat == "8002" and failed.dial_status == "NOANSWER"
    assert requeued.requeued
    ended = next(e for e in acd.out if isinstance(e, CallEnded))
    assert not ended.connected
    task.cancel()
    await acd.link.close()
