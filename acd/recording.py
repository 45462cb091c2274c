"""Call records from any Asterisk's AMI traffic: who called whom, the outcome, and when.

Pure: events and their time go in, records come out. It does not need our
dialplan, so it also reads foreign recordings (queues, transfers, click-to-dial).

A call is one Linkedid group. Its *root* is the channel whose Uniqueid is the
Linkedid; the root and, when the root is a Local channel, its other half form
the caller's side. The dials the caller's side makes are the *primary dials*:
the first one names the callee, and their DialEnd statuses give the outcome
(deeper legs behind Local channels may answer, e.g. voicemail or a mobile that
fails call confirmation, without the caller ever being connected). A call
started by an Originate into a non-inbound context (click-to-dial) is read as
"the first leg dialled is the caller, the next one the callee".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

Event = Mapping[str, str | list[str]]

_PHONE = re.compile(r"^\+?\d+$")


class CallOutcome(StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CANCELLED = "cancelled"  # the caller gave up (or nobody was ever dialled)
    FAILED = "failed"  # congestion, unavailable, invalid


_BY_STATUS = {
    "ANSWER": CallOutcome.ANSWERED,
    "BUSY": CallOutcome.BUSY,
    "NOANSWER": CallOutcome.NO_ANSWER,
    "CANCEL": CallOutcome.CANCELLED,
}
# When a group rang, the outcome the caller lived through wins in this order.
_PRECEDENCE = [
    CallOutcome.ANSWERED,
    CallOutcome.CANCELLED,
    CallOutcome.NO_ANSWER,
    CallOutcome.BUSY,
    CallOutcome.FAILED,
]


@dataclass(frozen=True)
class CallRecord:
    call_id: str
    caller: str
    callee: str
    outcome: CallOutcome | None  # None while the call is still up
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    estimated: bool = False  # the end was inferred after a lost connection


@dataclass
class _Dial:
    source: str
    dest: str
    dest_number: str
    status: str = ""
    ended_at: datetime | None = None


@dataclass
class _Call:
    call_id: str
    root: str
    started_at: datetime
    root_number: str = ""
    originated: bool = False
    inbound: bool = False
    caller_at_dial: str = ""
    callee_fallback: str = ""
    primary: list[_Dial] = field(default_factory=list)
    dials_from: dict[str, list[_Dial]] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)
    ended_at: datetime | None = None
    estimated: bool = False
    absorbed: bool = False  # the root joined another call (a pickup) before dialling anyone

    @property
    def caller_side(self) -> tuple[str, str]:
        return self.root, local_partner(self.root)


def local_partner(channel: str) -> str:
    """The other half of a Local channel (``…;1`` ↔ ``…;2``), or '' for other channels."""
    if channel.startswith("Local/"):
        if channel.endswith(";1"):
            return channel[:-1] + "2"
        if channel.endswith(";2"):
            return channel[:-1] + "1"
    return ""


def _resource(channel: str) -> str:
    """``PJSIP/8001-0000000b`` → ``8001``; ``Local/8001@seats-…`` → ``8001``."""
    name = channel.partition("/")[2]
    return name.partition("@")[0] if "@" in name else name.rpartition("-")[0]


def _dialled_number(event: Event) -> str:
    """The callee's number at DialBegin: the destination's caller ID when the dialplan set
    one (plain Asterisk copies the caller's onto the new leg), else the dial string."""
    number = _phone(_text(event, "DestCallerIDNum"))
    if number and number != _text(event, "CallerIDNum"):
        return number
    target = _text(event, "DialString").partition("@")[0].rpartition("/")[2]
    return _phone(target)


def _phone(value: str) -> str:
    return value if _PHONE.match(value) else ""


def _text(event: Event, key: str) -> str:
    value = event.get(key, "")
    return value if isinstance(value, str) else (value[0] if value else "")


class CallRecorder:
    def __init__(
        self, inbound_contexts: Collection[str] = ("from-pstn",), *, keep_finished: int = 10_000
    ) -> None:
        self._inbound_contexts = frozenset(inbound_contexts)
        self._keep_finished = keep_finished
        self._calls: dict[str, _Call] = {}  # in order of arrival
        self._finished = 0
        # Bridging propagates the oldest Linkedid to every channel in the bridge, so a
        # channel's Hangup may carry another call's Linkedid: remember where it began.
        self._owner: dict[str, _Call] = {}

    def feed(self, event: Event, now: datetime) -> None:
        name = _text(event, "Event")
        linkedid = _text(event, "Linkedid")
        if name == "Newchannel":
            self._new_channel(event, linkedid, now)
            return
        call = self._calls.get(linkedid) if linkedid else None
        if name == "Hangup":
            owner = self._owner.pop(_text(event, "Channel"), None)
            if owner is not None and owner is not call:
                self._hangup(owner, _text(event, "Channel"), now)
        elif name == "BridgeEnter" and call is not None:
            owner = self._owner.get(_text(event, "Channel"))
            if owner is not None and owner is not call and owner.root == _text(event, "Channel"):
                owner.absorbed = True
        if name == "DialBegin":
            call = call or self._calls.get(_text(event, "DestLinkedid"))
            if call is not None:
                self._dial_begin(call, event)
        elif call is None:
            return
        elif name == "DialEnd":
            self._dial_end(call, event, now)
        elif name == "Hangup":
            self._hangup(call, _text(event, "Channel"), now)
        elif name in ("NewCallerid", "Newstate"):
            self._note_number(call, _text(event, "Channel"), _text(event, "CallerIDNum"))

    def close_missing(self, live_linkedids: Collection[str], now: datetime) -> None:
        """After a reconnect: calls with no channel left are over (time estimated)."""
        for call in self._calls.values():
            if call.ended_at is None and call.call_id not in live_linkedids:
                call.ended_at, call.estimated = now, True
                self._finished += 1
        self._trim()

    def records(self) -> list[CallRecord]:
        return [self._record(call) for call in self._calls.values() if _is_a_call(call)]

    def take_finished(self) -> list[CallRecord]:
        """Records of the calls that are over, forgotten from here on (bounded memory)."""
        done = [call for call in self._calls.values() if call.ended_at is not None]
        self._forget(done)
        return [self._record(call) for call in done if _is_a_call(call)]

    def _trim(self) -> None:
        """Keep at most ``keep_finished`` finished calls when nobody takes them."""
        if self._finished <= self._keep_finished + self._keep_finished // 10:
            return
        finished = (call for call in self._calls.values() if call.ended_at is not None)
        excess = self._finished - self._keep_finished
        self._forget([call for call, _ in zip(finished, range(excess), strict=False)])

    def _forget(self, calls: list[_Call]) -> None:
        for call in calls:
            del self._calls[call.call_id]
        self._finished -= len(calls)
        self._owner = {ch: c for ch, c in self._owner.items() if c.call_id in self._calls}

    # -- events ------------------------------------------------------------------------------

    def _new_channel(self, event: Event, linkedid: str, now: datetime) -> None:
        channel = _text(event, "Channel")
        call = self._calls.get(linkedid)
        if call is None and _text(event, "Uniqueid") == linkedid:
            call = _Call(call_id=linkedid, root=channel, started_at=now)
            call.inbound = _text(event, "Context") in self._inbound_contexts
            call.callee_fallback = _phone(_text(event, "Exten"))
            self._calls[linkedid] = call
        if call is not None:
            call.live.add(channel)
            self._owner[channel] = call
            self._note_number(call, channel, _text(event, "CallerIDNum"))

    def _note_number(self, call: _Call, channel: str, number: str) -> None:
        if _phone(number):
            call.numbers[channel] = number
            if channel in call.caller_side and not call.root_number:
                call.root_number = number

    def _dial_begin(self, call: _Call, event: Event) -> None:
        source, dest = _text(event, "Channel"), _text(event, "DestChannel")
        dial = _Dial(source=source, dest=dest, dest_number=_dialled_number(event))
        if not source:
            if dest == call.root:
                call.originated = True  # an Originate dials the root itself
            return
        if dest not in self._owner:
            call.live.add(dest)
            self._owner[dest] = call
        call.dials_from.setdefault(source, []).append(dial)
        if source in call.caller_side:
            if not call.primary:
                call.caller_at_dial = call.numbers.get(source, "") or call.root_number
            call.primary.append(dial)

    def _dial_end(self, call: _Call, event: Event, now: datetime) -> None:
        source, dest = _text(event, "Channel"), _text(event, "DestChannel")
        for dial in call.dials_from.get(source, ()):
            if dial.dest == dest and not dial.status:
                dial.status, dial.ended_at = _text(event, "DialStatus"), now
                break

    def _hangup(self, call: _Call, channel: str, now: datetime) -> None:
        call.live.discard(channel)
        if not call.live and call.ended_at is None:
            call.ended_at = now
            self._finished += 1
            self._trim()

    # -- deriving the record -----------------------------------------------------------------

    def _resolve(self, call: _Call, dial: _Dial, depth: int = 0) -> str:
        """The number a dial reached: its own, or the first one dialled behind a Local channel."""
        if dial.dest_number:
            return dial.dest_number
        if depth < 8:
            for inner in call.dials_from.get(local_partner(dial.dest), ()):
                number = self._resolve(call, inner, depth + 1)
                if number:
                    return number
        return _phone(call.numbers.get(dial.dest, "")) or _phone(_resource(dial.dest))

    def _record(self, call: _Call) -> CallRecord:
        dials = call.primary
        caller = call.caller_at_dial or call.root_number
        if call.originated and not call.inbound and dials:
            first, dials = dials[0], dials[1:]  # click-to-dial: the first leg is the caller
            caller = self._resolve(call, first)
            if first.status != "ANSWER":
                dials = [first]
                callee = ""
            else:
                callee = self._resolve(call, dials[0]) if dials else ""
        else:
            callee = self._resolve(call, dials[0]) if dials else call.callee_fallback
        outcome, answered_at = _outcome(dials, call.ended_at is not None)
        return CallRecord(
            call_id=call.call_id,
            caller=caller,
            callee=callee,
            outcome=outcome,
            started_at=call.started_at,
            answered_at=answered_at,
            ended_at=call.ended_at,
            estimated=call.estimated,
        )


def _is_a_call(call: _Call) -> bool:
    """A phone that picked up someone else's ringing call is part of that call, not a call."""
    return not (call.absorbed and not call.primary)


def _outcome(dials: list[_Dial], ended: bool) -> tuple[CallOutcome | None, datetime | None]:
    answered = [d.ended_at for d in dials if d.status == "ANSWER" and d.ended_at is not None]
    if answered:
        return CallOutcome.ANSWERED, min(answered)
    if not ended:
        return None, None
    outcomes = {_BY_STATUS.get(d.status, CallOutcome.FAILED) for d in dials if d.status}
    if not outcomes:
        return CallOutcome.CANCELLED, None  # nobody rang, or the caller left while it rang
    return next(o for o in _PRECEDENCE if o in outcomes), None
