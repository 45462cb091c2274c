"""AMI ingest throughput: events/s through AmiLink + CallTracker over loopback TCP.

The traffic is the 51 recorded cacofonisk scenarios, repeated to ~100k events
with Uniqueids, Linkedids and channel names rewritten per repetition so every
call stays distinct. The ceiling is bare panoramisk 1.4 on the same bytes:
``AMIProtocol.data_received`` on an in-memory transport, dispatching every event
to a ``Manager`` callback (no TCP, no queue, no call tracking).

Exit status 1 unless ours reaches 20,000 events/s and 50% of the ceiling.

    .venv/bin/python bench/ami_ingest.py [--events 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol

from acd.ami import AmiConfig, AmiLink
from acd.ami.wire import Framer, encode_message, parse_frame
from acd.tracker import CallTracker

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ami" / "cacofonisk"
MIN_RATE = 20_000
MIN_SHARE = 0.5
CHUNK = 65536


def _rewrite(event: dict[str, str], rep: int) -> list[tuple[str, str]]:
    pairs = [("Event", event["Event"]), ("Privilege", event.get("Privilege", "call,all"))]
    for key, value in event.items():
        if key in ("Event", "Privilege", "content"):
            continue
        if key.endswith(("Uniqueid", "Linkedid")) and value:
            value = f"r{rep}-{value}"
        elif key.endswith("Channel") and "/" in value:
            tech, _, rest = value.partition("/")
            value = f"{tech}/r{rep}x{rest}"
        pairs.append((key, value))
    return pairs


def build_wire(target: int) -> tuple[bytes, int]:
    recorded = [json.loads(p.read_text()) for p in sorted(DATA.glob("*/*.json"))]
    frames: list[bytes] = []
    rep = 0
    while len(frames) < target:
        for scenario in recorded:
            frames += [encode_message(_rewrite(event, rep)) for event in scenario]
        rep += 1
    return b"".join(frames), len(frames)


# -- the ceiling: bare panoramisk ------------------------------------------------------------


class _Transport:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


async def panoramisk_rate(wire: bytes, count: int) -> float:
    manager = Manager(host="127.0.0.1", port=1, ping_delay=3600)
    seen = 0

    def on_event(_manager: Any, _message: Any) -> None:
        nonlocal seen
        seen += 1

    manager.register_event("*", on_event)
    protocol = AMIProtocol()
    protocol.connection_made(_Transport())
    protocol.factory = manager
    protocol.encoding = "utf8"
    started = time.perf_counter()
    for offset in range(0, len(wire), CHUNK):
        protocol.data_received(wire[offset : offset + CHUNK])
    elapsed = time.perf_counter() - started
    if seen != count:
        raise SystemExit(f"panoramisk saw {seen} of {count} events")
    return count / elapsed


# -- ours: AmiLink + CallTracker over loopback TCP -------------------------------------------


async def _serve(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    wire: bytes,
    go: asyncio.Event,
    stream: asyncio.Event,
) -> None:
    writer.write(b"Asterisk Call Manager/11.0.0\r\n")
    framer = Framer()
    lists = {
        "coreshowchannels": "CoreShowChannelsComplete",
        "pjsipshowcontacts": "ContactListComplete",
    }
    while not go.is_set():
        data = await reader.read(65536)
        if not data:
            return
        for text in framer.feed(data):
            action = parse_frame("Response: x\n" + text, time_zero())
            if action is None:
                continue
            name, aid = action.text("Action").lower(), action.text("ActionID")
            writer.write(encode_message({"Response": "Success", "ActionID": aid, "Message": "ok"}))
            if name == "login":  # as Asterisk does: the link lists contacts only once booted
                writer.write(encode_message({"Event": "FullyBooted", "Status": "Fully Booted"}))
            if name in lists:
                writer.write(encode_message({"Event": lists[name], "ActionID": aid}))
            if name == "pjsipshowcontacts":
                go.set()
    await stream.wait()
    for offset in range(0, len(wire), CHUNK):
        writer.write(wire[offset : offset + CHUNK])
        await writer.drain()
    await reader.read()  # until the client closes


def time_zero() -> datetime:
    return datetime.now(UTC)


async def link_rate(wire: bytes, count: int) -> tuple[float, int]:
    go, stream = asyncio.Event(), asyncio.Event()
    server = await asyncio.start_server(lambda r, w: _serve(r, w, wire, go, stream), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    link = AmiLink(AmiConfig(host="127.0.0.1", port=port, username="bench", secret="x"))
    tracker = CallTracker()
    await link.start()
    await link.wait_logged_in(5)
    await asyncio.wait_for(go.wait(), 5)
    while (await link.events.get()).name != "ResyncSnapshot":
        pass
    started = time.perf_counter()
    stream.set()
    for _ in range(count):
        event = await link.events.get()
        tracker.feed(event, event.received_at)
    elapsed = time.perf_counter() - started
    produced = len(tracker.take_finished_records())
    pauses = link.status.backpressure_pauses
    await link.close()
    server.close()
    print(f"  calls recorded: {produced}, backpressure pauses: {pauses}")
    return count / elapsed, produced


async def main(target: int) -> int:
    wire, count = build_wire(target)
    print(f"AMI ingest: {count} events, {len(wire) / 1e6:.1f} MB of CRLF wire frames")
    ceiling = max([await panoramisk_rate(wire, count) for _ in range(2)])
    ours, _ = await link_rate(wire, count)
    share = ours / ceiling
    print(f"  panoramisk 1.4 bare parse+dispatch (ceiling): {ceiling:10,.0f} events/s")
    print(f"  AmiLink + CallTracker over loopback TCP:      {ours:10,.0f} events/s")
    print(f"  ratio: {share:.0%} (need >= {MIN_SHARE:.0%} and >= {MIN_RATE:,} events/s)")
    ok = ours >= MIN_RATE and share >= MIN_SHARE
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    sys.exit(asyncio.run(main(parser.parse_args().events)))
