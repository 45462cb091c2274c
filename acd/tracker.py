"""Channels → calls: turns AMI events into the hotline's call events (acd/events.py).

Pure: no I/O, the time comes in with each event. It follows the dialplan
contract in asterisk-conf/README.md; a call is keyed by the Linkedid of its
inbound channel. Alongside it keeps generic call records (acd.recording) for any
traffic, ours or not. Events of channels it does not know are ignored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from acd.events import (
    CallArrived,
    CallbackOffered,
    CallConnected,
    CallEnded,
    CallRecovered,
    CallWaiting,
    SeatFailed,
    SeatReachability,
    SeatRinging,
    Skill,
)
from acd.recording import CallRecord, CallRecorder
from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.phone import mask, normalise

log = logging.getLogger(__name__)

Event = Mapping[str, str | list[str]]

# A seat's leg: PJSIP/8001-0000001a (or Local/8001@… where seats are Local channels).
_SEAT_LEG = re.compile(r"^(?:PJSIP|SIP)/(?!trunk)([^-/@;]+)-|^Local/(\d+)@")
_SEAT_DEVICE = re.compile(r"^(?:PJSIP|SIP)/(?!trunk)([^-/@;]+)$")
_REACHABLE = {
    "Reachable": True,
    "Created": True,
    "NonQualified": True,
    "Unreachable": False,
    "Removed": False,
}
_UNREACHABLE_STATES = {"UNAVAILABLE", "INVALID"}
# The contexts a waiting or ringing hotline caller sits in (for a resync after an outage).
HOTLINE_CONTEXTS = frozenset(
    {"from-pstn", "acd-ivr", "acd-hold", "acd-seat", "acd-after-dial", "acd-overflow"}
)


def _text(event: Event, key: str) -> str:
    value = event.get(key, "")
    return value if isinstance(value, str) else (value[0] if value else "")


def _known(number: str) -> bool:
    return bool(number) and number != "<unknown>"


@dataclass
class _Call:
    call_id: str
    channel: str
    number: str = ""
    name: str = ""
    dnis: str = ""
    arrived: bool = False
    seat: str = ""
    answered: bool = False
    bridged: bool = False
    connected: bool = False


class CallTracker:
    def __init__(
        self,
        *,
        dnis: Collection[str] = ("12355",),
        inbound_context: str = "from-pstn",
        region: str = "CN",
    ) -> None:
        self._dnis = frozenset(dnis)
        self._inbound_context = inbound_context
        self._region = region
        self._calls: dict[str, _Call] = {}
        self._reachable: dict[str, bool] = {}
        self.recorder = CallRecorder(inbound_contexts=(inbound_context,))

    # -- public --------------------------------------------------------------------------

    def feed(self, event: Event, now: datetime) -> list[DomainEvent]:
        """The call events one AMI event implies (a ResyncSnapshot runs ``resync``)."""
        name = _text(event, "Event")
        if name == "ResyncSnapshot":
            channels = getattr(event, "channels", ())
            contacts = getattr(event, "contacts", ())
            return self.resync(channels, now, contacts=contacts)
        handler = _HANDLERS.get(name)
        try:
            self.recorder.feed(event, now)
            return handler(self, event, now) if handler is not None else []
        except Exception:  # one odd event must not stop the ACD's event loop
            log.exception("call tracking failed on a %s event", name)
            return []

    def resync(
        self, channels: Sequence[Event], now: datetime, *, contacts: Sequence[Event] = ()
    ) -> list[DomainEvent]:
        """Reconcile with what is up after a reconnect (events during the outage are lost).

        A call still up stays one call (no second CallArrived); a call that vanished
        ends with ``estimated=True``; an inbound call that arrived meanwhile arrives now.
        """
        out: list[DomainEvent] = []
        live = {_text(c, "Linkedid") for c in channels}
        for call_id in [cid for cid in self._calls if cid not in live]:
            call = self._calls.pop(call_id)
            out += self._announce(call, now, force=True)  # never an end without a start
            out.append(CallEnded(call_id=call_id, at=now, connected=call.connected, estimated=True))
        # Oldest channel first: a caller before the seat leg that joined them.
        channels = sorted(channels, key=_creation_order)
        found: dict[str, str] = {}  # calls this resync discovered → the caller's context
        for channel in channels:
            uid, linkedid = _text(channel, "Uniqueid"), _text(channel, "Linkedid")
            if uid != linkedid:
                out += self._connected_meanwhile(channel, now, found)
                continue
            if linkedid in self._calls:
                continue
            if _text(channel, "Context") not in HOTLINE_CONTEXTS:
                continue
            found[linkedid] = _text(channel, "Context")
            out += self._arrive(channel, now, from_resync=True)
        for contact in contacts:
            out += self._reachability(contact, now)
        self.recorder.close_missing(live, now)
        # Callers found waiting go last, longest-waiting first: by then the seats busy
        # with calls and the unregistered phones are known, and each routing decision
        # taken between these events picks the caller who has waited longest.
        waiting = [e for e in out if isinstance(e, CallWaiting)]
        waiting.sort(key=lambda e: e.queued_at or 0.0)
        return [e for e in out if not isinstance(e, CallWaiting)] + waiting

    def _connected_meanwhile(
        self, channel: Event, now: datetime, found: Mapping[str, str]
    ) -> list[DomainEvent]:
        """A seat leg bridged with a call we still hold: it was answered during the outage.

        A call this resync ``found`` (the ACD restarted) may also still ring at the seat.
        """
        call = self._calls.get(_text(channel, "Linkedid"))
        match = _SEAT_LEG.match(_text(channel, "Channel"))
        if call is None or call.connected or match is None:
            return []
        seat, bridged = match.group(1) or match.group(2), bool(_text(channel, "BridgeId"))
        if call.call_id not in found:
            if not bridged:
                return []
            call.seat = seat
            call.answered = call.bridged = True
            return self._connect(call, now)
        if not bridged and found[call.call_id] != "acd-seat":
            return []  # a leg left over from a dial that ended: the caller is elsewhere
        call.seat = seat
        recovered = CallRecovered(call_id=call.call_id, at=now, seat=seat,
                                  caller_number=call.number)  # fmt: skip
        if not bridged:
            leg = _text(channel, "Channel")
            return [recovered, SeatRinging(call_id=call.call_id, at=now, seat=seat, channel=leg)]
        call.answered = call.bridged = True
        return [recovered, *self._connect(call, now)]

    def records(self) -> list[CallRecord]:
        return self.recorder.records()

    def take_finished_records(self) -> list[CallRecord]:
        return self.recorder.take_finished()

    @property
    def active_calls(self) -> list[str]:
        return list(self._calls)

    # -- arrival -------------------------------------------------------------------------

    def _on_newchannel(self, event: Event, now: datetime) -> list[DomainEvent]:
        linkedid = _text(event, "Linkedid")
        if _text(event, "Uniqueid") != linkedid or linkedid in self._calls:
            return []
        if _text(event, "Context") != self._inbound_context:
            return []
        if _text(event, "Exten") not in self._dnis:
            return []
        return self._arrive(event, now, from_resync=False)

    def _arrive(self, event: Event, now: datetime, *, from_resync: bool) -> list[DomainEvent]:
        call_id = _text(event, "Linkedid")
        call = _Call(call_id=call_id, channel=_text(event, "Channel"))
        exten = _text(event, "Exten")
        call.dnis = exten if exten in self._dnis else next(iter(sorted(self._dnis)), "")
        self._calls[call_id] = call
        self._learn_caller(call, _text(event, "CallerIDNum"), _text(event, "CallerIDName"))
        out = self._announce(call, now, force=from_resync)
        if from_resync and _text(event, "Context") == "acd-hold":
            variables = channel_variables(event)
            out.append(
                CallWaiting(
                    call_id=call_id,
                    at=now,
                    caller_number=call.number,
                    caller_name=call.name,
                    skill=_skill(variables.get("ACD_SKILL", "")),
                    wait_channel=call.channel,
                    queued_at=_epoch(variables.get("ACD_QUEUED_AT", "")),
                )
            )
        return out

    def _learn_caller(self, call: _Call, number: str, name: str) -> None:
        if _known(number) and not call.number:
            call.number = normalise(number, self._region)
        if _known(name) and not call.name:
            call.name = name

    def _announce(self, call: _Call, now: datetime, *, force: bool) -> list[DomainEvent]:
        """CallArrived once the caller's number is known (a Local origin learns it late)."""
        if call.arrived or not (call.number or force):
            return []
        call.arrived = True
        log.info("call %s arrived from %s", call.call_id, mask(call.number))
        return [
            CallArrived(
                call_id=call.call_id,
                at=now,
                caller_number=call.number,
                caller_name=call.name,
                dnis=call.dnis,
                channel=call.channel,
            )
        ]

    def _on_callerid(self, event: Event, now: datetime) -> list[DomainEvent]:
        call = self._calls.get(_text(event, "Linkedid"))
        if call is None or call.arrived:
            return []
        self._learn_caller(call, _text(event, "CallerIDNum"), _text(event, "CallerIDName"))
        return self._announce(call, now, force=False)

    # -- waiting, ringing, connecting ----------------------------------------------------

    def _on_user_event(self, event: Event, now: datetime) -> list[DomainEvent]:
        call = self._calls.get(_text(event, "Linkedid"))
        if call is None:
            log.debug("UserEvent for an unknown call ignored")
            return []
        kind = _text(event, "UserEvent")
        if kind == "CallWaiting":
            return self._waiting(call, event, now)
        if kind == "SeatFailed":
            call.seat, call.answered, call.bridged = "", False, False
            return [
                SeatFailed(
                    call_id=call.call_id,
                    at=now,
                    seat=_text(event, "Seat"),
                    dial_status=_text(event, "DialStatus"),
                )
            ]
        if kind == "CallbackOffered":
            reason = _text(event, "Reason") or "overflow"
            return [CallbackOffered(call_id=call.call_id, at=now, reason=reason)]
        return []

    def _waiting(self, call: _Call, event: Event, now: datetime) -> list[DomainEvent]:
        self._learn_caller(call, _text(event, "ACDCallerNum"), _text(event, "ACDCallerName"))
        out = self._announce(call, now, force=True)
        skill = _skill(_text(event, "ACDSkill"))
        out.append(
            CallWaiting(
                call_id=call.call_id,
                at=now,
                caller_number=call.number,
                caller_name=call.name,
                skill=skill,
                wait_channel=_text(event, "WaitChannel") or _text(event, "Channel"),
                requeued=_text(event, "Requeued") == "1",
            )
        )
        return out

    def _on_dial_begin(self, event: Event, now: datetime) -> list[DomainEvent]:
        call = self._calls.get(_text(event, "Linkedid"))
        if call is None or not _text(event, "Channel"):
            return []
        dest = _text(event, "DestChannel")
        match = _SEAT_LEG.match(dest)
        if match is None:
            return []
        call.seat = match.group(1) or match.group(2)
        call.answered = call.bridged = False
        return [SeatRinging(call_id=call.call_id, at=now, seat=call.seat, channel=dest)]

    def _on_dial_end(self, event: Event, now: datetime) -> list[DomainEvent]:
        call = self._calls.get(_text(event, "Linkedid"))
        if call is None or not call.seat or _text(event, "DialStatus") != "ANSWER":
            return []
        call.answered = True
        return self._connect(call, now)

    def _on_bridge_enter(self, event: Event, now: datetime) -> list[DomainEvent]:
        call = self._calls.get(_text(event, "Linkedid"))
        if call is None or not call.seat:
            return []
        call.bridged = True
        return self._connect(call, now)

    def _connect(self, call: _Call, now: datetime) -> list[DomainEvent]:
        if call.connected or not (call.answered and call.bridged):
            return []
        call.connected = True
        return [CallConnected(call_id=call.call_id, at=now, seat=call.seat)]

    # -- the end ---------------------------------------------------------------------------

    def _on_hangup(self, event: Event, now: datetime) -> list[DomainEvent]:
        call_id = _text(event, "Uniqueid")
        call = self._calls.get(call_id)
        if call is None:
            return []  # not an inbound channel (a seat leg, a Local half) or not ours
        del self._calls[call_id]
        out = self._announce(call, now, force=True)
        try:
            cause = int(_text(event, "Cause") or 16)
        except ValueError:
            cause = 0
        out.append(CallEnded(call_id=call_id, at=now, cause=cause, connected=call.connected))
        return out

    # -- seats -----------------------------------------------------------------------------

    def _on_reachability(self, event: Event, now: datetime) -> list[DomainEvent]:
        return self._reachability(event, now)

    def _reachability(self, event: Event, now: datetime) -> list[DomainEvent]:
        seat, reachable = _seat_reachability(event)
        if not seat or reachable is None or self._reachable.get(seat) == reachable:
            return []
        self._reachable[seat] = reachable
        return [SeatReachability(at=now, seat=seat, reachable=reachable)]


def channel_variables(event: Event) -> dict[str, str]:
    """The ``ChanVariable: NAME=value`` headers (manager.conf ``channelvars``) as a dict."""
    raw = event.get("ChanVariable", [])
    found: dict[str, str] = {}
    for item in [raw] if isinstance(raw, str) else raw:
        name, _, value = item.partition("=")
        found[name.strip()] = value.strip()
    return found


def _skill(text: str) -> Skill:
    try:
        return Skill(text)
    except ValueError:
        return Skill.GENERAL


def _epoch(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _creation_order(channel: Event) -> tuple[int, int]:
    """Asterisk's Uniqueid is ``<system>-<epoch>.<sequence>``: it sorts by creation."""
    epoch, _, seq = _text(channel, "Uniqueid").rpartition("-")[2].partition(".")
    try:
        return int(epoch), int(seq or 0)
    except ValueError:
        return 0, 0


def _seat_reachability(event: Event) -> tuple[str, bool | None]:
    """(seat, reachable) from a ContactStatus / ContactList / DeviceStateChange event."""
    device = _text(event, "Device")
    if device:
        match = _SEAT_DEVICE.match(device)
        if match is None:
            return "", None
        return match.group(1), _text(event, "State") not in _UNREACHABLE_STATES
    seat = _text(event, "EndpointName") or _text(event, "Endpoint")
    status = _text(event, "ContactStatus") or _text(event, "Status")
    if not seat or seat.startswith("trunk"):
        return "", None
    return seat, _REACHABLE.get(status)


_HANDLERS = {
    "Newchannel": CallTracker._on_newchannel,
    "NewCallerid": CallTracker._on_callerid,
    "UserEvent": CallTracker._on_user_event,
    "DialBegin": CallTracker._on_dial_begin,
    "DialEnd": CallTracker._on_dial_end,
    "BridgeEnter": CallTracker._on_bridge_enter,
    "Hangup": CallTracker._on_hangup,
    "ContactStatus": CallTracker._on_reachability,
    "DeviceStateChange": CallTracker._on_reachability,
}
