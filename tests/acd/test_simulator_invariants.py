"""Whatever the ACD does, the simulated PBX keeps Asterisk's bookkeeping straight.

Random sequences of arrivals, Redirects (seats, overflow, conference), Hangups and
seat changes, driven over TCP; afterwards every channel was hung up exactly once,
every bridge entered was left and destroyed, every leg shares its call's Linkedid,
and no dialplan task died of an exception.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from acd.simulator.channels import Behaviour
from tests.acd.simhelpers import client, running_sim

SEATS = ["8001", "8002", "8003"]
Op = tuple[str, int, int]

KINDS = ["call", "call", "seat", "seat", "seat", "overflow", "conference", "hangup"]
KINDS += ["behaviour", "callback", "wait"]
ops = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 9), st.integers(0, 9)),
    min_size=1,
    max_size=25,
)


async def _play(script: list[Op]) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    failures: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: failures.append(context))
    events: list[dict[str, str]] = []
    async with running_sim(seats=SEATS, time_scale=0.001, seed=3) as sim, client(sim) as ami:
        sim.pbx.listeners.append(lambda _klass, message: events.append(dict(message)))
        behaviours: list[Behaviour] = ["answer", "no_answer", "busy"]
        for n, (kind, a, b) in enumerate(script):
            waiting = [c for c in sim.channels() if c.context == "acd-hold"]
            chans = sim.channels()
            if kind == "call":
                sim.place_call(f"138000000{a:02d}", patience=20 + 5 * b, talk_time=1 + a)
            elif kind == "seat" and waiting:
                ch = waiting[a % len(waiting)].name
                ami.send(Action="Redirect", Channel=ch, Context="acd-seat",
                         Exten=SEATS[b % 3], Priority="1")  # fmt: skip
            elif kind == "overflow" and waiting:
                ch = waiting[a % len(waiting)].name
                ami.send(Action="Redirect", Channel=ch, Context="acd-overflow", Exten="s",
                         Priority="1")  # fmt: skip
            elif kind == "conference" and chans:
                ch = chans[a % len(chans)].name
                ami.send(Action="Redirect", Channel=ch, Context="acd-conference", Exten="r1",
                         Priority="1")  # fmt: skip
            elif kind == "hangup" and chans:
                ami.send(Action="Hangup", Channel=chans[a % len(chans)].name)
            elif kind == "callback":
                ami.send(Action="Originate", Channel="PJSIP/8099", Context="acd-callback",
                         Exten=f"139000000{a:02d}", Priority="1", ChannelId=f"cb-{n}",
                         Variable=f"ACD_CALLBACK_ID=cb-{n}", Async="true")  # fmt: skip
            elif kind == "behaviour":
                sim.configure_seat(SEATS[a % 3], behaviour=behaviours[b % 3], answer_delay=b,
                                   registered=b != 9)  # fmt: skip
            pause = 0.005 * b if kind == "wait" else random.Random(a * 10 + b).uniform(0, 0.004)
            await asyncio.sleep(pause)
        await asyncio.wait_for(sim.pbx.wait_calls_ended(list(sim.calls)), 5)
        for _ in range(200):  # conference members and seat legs leave shortly after
            if not sim.channels():
                break
            await asyncio.sleep(0.005)
        assert sim.channels() == []
    return events, failures


@settings(max_examples=15, deadline=None)
@given(ops)
def test_bookkeeping_stays_straight(script: list[Op]) -> None:
    events, failures = asyncio.run(_play(script))
    assert failures == []
    created = Counter(e["Uniqueid"] for e in events if e["Event"] == "Newchannel")
    hung_up = Counter(e["Uniqueid"] for e in events if e["Event"] == "Hangup")
    assert created == hung_up
    assert all(n == 1 for n in created.values())
    enters = Counter(
        (e["BridgeUniqueid"], e["Uniqueid"]) for e in events if e["Event"] == "BridgeEnter"
    )
    leaves = Counter(
        (e["BridgeUniqueid"], e["Uniqueid"]) for e in events if e["Event"] == "BridgeLeave"
    )
    assert enters == leaves
    made = Counter(e["BridgeUniqueid"] for e in events if e["Event"] == "BridgeCreate")
    gone = Counter(e["BridgeUniqueid"] for e in events if e["Event"] == "BridgeDestroy")
    assert made == gone
    roots: set[str] = set()  # every leg's Linkedid is the Uniqueid of its call's first channel
    for e in events:
        if e["Event"] == "Newchannel":
            if e["Uniqueid"] == e["Linkedid"]:
                roots.add(e["Uniqueid"])
            else:
                assert e["Linkedid"] in roots
    for e in events:
        if e["Event"] == "DialBegin" and "Uniqueid" in e:
            assert e["DestLinkedid"] == e["Linkedid"]
