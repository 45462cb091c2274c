"""The dialplan of asterisk-conf/extensions.conf, played by the simulated PBX.

One coroutine per context (from-pstn, acd-ivr, acd-hold, acd-seat, acd-after-dial,
acd-overflow, acd-closed, acd-callback, acd-conference), stepping through the same
priorities and applications with a ``Newexten`` for each. A Redirect cancels the
coroutine a channel runs and starts the one for the new context, as Asterisk does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any

from acd.simulator.channels import CallRecord, Channel, Role, State
from acd.simulator.dialling import Dialler, DialTarget, target_for
from acd.simulator.pbx import Pbx

DNIS = "12355"
SKILLS = {"1": "psychological", "2": "legal", "0": "general"}
IVR_KEY_DELAY = 1.0  # the caller hears the menu and presses a key
IVR_TIMEOUT = 5.0  # WaitExten(5) with no key
OFFER_PLAYBACK = 3.0  # the callback offer / out-of-hours message
DEFAULT_RING_TIMEOUT = 15.0
CALLBACK_DIAL_TIMEOUT = 30.0
MOH_LIMIT = 3600.0
SPY_SCAN = 0.05  # how often a listening ChanSpy looks at its channel
LIVE_OUTCOMES = ("ivr", "waiting", "ringing")


class Dialplan:
    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx
        self.dialler = Dialler(pbx)

    def target(self, channel: str) -> DialTarget | None:
        return target_for(self.pbx, channel)

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

    def step(
        self, ch: Channel, priority: int, app: str, data: str = "", *, at: str | None = None
    ) -> None:
        """Run one dialplan priority: ``at`` is "context,exten" when the channel moves there."""
        if at is not None:
            context, exten = at.split(",")
            ch.goto(context, exten, priority)
        ch.priority, ch.application, ch.app_data = priority, app, data
        body = [*ch.snapshot(), ("Extension", ch.exten), ("Application", app)]
        if data:
            body.append(("AppData", data))
        self.pbx.emit("Newexten", "dialplan", body)

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
        record = CallRecord(ch.uniqueid, number, name, "inbound", time.time(), outcome="ivr")
        self.pbx.calls[ch.uniqueid] = record
        self.dialler.talk_times[ch.uniqueid] = talk_time
        if patience is not None:
            self.pbx.later(patience, lambda: self.caller_gives_up(ch))
        self.pbx.run_program(ch, self.from_pstn(ch, ivr_choice))
        return ch.uniqueid

    def caller_gives_up(self, ch: Channel) -> None:
        record = self.record(ch)
        if not ch.hung_up and record is not None and record.outcome in LIVE_OUTCOMES:
            self.pbx.hangup(ch, 16, "remote")

    async def from_pstn(self, ch: Channel, ivr_choice: str | None) -> None:
        self.step(ch, 1, "NoOp", f"12355 inbound from {ch.caller_num}")
        self.step(ch, 2, "Answer")
        self.pbx.set_state(ch, State.UP)
        self.step(ch, 3, "Set", f"__ACD_DNIS={ch.exten}")
        self.pbx.set_var(ch, "__ACD_DNIS", ch.exten)
        self.step(ch, 4, "Goto", "acd-ivr,s,1")
        await self.ivr(ch, ivr_choice)

    async def ivr(self, ch: Channel, ivr_choice: str | None) -> None:
        self.step(ch, 1, "Set", "__ACD_SKILL=general", at="acd-ivr,s")
        self.pbx.set_var(ch, "__ACD_SKILL", "general")
        self.step(ch, 2, "Background", "custom/12355-welcome")
        self.step(ch, 3, "WaitExten", "5")
        await self.pbx.sleep(IVR_KEY_DELAY if ivr_choice is not None else IVR_TIMEOUT)
        if ivr_choice is None:
            self.step(ch, 1, "Goto", "acd-hold,s,1", at="acd-ivr,t")
        else:
            skill = SKILLS.get(ivr_choice)
            key = ivr_choice if skill else "i"
            if skill is not None:
                self.step(ch, 1, "Set", f"__ACD_SKILL={skill}", at=f"acd-ivr,{key}")
                self.pbx.set_var(ch, "__ACD_SKILL", skill)
            self.step(ch, 2 if skill else 1, "Goto", "acd-hold,s,1", at=f"acd-ivr,{key}")
        record = self.record(ch)
        if record is not None:
            record.skill = ch.variables.get("ACD_SKILL", "general")
        await self.hold(ch)

    async def hold(self, ch: Channel) -> None:
        v = ch.variables
        self.step(ch, 1, "GotoIf", '$["${ACD_QUEUED_AT}" != ""]?announce', at="acd-hold,s")
        if "ACD_QUEUED_AT" not in v:  # first time in the queue: kept across re-queues
            self.step(ch, 2, "Set", "ACD_QUEUED_AT=${STRFTIME(,,%s.%3q)}")
            self.pbx.set_var(ch, "ACD_QUEUED_AT", f"{time.time():.3f}")
        requeued = "1" if v.get("ACD_REQUEUED") else "0"
        headers = [
            ("ACDCallerNum", ch.caller_num),
            ("ACDCallerName", ch.caller_name),
            ("DNIS", v.get("ACD_DNIS", "")),
            ("ACDSkill", v.get("ACD_SKILL", "general")),
            ("WaitChannel", ch.name),
            ("WaitUniqueid", ch.uniqueid),
            ("Requeued", requeued),
        ]
        data = ",".join(["CallWaiting", *(f"{k}: {val}" for k, val in headers)])
        self.step(ch, 3, "UserEvent", data)
        record = self.record(ch)
        if record is not None:
            record.outcome = "waiting"
        self.pbx.user_event(ch, "CallWaiting", headers)
        self.step(ch, 4, "MusicOnHold", "default,3600")
        self.pbx.start_moh(ch)
        # MusicOnHold(default,3600) would end after an hour; a caller without patience
        # waits for good, even at a compressed time scale.
        await asyncio.get_running_loop().create_future()

    async def seat(self, ch: Channel, seat: str) -> None:
        self.step(ch, 1, "Set", f"ACD_SEAT={seat}", at=f"acd-seat,{seat}")
        self.pbx.set_var(ch, "ACD_SEAT", seat)
        record = self.record(ch)
        if record is not None:
            record.outcome = "ringing"
            record.seats_tried.append(seat)
        ring_timeout = float(ch.variables.get("ACD_RING_TIMEOUT") or DEFAULT_RING_TIMEOUT)
        self.step(ch, 2, "Dial", f"PJSIP/{seat},{ring_timeout:g}")
        status = await self.dialler.dial(ch, self.target(f"PJSIP/{seat}"), ring_timeout)
        self.pbx.set_var(ch, "DIALSTATUS", status)
        self.step(ch, 3, "Goto", "acd-after-dial,s,1")
        self.step(ch, 1, "GotoIf", f'$["{status}" = "ANSWER"]?done', at="acd-after-dial,s")
        if status == "ANSWER":
            self.step(ch, 5, "Hangup")
            self.pbx.hangup(ch, 16)
            return
        if record is not None:
            record.outcome = "waiting"
        failed = [
            ("Seat", seat),
            ("DialStatus", status),
            ("WaitChannel", ch.name),
            ("WaitUniqueid", ch.uniqueid),
        ]
        self.step(ch, 2, "UserEvent", ",".join(["SeatFailed", *(f"{k}: {v}" for k, v in failed)]))
        self.pbx.user_event(ch, "SeatFailed", failed)
        self.step(ch, 3, "Set", "__ACD_REQUEUED=1")
        self.pbx.set_var(ch, "__ACD_REQUEUED", "1")
        self.step(ch, 4, "Goto", "acd-hold,s,1")
        await self.hold(ch)

    async def callback_offer(self, ch: Channel, reason: str) -> None:
        prompt = "custom/12355-callback-offer" if reason == "overflow" else "custom/12355-closed"
        self.step(ch, 1, "Playback", prompt, at=f"acd-{reason},s")
        record = self.record(ch)
        if record is not None:
            record.outcome = reason
        await self.pbx.sleep(OFFER_PLAYBACK)
        body = [("WaitChannel", ch.name), ("Reason", reason)]
        self.step(ch, 2, "UserEvent", f"CallbackOffered,WaitChannel: {ch.name},Reason: {reason}")
        self.pbx.user_event(ch, "CallbackOffered", body)
        self.step(ch, 3, "Hangup")
        self.pbx.hangup(ch, 16)

    # -- outbound and conferences ----------------------------------------------------------

    async def callback(self, ch: Channel, number: str) -> None:
        self.step(ch, 1, "Set", f"CALLERID(num)={DNIS}", at=f"acd-callback,{number}")
        ch.caller_num = DNIS
        self.pbx.emit(
            "NewCallerid",
            "call",
            [*ch.snapshot(), ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")],
        )
        record = self.record(ch)
        self.step(ch, 2, "Dial", f"PJSIP/{number}@trunk,30,g")
        target = self.target(f"PJSIP/{number}@trunk")

        def agent_hung_up() -> None:  # exten h: the agent hung up first
            self.step(ch, 1, "GotoIf", '$["${ACD_RESULT_SENT}" = "1"]?done', at="acd-callback,h")
            # the connected line names the caller only once they answered
            self.callback_result(ch, "ANSWER" if ch.connected_num == number else "CANCEL")

        ch.on_hangup = agent_hung_up
        status = await self.dialler.dial(ch, target, CALLBACK_DIAL_TIMEOUT, (DNIS, ""))
        ch.on_hangup = None
        self.pbx.set_var(ch, "DIALSTATUS", status)
        if record is not None:
            record.outcome = "answered" if status == "ANSWER" else status.lower()
        self.step(ch, 3, "UserEvent", f"CallbackResult,DialStatus: {status}")
        self.callback_result(ch, status)
        self.step(ch, 4, "Set", "ACD_RESULT_SENT=1")
        self.step(ch, 5, "Hangup")
        self.pbx.hangup(ch, 16)

    def callback_result(self, ch: Channel, status: str) -> None:
        callback_id = ch.variables.get("ACD_CALLBACK_ID", "")
        body = [("ACDCallbackId", callback_id), ("DialStatus", status)]
        self.pbx.user_event(ch, "CallbackResult", body)

    async def conference(self, ch: Channel, room: str) -> None:
        self.step(ch, 1, "ConfBridge", room, at=f"acd-conference,{room}")
        await self._confbridge(ch, room)

    async def _confbridge(self, ch: Channel, room: str) -> None:
        if ch.state is not State.UP:
            self.pbx.set_state(ch, State.UP)
        self.pbx.join_bridge(ch, self.pbx.conference(room))
        if ch.bridge_exit is not None:
            await ch.bridge_exit
        self.pbx.hangup(ch, 16)

    async def chanspy(self, spyer: Channel, data: str) -> None:
        """ChanSpy(<prefix>,<options>): spy on channels whose name starts with the prefix.

        As Asterisk: without ``E`` it goes back to scanning when the call it spied on
        ends, and spies on the next one; ``E`` ends it then, ``S`` ends it when there is
        no channel to spy on.
        """
        prefix, _, options = data.partition(",")
        while not spyer.hung_up:
            spyee = next(
                (c for c in list(self.pbx.channels.values())
                 if c is not spyer and not c.hung_up and c.name.startswith(prefix)),
                None,
            )  # fmt: skip
            if spyee is None:
                if "S" in options:
                    break
                await self.pbx.sleep(SPY_SCAN)
                continue
            body = [*spyer.snapshot("Spyer"), *spyee.snapshot("Spyee")]
            self.pbx.emit("ChanSpyStart", "call", body)
            while not spyee.hung_up and not spyer.hung_up:
                await self.pbx.sleep(SPY_SCAN)
            self.pbx.emit("ChanSpyStop", "call", body)
            if "E" in options:
                break
        self.pbx.hangup(spyer, 16)

    async def application(self, ch: Channel, app: str, data: str) -> None:
        """An originated leg that runs one application instead of a dialplan extension."""
        ch.application, ch.app_data = app, data
        if app.lower() == "confbridge":
            await self._confbridge(ch, data.split(",")[0])
            return
        if app.lower() == "chanspy":
            await self.chanspy(ch, data)
            return
        seconds = float(data) if app.lower() == "wait" and data.isdigit() else MOH_LIMIT
        await self.pbx.sleep(seconds)
        self.pbx.hangup(ch, 16)
