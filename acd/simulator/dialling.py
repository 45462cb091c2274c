"""Dial(): where a dial string leads, ringing the far side, bridging on answer, ending the talk.

Used by the dialplan (acd-seat, acd-callback) and shared with Originate for
resolving a ``Channel:`` string to a device and how it behaves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from acd.simulator.channels import CallRecord, Channel, Endpoint, Role, State
from acd.simulator.pbx import Pbx

DEFAULT_CALLEE = Endpoint(answer_delay=(2.0, 2.0), talk_time=(10.0, 10.0))
DEFAULT_TALK = 20.0
FAILURE_CAUSE = {"BUSY": 17, "NOANSWER": 19, "CONGESTION": 34}
BUSY_REPLY_DELAY = 0.1  # a far end answers 486 Busy Here within about this long


@dataclass(frozen=True)
class DialTarget:
    """Where a Dial() or Originate goes: which device rings and how it behaves."""

    tech: str  # prefix of the new channel's name
    device: str
    number: str
    dial_string: str
    endpoint: Endpoint | None  # None: cannot be reached (CHANUNAVAIL)
    seat: bool


def target_for(pbx: Pbx, channel: str) -> DialTarget | None:
    """``PJSIP/8001`` (a seat), ``PJSIP/<number>@trunk`` or ``Local/<number>@<context>``."""
    tech, _, resource = channel.partition("/")
    number, _, host = resource.partition("@")
    if tech.upper() == "PJSIP" and host == "trunk":
        ep = pbx.callees.get(number, DEFAULT_CALLEE)
        return DialTarget("PJSIP/trunk", "PJSIP/trunk", number, resource, ep, seat=False)
    if tech.upper() == "PJSIP" and number and not host:
        seat = pbx.seats.get(number)
        reachable = seat if seat is not None and seat.registered else None
        device = f"PJSIP/{number}"
        return DialTarget(device, device, number, number, reachable, seat=True)
    if tech == "Local" and number and host:
        ep = pbx.callees.get(number, DEFAULT_CALLEE)
        return DialTarget(f"Local/{resource}", f"Local/{resource}", number, resource, ep, False)
    return None


async def ring(
    pbx: Pbx,
    ch: Channel,
    endpoint: Endpoint,
    ring_timeout: float,
    on_ringing: Callable[[], None] = lambda: None,
    *,
    exclusive: bool = False,
) -> str:
    """Ring one leg until it answers, refuses or the timeout passes; the Dial status.

    ``exclusive``: the device takes one call at a time (a seat), so a second is BUSY.
    """
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    ch.ring_outcome = outcome  # a hangup or Redirect of the leg settles it early

    def settle(status: str) -> None:
        if not outcome.done():
            outcome.set_result(status)

    in_use = exclusive and pbx.device_busy(ch.device, besides=ch)
    if endpoint.behaviour == "busy" or in_use:
        handle = pbx.later(BUSY_REPLY_DELAY, lambda: settle("BUSY"))
    else:
        pbx.set_state(ch, State.RINGING)
        on_ringing()
        delay = pbx.rng.uniform(*endpoint.answer_delay)
        if endpoint.behaviour == "answer" and delay < ring_timeout:
            handle = pbx.later(delay, lambda: settle("ANSWER"))
        else:
            handle = pbx.later(ring_timeout, lambda: settle("NOANSWER"))
    try:
        return await outcome
    finally:
        pbx.cancel_later(handle)
        ch.ring_outcome = None


class Dialler:
    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx
        self.talk_times: dict[str, float] = {}  # inbound call id → how long its caller talks

    async def dial(
        self,
        owner: Channel,
        target: DialTarget | None,
        ring_timeout: float,
        caller_id: tuple[str, str] | None = None,
    ) -> str:
        """Dial(target,timeout) from ``owner``; returns DIALSTATUS once the Dial is over."""
        pbx = self.pbx
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
        status = await ring(
            pbx, callee, target.endpoint, ring_timeout, ringing, exclusive=target.seat
        )
        owner.dialling = None
        if callee.role is not Role.DIALLED:  # Redirected away while it rang
            status = "CANCEL"
        if status != "ANSWER":
            body = [*owner.snapshot(), *callee.snapshot("Dest"), ("DialStatus", status)]
            pbx.emit("DialEnd", "call", body)
            if callee.role is Role.DIALLED:
                pbx.hangup(callee, FAILURE_CAUSE.get(status, 16))
            return status
        pbx.set_state(callee, State.UP)
        body = [*owner.snapshot(), *callee.snapshot("Dest"), ("DialStatus", "ANSWER")]
        pbx.emit("DialEnd", "call", body)
        self._connect_lines(owner, callee)
        bridge = pbx.new_bridge()
        pbx.join_bridge(callee, bridge)
        pbx.join_bridge(owner, bridge)
        self._talk(owner, callee, target)
        if owner.bridge_exit is not None:
            await owner.bridge_exit
        return "ANSWER"

    def _connect_lines(self, owner: Channel, callee: Channel) -> None:
        """The caller now sees who answered (a connected line update)."""
        owner.connected_num, owner.connected_name = callee.caller_num, callee.caller_name
        self.pbx.emit("NewConnectedLine", "call", owner.snapshot())

    def _talk(self, owner: Channel, callee: Channel, target: DialTarget) -> None:
        """Both sides talk: note it and start the clock on who hangs up."""
        record: CallRecord | None = self.pbx.calls.get(owner.linkedid)
        if record is not None and record.answered is None:
            record.answered = time.time()
            if record.direction == "inbound":
                record.outcome, record.connected_seat = "connected", target.number
        if owner.role is Role.INBOUND:
            talk = self.talk_times.get(owner.uniqueid, DEFAULT_TALK)
            self.pbx.later(talk, lambda: self._talk_ends(owner, callee))
        elif target.endpoint is not None:
            talk = self.pbx.rng.uniform(*target.endpoint.talk_time)
            self.pbx.later(talk, lambda: self.pbx.hangup(callee, 16, "remote"))

    def _talk_ends(self, caller: Channel, seat_leg: Channel) -> None:
        """The caller or the agent (the seeded dice decide) hangs up."""
        if caller.hung_up or seat_leg.hung_up or caller.bridge is not seat_leg.bridge:
            return
        self.pbx.hangup(self.pbx.rng.choice([caller, seat_leg]), 16, "remote")
