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
    SeatLegEnded,
    SeatRinging,
)
from acd.listing import channel_variables, creation_order, epoch, skill_of
from acd.own_calls import is_own_call
from acd.phones import PhoneWatch
from acd.recording import CallRecord, CallRecorder
from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.phone import mask, normalise

log = logging.getLogger(__name__)

Event = Mapping[str, str | list[str]]

# A seat's leg: PJSIP/8001-0000001a (or Local/8001@… where seats are Local channels).
_SEAT_LEG = re.compile(r"^(?:PJSIP|SIP)/(?!trunk)([^-/@;]+)-|^Local/(\d+)@")
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
    ever_connected: bool = False  # some seat took the call (the current seat may not have)


class CallTracker:
    def __init__(
        self,
        *,
        dnis: Collection[str] = ("12355",),
        inbound_context: str = "from-pstn",
        region: str = "CN",
        seats: Collection[str] = (),
    ) -> None:
        self._dnis = frozenset(dnis)
        self._inbound_context = inbound_context
        self._region = region
        self.phones = PhoneWatch(seats)
        self._calls: dict[str, _Call] = {}
        self._seat_legs: dict[str, _Leg] = {}  # channel → the seat leg it is
        self.recorder = CallRecorder(inbound_contexts=(inbound_context,))

    # -- public --------------------------------------------------------------------------

    def feed(self, event: Event, now: datetime) -> list[DomainEvent]:
        """The call events one AMI event implies (a ResyncSnapshot runs ``resync``)."""
        name = _text(event, "Event")
        if name == "ResyncSnapshot":
            channels = getattr(event, "channels", ())
            contacts = getattr(event, "contacts", None)
            return self.resync(channels, now, contacts=contacts)
        handler = _HANDLERS.get(name)
        try:
            self.recorder.feed(event, now)
            return handler(self, event, now) if handler is not None else []
        except Exception:  # one odd event must not stop the ACD's event loop
            log.exception("call tracking failed on a %s event", name)
            return []

    def resync(
        self, channels: Sequence[Event], now: datetime, *, contacts: Sequence[Event] | None = ()
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
        names = {_text(c, "Channel") for c in channels}
        for name in [name for name in self._seat_legs if name not in names]:
            out += self._leg_gone(name, now)
        # Oldest channel first: a caller before the seat leg that joined them.
        channels = sorted(channels, key=creation_order)
        found: dict[str, str] = {}  # calls this resync discovered → the caller's context
        for channel in channels:
            uid, linkedid = _text(channel, "Uniqueid"), _text(channel, "Linkedid")
            if uid != linkedid:
                out += self._connected_meanwhile(channel, now, found)
                continue
            if linkedid in self._calls or not self._is_inbound_caller(channel):
                continue
            found[linkedid] = _text(channel, "Context")
            out += self._arrive(channel, now, from_resync=True)
        if contacts is not None:
            out += self.phones.registrations(contacts, now)
        out += self.phones.freed(names, now)
        self.recorder.close_missing(live, now)
        # Callers found waiting go last, longest-waiting first: by then the seats busy
        # with calls and the unregistered phones are known, and each routing decision
        # taken between these events picks the caller who has waited longest.
        waiting = [e for e in out if isinstance(e, CallWaiting)]
        waiting.sort(key=lambda e: e.queued_at or 0.0)
        return [e for e in out if not isinstance(e, CallWaiting)] + waiting

    def _is_inbound_caller(self, channel: Event) -> bool:
        """The live path's test, from a listing: a hotline caller, not a leg we placed."""
        if is_own_call(_text(channel, "Linkedid")):
            return False  # a callback, the police line of a conference, a listen-in
        context = _text(channel, "Context")
        if context == self._inbound_context:
            return _text(channel, "Exten") in self._dnis
        return context in HOTLINE_CONTEXTS

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
            self._seat_legs[_text(channel, "Channel")] = _Leg(call.call_id, seat)
            call.answered = call.bridged = True
            return self._connect(call, now)
        if not bridged and found[call.call_id] != "acd-seat":
            return []  # a leg left over from a dial that ended: the caller is elsewhere
        call.seat = seat
        self._seat_legs[_text(channel, "Channel")] = _Leg(call.call_id, seat)
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
                    skill=skill_of(variables.get("ACD_SKILL", "")),
                    wait_channel=call.channel,
                    queued_at=epoch(variables.get("ACD_QUEUED_AT", "")),
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
        skill = skill_of(_text(event, "ACDSkill"))
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
        # A new offer: what the last seat did no longer says whether this one answers.
        call.answered = call.bridged = call.connected = False
        self._seat_legs[dest] = _Leg(call.call_id, call.seat)
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
        call.connected = call.ever_connected = True
        return [CallConnected(call_id=call.call_id, at=now, seat=call.seat)]

    # -- the end ---------------------------------------------------------------------------

    def _on_hangup(self, event: Event, now: datetime) -> list[DomainEvent]:
        call_id = _text(event, "Uniqueid")
        call = self._calls.get(call_id)
        if call is None:
            # a seat's leg (its phone is free now), a Local half, or not ours
            return self._leg_gone(_text(event, "Channel"), now)
        del self._calls[call_id]
        out = self._announce(call, now, force=True)
        try:
            cause = int(_text(event, "Cause") or 16)
        except ValueError:
            cause = 0
        connected = call.ever_connected
        out.append(CallEnded(call_id=call_id, at=now, cause=cause, connected=connected))
        return out

    def _leg_gone(self, channel: str, now: datetime) -> list[DomainEvent]:
        leg = self._seat_legs.pop(channel, None)
        if leg is None:
            return []
        return [SeatLegEnded(call_id=leg.call_id, at=now, seat=leg.seat, channel=channel)]

    # -- seats -----------------------------------------------------------------------------

    # -- phones ------------------------------------------------------------------------------

    def _on_contact(self, event: Event, now: datetime) -> list[DomainEvent]:
        return self.phones.contact(event, now)

    def _on_device(self, event: Event, now: datetime) -> list[DomainEvent]:
        return self.phones.device(event, now)


@dataclass(frozen=True)
class _Leg:
    call_id: str
    seat: str


_HANDLERS = {
    "Newchannel": CallTracker._on_newchannel,
    "NewCallerid": CallTracker._on_callerid,
    "UserEvent": CallTracker._on_user_event,
    "DialBegin": CallTracker._on_dial_begin,
    "DialEnd": CallTracker._on_dial_end,
    "BridgeEnter": CallTracker._on_bridge_enter,
    "Hangup": CallTracker._on_hangup,
    "ContactStatus": CallTracker._on_contact,
    "DeviceStateChange": CallTracker._on_device,
}
