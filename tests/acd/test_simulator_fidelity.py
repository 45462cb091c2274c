"""The simulator orders a call's events like the real Asterisk 22 recordings of the same flows.

The recordings used Local channels for callers and seats; the simulator uses a
PJSIP trunk channel and PJSIP seat legs, so the comparison follows the caller's
channel and leaves out what only Local channels produce (LocalBridge, the
SoftHangupRequest a Local half passes on) and ringing a Local seat never reports.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.acd.simhelpers import Msg, RawAmi, client, running_sim

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "ami" / "asterisk22"
# The recordings of a real Asterisk 22 sit beside the checkout (../shared/data, under
# their own licence), not in it: a checkout on its own has nothing to compare against.
NEEDS_RECORDINGS = pytest.mark.skipif(
    not DATA.exists(), reason=f"no real Asterisk 22 AMI recordings at {DATA} to compare with"
)
COMPARED = {
    "Newchannel",
    "Newstate",
    "UserEvent",
    "MusicOnHoldStart",
    "MusicOnHoldStop",
    "DialBegin",
    "DialEnd",
    "BridgeEnter",
    "BridgeLeave",
    "HangupRequest",
    "Hangup",
}


def _caller_story(events: list[Msg]) -> list[tuple[str, str]]:
    caller = next(e["WaitChannel"] for e in events if e.get("UserEvent") == "CallWaiting")
    story = []
    for e in events:
        if e.get("Event") in COMPARED and e.get("Channel") == caller:
            detail = e.get("UserEvent") or e.get("DialStatus") or e.get("ChannelStateDesc", "")
            story.append((e["Event"], detail if e["Event"] != "BridgeLeave" else ""))
    return story


def _recorded(name: str) -> list[Msg]:
    rows = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines()]
    return [{k: str(v) for k, v in row.items()} for row in rows if "Event" in row]


async def _played(ami: RawAmi, until: dict[str, str]) -> list[Msg]:
    await ami.wait_for(lambda m: all(m.get(k) == v for k, v in until.items()), within=5)
    return [m for m in ami.seen if "Event" in m]


@NEEDS_RECORDINGS
async def test_answered_call_matches_the_recording() -> None:
    recorded = _caller_story(_recorded("answered_redirect"))
    stories: dict[str, list[tuple[str, str]]] = {}
    for seed in range(12):  # the seed decides who hangs up; find both cases
        async with running_sim(seats=["8001"], seed=seed) as sim, client(sim) as ami:
            call_id = sim.place_call("13800000001", name="Caller", talk_time=3)
            waiting = await ami.event("UserEvent", UserEvent="CallWaiting")
            ami.send(Action="Redirect", Channel=waiting["WaitChannel"], Context="acd-seat",
                     Exten="8001", Priority="1")  # fmt: skip
            story = _caller_story(await _played(ami, {"Event": "Hangup", "Uniqueid": call_id}))
        stories["caller" if ("HangupRequest", "Up") in story else "agent"] = story
        if len(stories) == 2:
            break
    assert stories["caller"] == recorded
    # When the agent ends the call, Dial returns and the dialplan hangs the caller up.
    assert stories["agent"] == [e for e in recorded if e[0] != "HangupRequest"]


@NEEDS_RECORDINGS
async def test_unanswered_seat_matches_the_recording() -> None:
    async with running_sim(seats=["8090"], time_scale=0.002) as sim, client(sim) as ami:
        sim.configure_seat("8090", behaviour="no_answer")
        sim.place_call("13800000001", name="Caller")
        waiting = await ami.event("UserEvent", UserEvent="CallWaiting")
        ami.send(Action="Redirect", Channel=waiting["WaitChannel"], Context="acd-seat",
                 Exten="8090", Priority="1")  # fmt: skip
        await ami.event("UserEvent", UserEvent="CallWaiting", Requeued="1")
        await ami.event("MusicOnHoldStart")
        played = [m for m in ami.seen if "Event" in m]
    recorded = _caller_story(_recorded("seat_noanswer"))
    expected = recorded[: recorded.index(("UserEvent", "CallWaiting"), 3) + 2]
    assert _caller_story(played) == expected


@NEEDS_RECORDINGS
async def test_abandoned_wait_matches_the_recording() -> None:
    async with running_sim() as sim, client(sim) as ami:
        call_id = sim.place_call("13800000001", name="Caller", patience=3)
        played = await _played(ami, {"Event": "Hangup", "Uniqueid": call_id})
    expected = _caller_story(_recorded("abandoned_waiting"))
    assert _caller_story(played) == expected
