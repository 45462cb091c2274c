"""The link under faults, over real loopback TCP: drops, stalls, restarts, garbage, bad logins.

The PBX simulator plays whole calls; the raw fake server is used where a test
needs byte-exact control (split UTF-8, a refused login, a flood of events).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Callable

import pytest

from acd.ami import AmiConfig, AmiEvent, AmiLink
from acd.events import CallArrived, CallEnded
from acd.simulator import PbxSimulator
from acd.tracker import CallTracker
from callcenter.kernel.bus import DomainEvent
from tests.acd.ami_fake import FakeAmi, frame

FAST = {
    "action_timeout": 1.0,
    "ping_interval": 0.2,
    "ping_timeout": 0.2,
    "backoff_initial": 0.05,
    "backoff_max": 0.3,
}


def link_to(port: int, secret: str, **overrides: float) -> AmiLink:
    options = {**FAST, **overrides}
    return AmiLink(
        AmiConfig(host="127.0.0.1", port=port, username="acd", secret=secret, **options)  # type: ignore[arg-type]
    )


async def eventually(check: Callable[[], object], within: float = 5.0) -> None:
    for _ in range(int(within / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


class Desk:
    """The ACD side: a link and a tracker fed by one consumer task."""

    def __init__(self, link: AmiLink) -> None:
        self.link = link
        self.tracker = CallTracker()
        self.out: list[DomainEvent] = []
        self.snapshots = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> Desk:
        await self.link.start()
        await self.link.wait_logged_in(5)
        self._task = asyncio.create_task(self._consume())
        return self

    async def _consume(self) -> None:
        while True:
            event = await self.link.events.get()
            if event.name == "ResyncSnapshot":
                self.snapshots += 1
            self.out += self.tracker.feed(event, event.received_at)

    def of(self, kind: type[DomainEvent], call_id: str | None = None) -> list[DomainEvent]:
        return [e for e in self.out if isinstance(e, kind) and call_id in (None, e.call_id)]

    async def until(self, check: Callable[[], object], within: float = 5.0) -> None:
        await eventually(check, within)

    async def close(self) -> None:
        await self.link.close()
        if self._task is not None:
            self._task.cancel()


@pytest.fixture
async def sim() -> AsyncIterator[PbxSimulator]:
    pbx = PbxSimulator(seats=["8001"], time_scale=0.02, seed=7)
    await pbx.start()
    yield pbx
    await pbx.stop()


@pytest.fixture
async def desk(sim: PbxSimulator) -> AsyncIterator[Desk]:
    d = await Desk(link_to(sim.port, "acd-secret")).start()
    yield d
    await d.close()


async def test_drop_mid_call_reconnects_and_keeps_one_call(sim: PbxSimulator, desk: Desk) -> None:
    call = sim.place_call("13800000001", name="张小明", patience=1000)
    await desk.until(lambda: desk.of(CallArrived, call))
    await sim.drop_connections()
    await desk.until(lambda: desk.link.status.reconnects == 1 and desk.snapshots == 2)
    assert len(desk.of(CallArrived, call)) == 1, [
        (type(e).__name__, e.call_id, e.at) for e in desk.out
    ]
    assert desk.of(CallEnded, call) == []
    sim.hangup_call(call)
    await desk.until(lambda: desk.of(CallEnded, call))
    (ended,) = desk.of(CallEnded, call)
    assert isinstance(ended, CallEnded) and not ended.estimated


async def test_half_open_stall_is_detected_by_ping_and_resynced(
    sim: PbxSimulator, desk: Desk
) -> None:
    call = sim.place_call("13800000002", patience=1000)
    await desk.until(lambda: desk.of(CallArrived, call))
    sim.stall(True)
    await desk.until(lambda: desk.link.status.ping_timeouts >= 1)
    sim.stall(False)
    await desk.until(lambda: desk.link.status.logged_in and desk.snapshots >= 2)
    status = desk.link.status
    assert status.reconnects >= 1 and "half-open" in (status.last_error or "")
    assert len(desk.of(CallArrived, call)) == 1 and desk.of(CallEnded, call) == []


async def test_restart_with_calls_up_no_duplicates_and_vanished_calls_closed(
    sim: PbxSimulator, desk: Desk
) -> None:
    stays = sim.place_call("13800000003", patience=1000)
    leaves = sim.place_call("13800000004", patience=1000)
    await desk.until(lambda: desk.of(CallArrived, stays) and desk.of(CallArrived, leaves))
    restart = asyncio.create_task(sim.restart(keep_calls=True, downtime=20))
    await desk.until(lambda: not desk.link.status.connected)
    sim.hangup_call(leaves)  # while the ACD cannot hear it
    await restart
    await desk.until(lambda: desk.of(CallEnded, leaves) and desk.snapshots >= 2)
    (ended,) = desk.of(CallEnded, leaves)
    assert isinstance(ended, CallEnded) and ended.estimated
    assert len(desk.of(CallArrived, stays)) == 1 and desk.of(CallEnded, stays) == []
    assert desk.tracker.active_calls == [stays]


async def test_asterisk_restart_loses_calls_they_end_estimated(
    sim: PbxSimulator, desk: Desk
) -> None:
    call = sim.place_call("13800000005", patience=1000)
    await desk.until(lambda: desk.of(CallArrived, call))
    await sim.restart(keep_calls=False)
    await desk.until(lambda: desk.of(CallEnded, call))
    (ended,) = desk.of(CallEnded, call)
    assert isinstance(ended, CallEnded) and ended.estimated and not ended.connected


async def test_garbage_and_split_frames_keep_the_link_and_chinese_names(
    sim: PbxSimulator, desk: Desk
) -> None:
    sim.split_frames(True)
    await sim.send_garbage(b"\xff\xfe\x00 not AMI at all\r\n\r\n\xe5\xbc")
    await sim.send_garbage(b"\r\n\r\n")
    call = sim.place_call("13800000006", name="欧阳娜娜", patience=1000)
    await desk.until(lambda: desk.of(CallArrived, call))
    (arrived,) = desk.of(CallArrived, call)
    assert isinstance(arrived, CallArrived) and arrived.caller_name == "欧阳娜娜"
    assert desk.link.status.reconnects == 0 and desk.link.status.garbage_frames >= 1


# -- byte-exact cases on the raw fake server -----------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmi]:
    server = await FakeAmi().start()
    yield server
    await server.stop()


async def drain_to_snapshot(link: AmiLink) -> None:
    while (await asyncio.wait_for(link.events.get(), 5)).name != "ResyncSnapshot":
        pass


async def test_multibyte_characters_split_at_every_byte(fake: FakeAmi) -> None:
    link = link_to(fake.port, fake.secret)
    await link.start()
    await link.wait_logged_in(5)
    await drain_to_snapshot(link)
    data = frame({"Event": "Newchannel", "CallerIDName": "张小明", "Channel": "PJSIP/trunk-1"})
    await fake.push(data, chunks=[1] * len(data))
    event = await asyncio.wait_for(link.events.get(), 5)
    assert event["CallerIDName"] == "张小明"
    await link.close()


async def test_wrong_password_one_clear_line_and_growing_backoff(
    fake: FakeAmi, caplog: pytest.LogCaptureFixture
) -> None:
    link = link_to(fake.port, "wrong-secret", backoff_initial=0.05, backoff_max=2.0)
    with caplog.at_level(logging.DEBUG, logger="acd.ami"):
        await link.start()
        await eventually(lambda: len(fake.login_times) >= 5, within=10)
        await link.close()
    gaps = [b - a for a, b in itertools.pairwise(fake.login_times)]
    assert all(later >= earlier * 0.9 for earlier, later in itertools.pairwise(gaps))
    assert gaps[-1] > 2.5 * gaps[0]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    line = errors[0].getMessage()
    assert "127.0.0.1" in line and "'acd'" in line and "Authentication failed" in line
    assert "wrong-secret" not in caplog.text
    assert link.status.auth_failures >= 5 and not link.status.logged_in


async def test_close_during_backoff_stops_reconnecting(fake: FakeAmi) -> None:
    link = link_to(fake.port, "wrong-secret", backoff_initial=0.4, backoff_max=5.0)
    await link.start()
    await eventually(lambda: fake.login_times)
    await asyncio.sleep(0.05)  # now sleeping in the backoff
    await link.close()
    attempts = len(fake.login_times)
    await asyncio.sleep(1.0)
    assert len(fake.login_times) == attempts == 1


async def test_close_while_the_server_is_down_stops_reconnecting(fake: FakeAmi) -> None:
    link = link_to(fake.port, fake.secret)
    await link.start()
    await link.wait_logged_in(5)
    await fake.stop()
    await asyncio.sleep(0.3)  # a few refused attempts
    await link.close()
    await fake.start()  # same port again
    await asyncio.sleep(0.5)
    assert fake.clients == 0 and len(fake.login_times) == 1


async def test_a_failing_handler_loses_neither_the_chunk_nor_the_link(
    fake: FakeAmi, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_hook(_: AmiLink) -> None:
        raise RuntimeError("on_login hook bug")

    link = AmiLink(
        AmiConfig(host="127.0.0.1", port=fake.port, username="acd", secret=fake.secret),
        on_login=broken_hook,
    )
    await link.start()
    await link.wait_logged_in(5)
    await drain_to_snapshot(link)
    deliver = link.on_event

    def picky(event: AmiEvent) -> None:
        if event.get("Uniqueid") == "2":
            raise ValueError("handler bug")
        deliver(event)

    monkeypatch.setattr(link, "on_event", picky)
    chunk = b"".join(frame({"Event": "Newstate", "Uniqueid": str(i)}) for i in (1, 2, 3))
    await fake.push(chunk)
    got = [await asyncio.wait_for(link.events.get(), 5) for _ in range(2)]
    assert [e["Uniqueid"] for e in got] == ["1", "3"]
    await asyncio.sleep(0.1)
    assert link.status.logged_in and link.status.reconnects == 0
    await link.close()


async def test_slow_consumer_gets_backpressure_and_every_event(fake: FakeAmi) -> None:
    link = link_to(fake.port, fake.secret, queue_size=8, ping_interval=0.05, ping_timeout=0.05)
    await link.start()
    await link.wait_logged_in(5)
    await drain_to_snapshot(link)
    flood = b"".join(frame({"Event": "VarSet", "Value": str(i)}) for i in range(400))
    await fake.push(flood)
    values = []
    for _ in range(400):
        event = await asyncio.wait_for(link.events.get(), 5)
        values.append(int(event.text("Value")))
        await asyncio.sleep(0.001)
    assert values == list(range(400))
    status = link.status
    assert status.backpressure_pauses >= 1 and status.overflow_depth == 0
    assert status.reconnects == 0, "a paused socket is not a half-open one"
    await link.close()


async def test_seat_answering_during_an_outage_is_learnt_on_resync(
    sim: PbxSimulator, desk: Desk
) -> None:
    from acd.events import CallConnected, CallWaiting

    sim.configure_seat("8001", behaviour="answer", answer_delay=5.0)
    call = sim.place_call("13800000007", patience=1000, talk_time=1000)
    await desk.until(lambda: desk.of(CallWaiting, call))
    wait_channel = next(e for e in desk.of(CallWaiting, call) if isinstance(e, CallWaiting))
    await desk.link.send(
        {
            "Action": "Redirect",
            "Channel": wait_channel.wait_channel,
            "Context": "acd-seat",
            "Exten": "8001",
            "Priority": "1",
        }
    )
    await sim.restart(keep_calls=True, downtime=30)  # the seat answers meanwhile
    await desk.until(lambda: desk.of(CallConnected, call))
    (connected,) = desk.of(CallConnected, call)
    assert isinstance(connected, CallConnected) and connected.seat == "8001"
    assert len(desk.of(CallArrived, call)) == 1 and desk.of(CallEnded, call) == []
