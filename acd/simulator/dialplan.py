"""The dialplan contract of asterisk-conf/README.md, played by the simulated PBX.

One coroutine per context (from-pstn, acd-ivr, acd-hold, acd-seat, acd-after-dial,
acd-overflow, acd-closed, acd-callback, acd-conference). A Redirect cancels the
coroutine a channel runs and starts the one for the new context, as Asterisk does.
"""

from __future__ import annotations

import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from acd.simulator.channels import CallRecord, Channel, Endpoint, Role, State
from acd.simulator.pbx import Pbx

DNIS = "12355"
SKILLS = {"1": "psychological", "2": "legal"}
IVR_KEY_DELAY = 1.0  # the caller hears the menu and presses a key
IVR_TIMEOUT = 5.0  # WaitExten(5) with no key
OFFER_PLAYBACK = 3.0  # the callback offer / out-of-hours message
DEFAULT_RING_TIMEOUT = 15.0
CALLBACK_DIAL_TIMEOUT = 30.0
MOH_LIMIT = 3600.0
DEFAULT_CALLEE = Endpoint(answer_delay=(2.0, 2.0), talk_time=(10.0, 10.0))

_FAILURE_CAUSE = {"BUSY": 17, "NOANSWER": 19, "CONGESTION": 34}


@dataclass(frozen=True)
class DialTarget:
    """Where a Dial() or Originate goes: which device rings and how it behaves."""

    tech: str  # prefix of the new channel's name
    device: str
    number: str
    dial_string: str
    endpoint: Endpoint | None  # None: cannot be reached (CHANUNAVAIL)
    seat: bool


class Dialplan:
    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx
        self.talk_times: dict[str, float] = {}

    # -- targets ---------------------------------------------------------------------------

    def target(self, channel: str) -> DialTarget | None:
        tech, _, resource = channel.partition("/")
        number, _, host = resource.partition("@")
        if tech.upper() == "PJSIP" and host == "trunk":
            ep = self.pbx.callees.get(number, DEFAULT_CALLEE)
            return DialTarget("PJSIP/trunk", "PJSIP/trunk", number, resource, ep, seat=False)
        if tech.upper() == "PJSIP" and number and not host:
            seat = self.pbx.seats.get(number)
            reachable = seat if seat is not None and seat.registered else None
            device = f"PJSIP/{number}"
            return DialTarget(device, device, number, number, reachable, seat=True)
        if tech == "Local" and number and host:
            ep = self.pbx.callees.get(number, DEFAULT_CALLEE)
            return DialTarget(f"Local/{resource}", f"Local/{resource}", number, resource, ep, False)
        return None

    def program(self, ch: Channel, context: str, exten: str) -> Coroutine[Any, Any, None] | None:
        """The coroutine for ``context``/``exten``; None if the dialplan has no such place."""
        if context == "acd-seat" and exten:
            return self.seat(ch, exten)
        if context == "acd-hold":
            return self.hold(ch)
        if context == "acd-ivr":
            return self.ivr(ch, None)
        if context in ("acd-overflow", "acd-closed"):
            return self.callback_offer(ch, context.removeprefix("acd-"))
        if context == "acd-conference" and exten:
            return self.conference(ch, exten)
        if context == "acd-callback" and exten:
            return self.callback(ch, exten)
        return None

    def record(self, ch: Channel) -> CallRecord | None:
        return self.pbx.calls.get(ch.linkedid)

    # -- inbound ---------------------------------------------------------------------------

    def place_call(
        self,
        number: str,
        name: str,
        ivr_choice: str | None,
        patience: float | None,
        talk_time: float,
    ) -> str:
        ch = self.pbx.new_channel(
            "PJSIP/trunk",
            role=Role.INBOUND,
            device="PJSIP/trunk",
            state=State.RING,
            caller=(number, name),
            context="from-pstn",
            exten=DNIS,
        )
        self.pbx.calls[ch.uniqueid] = CallRecord(
            ch.uniqueid, number, name, "inbound", time.time(), outcome="ivr"
        )
        self.talk_times[ch.uniqueid] = talk_time
        if patience is not None:
            self.pbx.later(patience, lambda: self.caller_gives_up(ch))
        self.pbx.run_program(ch, self.from_pstn(ch, ivr_choice))
        return ch.uniqueid

    def caller_gives_up(self, ch: Channel) -> None:
        record = self.record(ch)
        if (
            not ch.hung_up
            and record is not None
            and record.outcome in ("ivr", "waiting", "ringing")
        ):
            self.pbx.hangup(ch, 16, "remote")

    async def from_pstn(self, ch: Channel, ivr_choice: str | None) -> None:
        ch.application = "Answer"
        self.pbx.set_state(ch, State.UP)
        ch.priority = 2
        self.pbx.set_var(ch, "__ACD_DNIS", DNIS)
        await self.ivr(ch, ivr_choice)

    async def ivr(self, ch: Channel, ivr_choice: str | None) -> None:
        ch.goto("acd-ivr", "s")
        ch.application, ch.app_data = "Read", "ACD_KEY,acd-menu,1,,1,5"
        await self.pbx.sleep(IVR_KEY_DELAY if ivr_choice is not None else IVR_TIMEOUT)
        skill = SKILLS.get(ivr_choice or "", "general")
        ch.priority = 2
        self.pbx.set_var(ch, "__ACD_SKILL", skill)
        record = self.record(ch)
        if record is not None:
            record.skill = skill
        await self.hold(ch)

    async def hold(self, ch: Channel) -> None:
        ch.goto("acd-hold", "s")
        ch.application, ch.app_data = "UserEvent", "CallWaiting"
        record = self.record(ch)
        if record is not None:
            record.outcome = "waiting"
        v = ch.variables
        self.pbx.user_event(
            ch,
            "CallWaiting",
            [
                ("ACDCallerNum", ch.caller_num),
                ("ACDCallerName", ch.caller_name),
                ("DNIS", v.get("ACD_DNIS", "")),
                ("ACDSkill", v.get("ACD_SKILL", "general")),
                ("WaitChannel", ch.name),
                ("WaitUniqueid", ch.uniqueid),
                ("Requeued", "1" if v.get("ACD_REQUEUED") else "0"),
            ],
        )
        ch.priority = 2
        self.pbx.start_moh(ch)
        await self.pbx.sleep(MOH_LIMIT)
        self.pbx.hangup(ch, 16)

    async def seat(self, ch: Channel, seat: str) -> None:
        ch.goto("acd-seat", seat)
        self.pbx.set_var(ch, "ACD_SEAT", seat)
        ch.priority = 2
        record = self.record(ch)
        if record is not None:
            record.outcome = "ringing"
            record.seats_tried.append(seat)
        timeout = float(ch.variables.get("ACD_RING_TIMEOUT") or DEFAULT_RING_TIMEOUT)
        status = await self.dial(ch, self.target(f"PJSIP/{seat}"), timeout)
        self.pbx.set_var(ch, "DIALSTATUS", status)
        ch.goto("acd-after-dial", "s")
        if status == "ANSWER":
            ch.application = "Hangup"
            self.pbx.hangup(ch, 16)
            return
        if record is not None:
            record.outcome = "waiting"
        ch.application = "UserEvent"
        self.pbx.user_event(
            ch,
            "SeatFailed",
            [
                ("Seat", seat),
                ("DialStatus", status),
                ("WaitChannel", ch.name),
                ("WaitUniqueid", ch.uniqueid),
            ],
        )
        ch.priority = 3
        self.pbx.set_var(ch, "ACD_REQUEUED", "1")
        await self.hold(ch)

    async def callback_offer(self, ch: Channel, reason: str) -> None:
        ch.goto(f"acd-{reason}", "s")
        ch.application, ch.app_data = "Playback", f"acd-{reason}"
        record = self.record(ch)
        if record is not None:
            record.outcome = reason
        await self.pbx.sleep(OFFER_PLAYBACK)
        ch.priority = 2
        ch.application = "UserEvent"
        body = [("WaitChannel", ch.name), ("Reason", reason)]
        self.pbx.user_event(ch, "CallbackOffered", body)
        self.pbx.hangup(ch, 16)

    # -- dialling --------------------------------------------------------------------------

    async def dial(
        self,
        owner: Channel,
        target: DialTarget | None,
        ring_timeout: float,
        caller_id: tuple[str, str] | None = None,
    ) -> str:
        """Dial(target,timeout) from ``owner``; returns DIALSTATUS once the Dial is over."""
        pbx = self.pbx
        owner.application = "Dial"
        owner.app_data = f"{target.tech if target else ''},{int(ring_timeout)}"
        if target is None or target.endpoint is None:
            return "CHANUNAVAIL"
        shown = caller_id or (owner.caller_num, owner.caller_name)
        callee = pbx.new_channel(
            target.tech,
            role=Role.DIALLED,
            device=target.device,
            linkedid=owner.linkedid,
            caller=(target.number, ""),
            connected=shown,
        )
        dial_fields = [*owner.snapshot(), *callee.snapshot("Dest")]
        pbx.emit("DialBegin", "call", [*dial_fields, ("DialString", target.dial_string)])
        owner.dialling = callee

        def ringing() -> None:
            body = [*owner.snapshot(), *callee.snapshot("Dest"), ("DialStatus", "RINGING")]
            pbx.emit("DialState", "call", body)

        # A hangup or Redirect of the owner meanwhile cancels this task after abort_dial().
        status = await pbx.ring(
            callee, target.endpoint, ring_timeout, ringing, exclusive=target.seat
        )
        owner.dialling = None
        if status != "ANSWER":
            body = [*owner.snapshot(), *callee.snapshot("Dest"), ("DialStatus", status)]
            pbx.emit("DialEnd", "call", body)
            pbx.hangup(callee, _FAILURE_CAUSE.get(status, 16))
            return status
        pbx.set_state(callee, State.UP)
        body = [*owner.snapshot(), *callee.snapshot("Dest"), ("DialStatus", "ANSWER")]
        pbx.emit("DialEnd", "call", body)
        bridge = pbx.new_bridge()
        pbx.join_bridge(callee, bridge)
        pbx.join_bridge(owner, bridge)
        self.connected(owner, callee, target)
        if owner.bridge_exit is not None:
            await owner.bridge_exit
        return "ANSWER"

    def connected(self, owner: Channel, callee: Channel, target: DialTarget) -> None:
        """Both sides talk: note it and start the clock on who hangs up."""
        record = self.record(owner)
        now = time.time()
        if record is not None and record.answered is None:
            record.answered = now
            if record.direction == "inbound":
                record.outcome, record.connected_seat = "connected", target.number
        if owner.role is Role.INBOUND:
            talk = self.talk_times.get(owner.uniqueid, 20.0)
            self.pbx.later(talk, lambda: self.talk_ends(owner, callee))
        elif target.endpoint is not None:
            talk = self.pbx.rng.uniform(*target.endpoint.talk_time)
            self.pbx.later(talk, lambda: self.pbx.hangup(callee, 16, "remote"))

    def talk_ends(self, caller: Channel, seat_leg: Channel) -> None:
        if caller.hung_up or seat_leg.hung_up or caller.bridge is not seat_leg.bridge:
            return
        self.pbx.hangup(self.pbx.rng.choice([caller, seat_leg]), 16, "remote")

    # -- outbound and conferences ----------------------------------------------------------

    async def callback(self, ch: Channel, number: str) -> None:
        ch.goto("acd-callback", number)
        record = self.record(ch)
        target = self.target(f"PJSIP/{number}@trunk")
        status = await self.dial(ch, target, CALLBACK_DIAL_TIMEOUT, caller_id=(DNIS, ""))
        ch.priority = 2
        self.pbx.set_var(ch, "DIALSTATUS", status)
        if record is not None:
            record.outcome = "answered" if status == "ANSWER" else status.lower()
        ch.priority = 3
        ch.application = "UserEvent"
        body = [("ACDCallbackId", ch.variables.get("ACD_CALLBACK_ID", "")), ("DialStatus", status)]
        self.pbx.user_event(ch, "CallbackResult", body)
        self.pbx.hangup(ch, 16)

    async def conference(self, ch: Channel, room: str) -> None:
        ch.goto("acd-conference", room)
        ch.application, ch.app_data = "ConfBridge", room
        if ch.state is not State.UP:
            self.pbx.set_state(ch, State.UP)
        self.pbx.join_bridge(ch, self.pbx.conference(room))
        if ch.bridge_exit is not None:
            await ch.bridge_exit
        self.pbx.hangup(ch, 16)

    def spy(self, spyer: Channel, prefix: str) -> None:
        """ChanSpy(PJSIP/8001,q): listen to the seat's live channel, if it has one."""
        for spyee in list(self.pbx.channels.values()):
            if spyee is not spyer and spyee.name.startswith(f"{prefix}-"):
                body = [*spyer.snapshot("Spyer"), *spyee.snapshot("Spyee")]
                self.pbx.emit("ChanSpyStart", "call", body)
                return

    async def application(self, ch: Channel, app: str, data: str) -> None:
        """An originated leg that runs one application instead of a dialplan extension."""
        ch.application, ch.app_data = app, data
        if app.lower() == "confbridge":
            await self.conference(ch, data.split(",")[0])
            return
        if app.lower() == "chanspy":
            self.spy(ch, data.split(",")[0])
        seconds = float(data) if app.lower() == "wait" and data.isdigit() else MOH_LIMIT
        await self.pbx.sleep(seconds)
        self.pbx.hangup(ch, 16)
