"""Faults on demand (drops, stalls, slow replies, garbage, torn frames, restarts) over TCP."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.simulator.faults import Faults, split_at_random
from acd.simulator.wire import ActionParser
from tests.acd.simhelpers import RawAmi, client, running_sim


@given(st.binary(min_size=0, max_size=400), st.integers(0, 2**32))
def test_splitting_keeps_every_byte_in_order(data: bytes, seed: int) -> None:
    pieces = split_at_random(data, random.Random(seed))
    assert b"".join(pieces) == data
    assert all(pieces)


def test_torn_frames_cut_inside_multibyte_characters() -> None:
    data = "ACDCallerName: 小明同学\r\n\r\n".encode()
    faults = Faults(random.Random(0))
    assert faults.chunks(data) == [data]
    faults.split = True

    def cut_inside(piece: bytes) -> bool:
        try:
            piece.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    torn = [faults.chunks(data) for _ in range(20)]
    assert all(b"".join(pieces) == data for pieces in torn)
    assert any(cut_inside(p) for pieces in torn for p in pieces)


_HEADER_TEXT = (
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters=":\r\n"),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)


@given(
    st.lists(st.tuples(_HEADER_TEXT, _HEADER_TEXT), min_size=1, max_size=5),
    st.lists(st.integers(1, 9), min_size=1, max_size=40),
    st.sampled_from([b"\r\n", b"\n"]),
)
def test_action_parser_reassembles_any_chunking(
    headers: list[tuple[str, str]], cuts: list[int], eol: bytes
) -> None:
    raw = b"".join(f"{k}: {v}".encode() + eol for k, v in headers) + eol
    stream = raw * 3
    parser = ActionParser()
    messages = []
    i = 0
    for size in cuts * (len(stream) // len(cuts) + 1):
        if i >= len(stream):
            break
        messages += list(parser.feed(stream[i : i + size]))
        i += size
    assert len(messages) == 3
    assert all(m.headers == [(k, v) for k, v in headers] for m in messages)


async def test_split_frames_still_reassemble_with_chinese_names() -> None:
    async with running_sim() as sim, client(sim) as ami:
        sim.split_frames(True)
        sim.place_call("13800000001", name="小明同学")
        waiting = await ami.event("UserEvent", UserEvent="CallWaiting")
        assert waiting["ACDCallerName"] == "小明同学"
        ami.send(Action="Ping", ActionID="p")
        assert (await ami.reply("p"))["Ping"] == "Pong"


async def test_garbage_reaches_the_client_byte_for_byte() -> None:
    async with running_sim() as sim, client(sim) as ami:
        junk = b"\x00\xffnot: ami\r\n\xe5\xb0\r\n\r\n"
        await sim.send_garbage(junk)
        ami.send(Action="Ping", ActionID="after")
        await ami.reply("after")
        assert junk in ami.raw


async def test_stall_sends_nothing_and_answers_nothing_but_keeps_the_socket() -> None:
    async with running_sim() as sim, client(sim) as ami:
        sim.stall(True)
        sim.place_call("13800000001")
        ami.send(Action="Ping", ActionID="p")
        with pytest.raises(TimeoutError):
            await ami.reply("p", within=0.3)
        assert not ami.reader.at_eof()
        sim.stall(False)
        assert (await ami.reply("p"))["Ping"] == "Pong"
        await ami.saw("UserEvent", UserEvent="CallWaiting")


async def test_delayed_replies_arrive_late_but_in_order() -> None:
    async with running_sim() as sim, client(sim) as ami:
        sim.delay_replies(0.2)
        loop = asyncio.get_running_loop()
        started = loop.time()
        ami.send(Action="Ping", ActionID="1")
        ami.send(Action="Ping", ActionID="2")
        await ami.reply("2")
        assert loop.time() - started >= 0.38
        replies = [m["ActionID"] for m in ami.seen if m.get("Ping") == "Pong"]
        assert replies == ["1", "2"]


async def test_dropped_sessions_see_eof_and_the_server_keeps_listening() -> None:
    async with running_sim(seats=["8001"]) as sim, client(sim) as ami:
        call_id = sim.place_call("13800000001", talk_time=100)
        await ami.event("UserEvent", UserEvent="CallWaiting")
        await sim.drop_connections()
        await ami.until_closed()
        async with client(sim) as again:
            listing = await again.listing("CoreShowChannels", "c")
            assert [m["Uniqueid"] for m in listing if m.get("Event") == "CoreShowChannel"] == [
                call_id
            ]


async def test_dropping_a_stalled_session_closes_it() -> None:
    async with running_sim() as sim, client(sim) as ami:
        sim.stall(True)
        await sim.drop_connections()
        sim.stall(False)
        await ami.until_closed()


async def test_restart_keeping_calls_is_a_network_blip() -> None:
    async with running_sim(seats=["8001"]) as sim, client(sim) as ami:
        call_id = sim.place_call("13800000001", talk_time=100)
        await ami.event("UserEvent", UserEvent="CallWaiting")
        port = sim.port
        restarting = asyncio.ensure_future(sim.restart(keep_calls=True, downtime=20))
        await ami.until_closed()
        await asyncio.sleep(0.05)
        with pytest.raises(OSError):
            await RawAmi.connect(port)
        await restarting
        assert sim.port == port
        async with client(sim) as again:
            listing = await again.listing("CoreShowChannels", "c")
            assert [m["Uniqueid"] for m in listing if m.get("Event") == "CoreShowChannel"] == [
                call_id
            ]
            channel = listing[1]["Channel"]
            again.send(Action="Redirect", Channel=channel, Context="acd-seat", Exten="8001",
                       Priority="1")  # fmt: skip
            await again.event("BridgeEnter", Channel=channel)
        assert sim.calls[call_id].outcome == "connected"


async def test_restart_losing_calls_says_shutdown_and_forgets_channels() -> None:
    async with running_sim() as sim, client(sim) as ami:
        call_id = sim.place_call("13800000001")
        await ami.event("UserEvent", UserEvent="CallWaiting")
        await sim.restart(keep_calls=False)
        shutdown = await ami.saw("Shutdown")
        assert (shutdown["Shutdown"], shutdown["Restart"]) == ("Cleanly", "True")
        await ami.until_closed()
        assert sim.channels() == []
        assert sim.calls[call_id].outcome == "lost"
        async with client(sim) as again:
            listing = await again.listing("CoreShowChannels", "c")
            assert listing[-1]["ListItems"] == "0"
