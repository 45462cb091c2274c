"""Real recorded AMI traffic, over loopback TCP in random chunks, through AmiLink and CallTracker.

The expected calls below were written by reading each scenario's description in
cacofonisk/INDEX.json and its events (root channel, its dials and their
DialStatus), not by running the code. Conventions, from a hotline user's view:

- caller: the caller ID of the inbound (root) channel when it first dials; for
  click-to-dial (an Originate rings A first, then A is connected to B) the caller
  is A and the callee B. Numbers as presented by that PBX.
- callee: the first party the caller dialled (a group or queue number when a
  group rang); after a transfer, still the first callee.
- outcome: from the caller's own dials: any ANSWER → answered; else what the
  caller lived through (cancelled > no answer > busy). A forwarded mobile that
  picks up but fails call confirmation did not answer the caller.
- one record per Linkedid group: an attended/blonde transfer's consultation call
  is its own record; the consultation of a blonde transfer is "no answer" for
  the person who dialled it (they transferred while it rang). A pickup is part
  of the call it picked up, not a call.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from acd.ami import AmiConfig, AmiEvent, AmiLink
from acd.events import (
    CallArrived,
    CallConnected,
    CallEnded,
    CallWaiting,
    SeatFailed,
    SeatLegEnded,
    SeatRinging,
)
from acd.recording import CallOutcome
from acd.tracker import CallTracker
from callcenter.kernel.bus import DomainEvent
from tests.acd.ami_fake import FakeAmi, event_frame

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "ami"
A, B, N, C = (
    CallOutcome.ANSWERED,
    CallOutcome.BUSY,
    CallOutcome.NO_ANSWER,
    CallOutcome.CANCELLED,
)
Row = tuple[str, str, CallOutcome, bool]  # caller, callee, outcome, has an answer time

EXPECTED: dict[str, list[Row]] = {
    "mobile/acceptance_group_pickup.json": [("+31150010003", "+31260010001", A, True)],
    "mobile/acceptance_group_reject.json": [("+31150010003", "+31260010001", A, True)],
    "mobile/acceptance_reject.json": [("+31150010003", "+31260010001", N, False)],
    "mobile/acceptance_simple.json": [("+31150010001", "+31150010004", A, True)],
    "mobile/acceptance_timeout.json": [("+31150010003", "+31260010001", N, False)],
    "mobile/simple_mobile.json": [("+31150010001", "+31150010004", A, True)],
    # A picks up but does not accept: B is never dialled.
    "originate/cmn-world-world-unaccepted.json": [("+31260010001", "", C, False)],
    "originate/cmn-world-world.json": [("+31260010001", "+31150010001", A, True)],
    "originate/ctd-account-account-xfer-attn-abbcac.json": [
        ("201", "202", A, True),
        ("202", "203", A, True),
    ],
    "originate/ctd-account-account.json": [("201", "202", A, True)],
    # 201 refuses its own click-to-dial leg: nobody else is called.
    "originate/ctd-account-world-deny-a.json": [("201", "", B, False)],
    "originate/ctd-account-world-deny-b.json": [("201", "+31260010001", B, False)],
    "originate/ctd-account-world-no-ringing.json": [("2401", "+31260010001", A, True)],
    "originate/ctd-account-world-xfer-attn-abacbc.json": [
        ("201", "+31260010001", A, True),
        ("201", "203", A, True),
    ],
    "originate/ctd-account-world.json": [("201", "+31260010001", A, True)],
    "queue/queue_a_cancel.json": [("+31150010001", "+31150010004", C, False)],
    "queue/queue_attn_xfer.json": [
        ("+31260010001", "+31150010001", A, True),
        ("201", "202", A, True),
    ],
    "queue/queue_blind_xfer.json": [("+31260010001", "+31150010001", A, True)],
    "queue/queue_group.json": [("+31150010001", "+31150010004", A, True)],
    "queue/queue_simple.json": [("+31150010001", "+31150010004", A, True)],
    # Answered by the PBX itself, then the caller hangs up before any dial.
    "simple/a_created_no_answer.json": [("+31150010001", "+31150010004", C, False)],
    "simple/ab_a_cancel.json": [("201", "202", C, False)],
    "simple/ab_callgroup.json": [("201", "401", A, True)],
    "simple/ab_callgroup_no_answer.json": [("201", "401", N, False)],
    "simple/ab_dnd.json": [("201", "202", B, False)],
    "simple/ab_reject.json": [("201", "202", B, False)],
    "simple/ab_success_a_hangup.json": [("201", "202", A, True)],
    "simple/ab_success_b_hangup.json": [("201", "202", A, True)],
    "simple/ab_success_o3.json": [("201", "202", A, True)],
    # Out through the proxy and back in: the outbound and the inbound leg are two calls.
    "simple/ab_success_twoclients.json": [
        ("+31260010001", "+31150010001", A, True),
        ("+31260010001", "+31150010001", A, True),
    ],
    "var_set/user_events.json": [
        ("+31260010001", "+31150010001", A, True),
        ("+31260010001", "+31150010001", A, True),
    ],
    "xfer_attended/xfer_abacbc.json": [("201", "202", A, True), ("201", "203", A, True)],
    "xfer_attended/xfer_abbcac.json": [("201", "202", A, True), ("202", "203", A, True)],
    # The caller withheld the number on the dial; the inbound channel still carried it.
    "xfer_attended/xfer_abbcac_anon.json": [
        ("+31260010001", "+31150010001", A, True),
        ("201", "203", A, True),
    ],
    "xfer_attended/xfer_abcbac.json": [("202", "201", A, True), ("203", "201", A, True)],
    "xfer_blind/xfer_blind_a_no_answer.json": [("201", "202", A, True)],
    "xfer_blind/xfer_blind_abacbc.json": [("201", "202", A, True)],
    "xfer_blind/xfer_blind_abbcac.json": [("201", "202", A, True)],
    "xfer_blind/xfer_blind_b_no_answer.json": [("201", "202", A, True)],
    "xfer_blind/xfer_blind_group.json": [("+31260010001", "+31150010001", A, True)],
    "xfer_blind/xfer_blind_group_no_answer.json": [("+31260010001", "+31150010001", A, True)],
    "xfer_blind/xfer_blind_reject.json": [("201", "202", A, True)],
    "xfer_blonde/xfer_blonde_abacbc.json": [("201", "202", A, True), ("201", "203", N, False)],
    "xfer_blonde/xfer_blonde_abbcac.json": [
        ("+31260010001", "+31150010001", A, True),
        ("201", "202", N, False),
    ],
    "xfer_blonde/xfer_blonde_group_a.json": [
        ("+31150010001", "+31260010001", A, True),
        ("201", "401", N, False),
    ],
    "xfer_blonde/xfer_blonde_group_b.json": [
        ("+31260010001", "+31150010001", A, True),
        ("201", "401", N, False),
    ],
    "xfer_blonde/xfer_blonde_reject.json": [
        ("+31260010001", "+31150010001", A, True),
        ("201", "202", N, False),
    ],
    "xfer_misc/call_forwarding.json": [("+31260010001", "+31150010001", A, True)],
    "xfer_misc/call_forwarding_to_group.json": [("+31260010001", "+31150010001", A, True)],
    # Picked up by 150010003: still 201's call to 202, answered.
    "xfer_misc/sip_pickup.json": [("201", "202", A, True)],
    "xfer_misc/star_pickup.json": [("201", "202", A, True)],
}


def test_the_table_covers_every_recorded_scenario() -> None:
    index = json.loads((DATA / "cacofonisk" / "INDEX.json").read_text())
    assert sorted(EXPECTED) == sorted(entry["file"] for entry in index)
    assert len(EXPECTED) == 51


@pytest.fixture
async def server() -> AsyncIterator[FakeAmi]:
    fake = await FakeAmi().start()
    yield fake
    await fake.stop()


async def replay(server: FakeAmi, events: list[dict[str, str]], seed: str) -> list[AmiEvent]:
    """Push the events as CRLF frames in random chunks; return what the link delivered."""
    link = AmiLink(AmiConfig(host=server.host, port=server.port, username="acd", secret="s3cret"))
    await link.start()
    try:
        await link.wait_logged_in(5)
        while (await asyncio.wait_for(link.events.get(), 5)).name != "ResyncSnapshot":
            pass  # FullyBooted
        wire = b"".join(event_frame(e) for e in events)
        rng = random.Random(seed)
        chunks: list[int] = []
        while sum(chunks) < len(wire):
            chunks.append(rng.randint(1, 700))
        await server.push(wire, chunks)
        got = [await asyncio.wait_for(link.events.get(), 5) for _ in events]
        await asyncio.sleep(0.05)
        assert link.events.empty(), "no more events than were sent"
        assert link.status.logged_in and link.status.reconnects == 0
        return got
    finally:
        await link.close()


def headers(event: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in event.items() if k != "content"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_cacofonisk_scenario(server: FakeAmi, name: str) -> None:
    events = json.loads((DATA / "cacofonisk" / name).read_text())
    received = await replay(server, events, seed=name)
    assert len(received) == len(events)
    assert [dict(e) for e in received] == [headers(e) for e in events]
    tracker = CallTracker()
    for event in received:
        tracker.feed(event, event.received_at)
    records = tracker.records()
    got = [(r.caller, r.callee, r.outcome, r.answered_at is not None) for r in records]
    assert got == EXPECTED[name]
    for record in records:
        assert record.ended_at is not None and not record.estimated
        assert record.started_at <= record.ended_at
        if record.answered_at is not None:
            assert record.started_at <= record.answered_at <= record.ended_at


def load_jsonl(name: str) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (DATA / "asterisk22" / name).read_text().splitlines()]
    for row in rows:
        row.pop("_t", None)
    return rows


async def domain_events(server: FakeAmi, name: str) -> tuple[list[DomainEvent], CallTracker]:
    events = load_jsonl(name)
    received = await replay(server, events, seed=name)
    assert len(received) == len(events)
    tracker = CallTracker()
    out: list[DomainEvent] = []
    for event in received:
        out += tracker.feed(event, event.received_at)
    return out, tracker


async def test_asterisk22_answered_by_seat_8001(server: FakeAmi) -> None:
    out, tracker = await domain_events(server, "answered_redirect.jsonl")
    kinds = [type(e) for e in out]
    # the caller hung up first: the seat's own leg ends after the call (Asterisk 22)
    assert kinds == [CallArrived, CallWaiting, SeatRinging, CallConnected, CallEnded, SeatLegEnded]
    assert {e.call_id for e in out} == {"acdlab-1795911163.0"}
    arrived, connected, ended = out[0], out[3], out[4]
    assert isinstance(arrived, CallArrived) and arrived.caller_number == "+8613800000001"
    assert isinstance(connected, CallConnected) and connected.seat == "8001"
    assert isinstance(ended, CallEnded) and ended.connected
    (record,) = tracker.records()
    assert (record.caller, record.callee, record.outcome) == ("13800000001", "8001", A)
    assert record.answered_at is not None


async def test_asterisk22_abandoned_while_waiting(server: FakeAmi) -> None:
    out, tracker = await domain_events(server, "abandoned_waiting.jsonl")
    assert [type(e) for e in out] == [CallArrived, CallWaiting, CallEnded]
    ended = out[-1]
    assert isinstance(ended, CallEnded) and not ended.connected and not ended.estimated
    (record,) = tracker.records()
    assert record.outcome is C and record.answered_at is None


async def test_asterisk22_seat_no_answer_then_requeued(server: FakeAmi) -> None:
    out, _ = await domain_events(server, "seat_noanswer.jsonl")
    kinds = [type(e) for e in out]
    assert kinds == [
        CallArrived,
        CallWaiting,
        SeatRinging,
        SeatLegEnded,  # Dial hangs up the seat's leg before the dialplan reports it
        SeatFailed,
        CallWaiting,
        CallEnded,
    ]
    failed, requeued, ended = out[4], out[5], out[6]
    assert isinstance(failed, SeatFailed) and failed.dial_status == "NOANSWER"
    assert isinstance(requeued, CallWaiting) and requeued.requeued
    assert isinstance(ended, CallEnded) and not ended.connected
