"""The warm police conference: the agent stays on the line with the caller and the police.

Two AMI actions (see asterisk-conf/README.md, context ``acd-conference``): one
dual Redirect moves the caller's channel and the agent's seat leg into a
ConfBridge room, then an Originate dials the police liaison line into the same
room. The channels of each live call are learnt from the call events, so the
crisis package only names the call and the room.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from acd.ami.messages import AmiError, AmiReply
from acd.events import CallConnected, CallEnded, CallWaiting, SeatRinging
from acd.own_calls import CONFERENCE_PREFIX
from callcenter.kernel.bus import DomainEvent

log = logging.getLogger(__name__)

CONFERENCE_CONTEXT = "acd-conference"


class ConferenceLink(Protocol):
    """The two AmiLink calls a conference needs."""

    async def send(self, action: Mapping[str, Any], *, as_list: bool | None = None) -> AmiReply: ...

    async def originate(
        self,
        *,
        channel: str,
        channel_id: str,
        context: str | None = None,
        exten: str | None = None,
        caller_id: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> AmiReply: ...


@dataclass
class _CallLegs:
    caller: str | None = None
    ringing: dict[str, str] = field(default_factory=dict)  # seat → its leg's channel
    seat_leg: str | None = None


@dataclass(frozen=True)
class ConferenceOutcome:
    placed: bool
    room: str
    detail: str


class WarmConference:
    def __init__(self, ami: ConferenceLink, *, liaison_number: str, caller_id: str) -> None:
        self._ami = ami
        self._liaison = liaison_number
        self._caller_id = caller_id
        self._calls: dict[str, _CallLegs] = {}

    def track(self, event: DomainEvent) -> None:
        """Learn each live call's caller channel and connected seat leg from call events."""
        if event.call_id is None:
            return
        match event:
            case CallWaiting(wait_channel=channel):
                self._calls.setdefault(event.call_id, _CallLegs()).caller = channel
            case SeatRinging(seat=seat, channel=channel) if channel:
                self._calls.setdefault(event.call_id, _CallLegs()).ringing[seat] = channel
            case CallConnected(seat=seat):
                legs = self._calls.setdefault(event.call_id, _CallLegs())
                legs.seat_leg = legs.ringing.get(seat, legs.seat_leg)
            case CallEnded():
                self._calls.pop(event.call_id, None)

    def legs(self, call_id: str) -> tuple[str | None, str | None]:
        legs = self._calls.get(call_id)
        return (legs.caller, legs.seat_leg) if legs else (None, None)

    async def place(self, call_id: str, room: str) -> ConferenceOutcome:
        caller, seat_leg = self.legs(call_id)
        if caller is None or seat_leg is None:
            return ConferenceOutcome(False, room, "the call is not connected to a seat")
        redirect = {
            "Action": "Redirect",
            "Channel": caller,
            "ExtraChannel": seat_leg,
            "Context": CONFERENCE_CONTEXT,
            "Exten": room,
            "Priority": "1",
            "ExtraContext": CONFERENCE_CONTEXT,
            "ExtraExten": room,
            "ExtraPriority": "1",
        }
        try:
            await self._ami.send(redirect)
            # Into the dialplan's room, like the other two: its quiet profiles apply.
            await self._ami.originate(
                channel=f"PJSIP/{self._liaison}@trunk",
                channel_id=f"{CONFERENCE_PREFIX}{room}",
                context=CONFERENCE_CONTEXT,
                exten=room,
                caller_id=self._caller_id,
                variables={"ACD_CONFERENCE": room, "ACD_CALL_ID": call_id},
            )
        except AmiError as exc:
            log.warning("warm conference %s failed: %s", room, exc)
            return ConferenceOutcome(False, room, f"AMI: {exc}")
        return ConferenceOutcome(True, room, f"caller, seat and police line joined room {room}")
