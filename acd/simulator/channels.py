"""The PBX's nouns: channels, bridges and call records, and how they print on the wire.

A channel prints as Asterisk's channel snapshot block (``Channel`` ... ``Linkedid``),
a bridge as the bridge block (``BridgeUniqueid`` ... ``BridgeVideoSourceMode``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Literal

from acd.simulator.wire import Headers

UNKNOWN = "<unknown>"

CAUSE_TEXT = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    3: "No route to destination",
    16: "Normal Clearing",
    17: "User busy",
    18: "No user responding",
    19: "User alerting, no answer",
    20: "Subscriber absent",
    21: "Call Rejected",
    26: "Answered elsewhere",
    34: "Circuit/channel congestion",
}


class State(IntEnum):
    DOWN = 0
    RING = 4
    RINGING = 5
    UP = 6
    BUSY = 7

    @property
    def desc(self) -> str:
        return {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up", 7: "Busy"}[int(self)]


class Role(StrEnum):
    """What part a channel plays, which decides what happens when its bridge ends."""

    INBOUND = "inbound"  # a caller from the trunk
    DIALLED = "dialled"  # the far side of a Dial(): hung up when its dialler leaves
    ORIGINATED = "originated"  # runs its own dialplan: an Originate's leg, or one Redirected


Behaviour = Literal["answer", "no_answer", "busy"]


@dataclass
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    role: Role
    device: str  # "PJSIP/8001", "PJSIP/trunk"
    state: State = State.DOWN
    caller_num: str = UNKNOWN
    caller_name: str = UNKNOWN
    connected_num: str = UNKNOWN
    connected_name: str = UNKNOWN
    context: str = "default"
    exten: str = "s"
    priority: int = 1
    application: str = ""
    app_data: str = ""
    created: float = 0.0
    variables: dict[str, str] = field(default_factory=dict)
    bridge: Bridge | None = None
    task: asyncio.Task[None] | None = None
    on_hold: bool = False
    dialling: Channel | None = None  # the ringing far side of this channel's Dial()
    ring_outcome: asyncio.Future[str] | None = None  # set when a ringing leg answers or fails
    bridge_exit: asyncio.Future[None] | None = None
    redirecting: bool = False
    # the dialplan's h extension: runs when the channel hangs up, before its Hangup event
    on_hangup: Callable[[], None] | None = None
    redirected_at: float = 0.0  # monotonic time of the last Redirect it was given
    hung_up: bool = False

    def snapshot(self, prefix: str = "") -> Headers:
        p = prefix
        return [
            (f"{p}Channel", self.name),
            (f"{p}ChannelState", str(int(self.state))),
            (f"{p}ChannelStateDesc", self.state.desc),
            (f"{p}CallerIDNum", self.caller_num or UNKNOWN),
            (f"{p}CallerIDName", self.caller_name or UNKNOWN),
            (f"{p}ConnectedLineNum", self.connected_num or UNKNOWN),
            (f"{p}ConnectedLineName", self.connected_name or UNKNOWN),
            (f"{p}Language", "en"),
            (f"{p}AccountCode", ""),
            (f"{p}Context", self.context),
            (f"{p}Exten", self.exten),
            (f"{p}Priority", str(self.priority)),
            (f"{p}Uniqueid", self.uniqueid),
            (f"{p}Linkedid", self.linkedid),
        ]

    def goto(self, context: str, exten: str, priority: int = 1) -> None:
        self.context, self.exten, self.priority = context, exten, priority


@dataclass
class Bridge:
    uniqueid: str
    kind: Literal["basic", "conference"] = "basic"
    name: str = ""
    members: list[Channel] = field(default_factory=list)

    def snapshot(self) -> Headers:
        conference = self.kind == "conference"
        return [
            ("BridgeUniqueid", self.uniqueid),
            ("BridgeType", "base" if conference else "basic"),
            ("BridgeTechnology", "softmix" if conference else "simple_bridge"),
            ("BridgeCreator", "ConfBridge" if conference else UNKNOWN),
            ("BridgeName", self.name or UNKNOWN),
            ("BridgeNumChannels", str(len(self.members))),
            ("BridgeVideoSourceMode", "talker" if conference else "none"),
        ]


@dataclass
class CallRecord:
    """What happened to one call, for tests and the demo to assert on."""

    call_id: str
    number: str
    name: str
    direction: Literal["inbound", "callback", "outbound"]
    arrived: float
    skill: str = ""
    answered: float | None = None
    ended: float | None = None
    connected_seat: str | None = None
    outcome: str = "ringing"
    seats_tried: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CallRecordView:
    call_id: str
    number: str
    name: str
    direction: str
    arrived: float
    skill: str
    answered: float | None
    ended: float | None
    connected_seat: str | None
    outcome: str
    seats_tried: tuple[str, ...]

    @classmethod
    def of(cls, r: CallRecord) -> CallRecordView:
        return cls(
            r.call_id,
            r.number,
            r.name,
            r.direction,
            r.arrived,
            r.skill,
            r.answered,
            r.ended,
            r.connected_seat,
            r.outcome,
            tuple(r.seats_tried),
        )


@dataclass(frozen=True)
class ChannelView:
    name: str
    uniqueid: str
    linkedid: str
    state: str
    context: str
    exten: str
    application: str
    bridge_id: str | None
    caller_num: str

    @classmethod
    def of(cls, c: Channel) -> ChannelView:
        return cls(
            c.name,
            c.uniqueid,
            c.linkedid,
            c.state.desc,
            c.context,
            c.exten,
            c.application,
            c.bridge.uniqueid if c.bridge else None,
            c.caller_num,
        )


@dataclass
class Endpoint:
    """A seat's softphone or an outside number, and how it behaves when rung."""

    behaviour: Behaviour = "answer"
    answer_delay: tuple[float, float] = (1.0, 1.0)
    talk_time: tuple[float, float] = (10.0, 10.0)
    registered: bool = True
