"""The simulated PBX core: channels, bridges, hangups and device states, and their events.

Every state change is published the way Asterisk 22 publishes it (event name,
class, snapshot blocks, order) to the listeners, which are the AMI sessions.
The dialplan contexts that drive these primitives live in ``dialplan.py``,
Dial() and ringing in ``dialling.py``.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, Literal

from acd.simulator.channels import (
    CAUSE_TEXT,
    Bridge,
    CallRecord,
    Channel,
    Endpoint,
    Role,
    State,
)
from acd.simulator.wire import Headers

EventListener = Callable[[str, Headers], None]  # (class, whole event headers)
HangupHow = Literal["remote", "soft", "dialplan"]

LONE_HANGUP = 5.0  # whoever is alone in a conference this long hangs up


def _dial_status_for(cause: int) -> str:
    return {17: "BUSY", 34: "CONGESTION", 16: "NOANSWER", 19: "NOANSWER"}.get(cause, "CHANUNAVAIL")


class Pbx:
    def __init__(self, *, system_name: str, time_scale: float, rng: random.Random) -> None:
        self.system_name = system_name
        self.time_scale = time_scale
        self.rng = rng
        self.channels: dict[str, Channel] = {}
        self.seats: dict[str, Endpoint] = {}
        self.callees: dict[str, Endpoint] = {}
        self.calls: dict[str, CallRecord] = {}
        self.conferences: dict[str, Bridge] = {}
        self.listeners: list[EventListener] = []
        self._seq = 0
        self._chan_seq = 0
        self._device_states: dict[str, str] = {}
        self.unqualified = False  # restarted, phones not yet asked whether they are there
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._call_ended = asyncio.Event()

    # -- plumbing --------------------------------------------------------------------------

    def emit(self, event: str, klass: str, body: Headers) -> None:
        message: Headers = [("Event", event), ("Privilege", f"{klass},all"), *body]
        for listener in list(self.listeners):
            listener(klass, message)

    def later(self, seconds: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        """Run ``callback`` after ``seconds`` of simulated time."""

        def fire() -> None:
            self._timers.discard(handle)
            callback()

        handle = asyncio.get_running_loop().call_later(seconds * self.time_scale, fire)
        self._timers.add(handle)
        return handle

    def cancel_later(self, handle: asyncio.TimerHandle) -> None:
        handle.cancel()
        self._timers.discard(handle)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds * self.time_scale)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # A broken dialplan program must be loud, not a silently stuck call.
            task.get_loop().call_exception_handler(
                {"message": "simulated dialplan failed", "exception": task.exception()}
            )

    def run_program(self, ch: Channel, coro: Coroutine[Any, Any, None]) -> None:
        """Replace what the channel is doing in the dialplan (a Redirect does this)."""
        if ch.task is not None and not ch.task.done():
            ch.task.cancel()
        ch.task = self.spawn(coro)

    def shutdown(self) -> list[asyncio.Task[Any]]:
        """Forget every timer and program without a word on the wire (the process died).

        Returns the cancelled programs, for the caller to await.
        """
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        return tasks

    def crash(self) -> None:
        """Every channel vanishes without an event, as when Asterisk restarts."""
        self.shutdown()
        for record in self.calls.values():
            if record.ended is None:
                record.outcome, record.ended = "lost", time.time()
        self._call_ended.set()
        self.channels.clear()
        self.conferences.clear()
        self._device_states.clear()

    def new_uniqueid(self) -> str:
        uid = f"{self.system_name}-{int(time.time())}.{self._seq}"
        self._seq += 1
        return uid

    def new_bridge_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def find(self, name_or_id: str) -> Channel | None:
        ch = self.channels.get(name_or_id)
        if ch is not None:
            return ch
        key = name_or_id.lower()
        for c in self.channels.values():
            if c.name.lower() == key or c.uniqueid == name_or_id:
                return c
        return None

    # -- channels --------------------------------------------------------------------------

    def new_channel(
        self,
        tech: str,
        *,
        role: Role,
        device: str,
        linkedid: str | None = None,
        uniqueid: str | None = None,
        state: State = State.DOWN,
        caller: tuple[str, str] = ("", ""),
        connected: tuple[str, str] = ("", ""),
        context: str = "default",
        exten: str = "s",
    ) -> Channel:
        uid = uniqueid or self.new_uniqueid()
        suffix = f"{self._chan_seq:08x}"
        self._chan_seq += 1
        name = f"{tech}-{suffix};1" if tech.startswith("Local/") else f"{tech}-{suffix}"
        ch = Channel(
            name=name,
            uniqueid=uid,
            linkedid=linkedid or uid,
            role=role,
            device=device,
            state=state,
            caller_num=caller[0],
            caller_name=caller[1],
            connected_num=connected[0],
            connected_name=connected[1],
            context=context,
            exten=exten,
            created=time.time(),
        )
        self.channels[name] = ch
        self.emit("Newchannel", "call", ch.snapshot())
        self.update_device(device)
        return ch

    def set_state(self, ch: Channel, state: State) -> None:
        ch.state = state
        self.emit("Newstate", "call", ch.snapshot())
        self.update_device(ch.device)

    def set_var(self, ch: Channel, name: str, value: str) -> None:
        ch.variables[name.lstrip("_")] = value
        self.emit("VarSet", "dialplan", [*ch.snapshot(), ("Variable", name), ("Value", value)])

    def user_event(self, ch: Channel | None, name: str, body: Headers) -> None:
        snapshot = ch.snapshot() if ch is not None else []
        self.emit("UserEvent", "user", [*snapshot, ("UserEvent", name), *body])

    def start_moh(self, ch: Channel) -> None:
        ch.on_hold = True
        ch.application, ch.app_data = "MusicOnHold", "default,3600"
        self.emit("MusicOnHoldStart", "call", [*ch.snapshot(), ("Class", "default")])

    def stop_moh(self, ch: Channel) -> None:
        if ch.on_hold:
            ch.on_hold = False
            self.emit("MusicOnHoldStop", "call", ch.snapshot())

    # -- device state ----------------------------------------------------------------------

    def device_state(self, device: str) -> str:
        seat = device.removeprefix("PJSIP/")
        endpoint = self.seats.get(seat)
        if endpoint is not None and (not endpoint.registered or self.unqualified):
            return "UNAVAILABLE"  # after a restart: until the first qualify
        states = {c.state for c in self.channels.values() if c.device == device and not c.hung_up}
        if endpoint is not None:  # a seat: pjsip.conf's device_state_busy_at = 1
            return "BUSY" if states else "NOT_INUSE"
        up = State.UP in states
        ringing = State.RINGING in states
        if up and ringing:
            return "RINGINUSE"
        if up:
            return "INUSE"
        if ringing:
            return "RINGING"
        return "INUSE" if states - {State.DOWN} else "NOT_INUSE"

    def update_device(self, device: str) -> None:
        state = self.device_state(device)
        if self._device_states.get(device) != state:
            self._device_states[device] = state
            self.emit("DeviceStateChange", "call", [("Device", device), ("State", state)])

    def device_busy(self, device: str, *, besides: Channel) -> bool:
        return any(
            c.device == device and c is not besides and not c.hung_up
            for c in self.channels.values()
        )

    # -- hangup ----------------------------------------------------------------------------

    def hangup(self, ch: Channel, cause: int = 16, how: HangupHow = "dialplan") -> None:
        if ch.hung_up:
            return
        ch.hung_up = True
        if how == "remote":
            self.emit("HangupRequest", "call", [*ch.snapshot(), ("Cause", str(cause))])
        elif how == "soft":
            self.emit("SoftHangupRequest", "call", [*ch.snapshot(), ("Cause", str(cause))])
        self.stop_moh(ch)
        self.abort_dial(ch)
        if ch.ring_outcome is not None and not ch.ring_outcome.done():
            ch.ring_outcome.set_result(_dial_status_for(cause))
        bridge = self.leave_bridge(ch)
        if ch.on_hangup is not None:  # the h extension runs before the channel is gone
            run, ch.on_hangup = ch.on_hangup, None
            run()
        self.emit(
            "Hangup",
            "call",
            [
                *ch.snapshot(),
                ("Cause", str(cause)),
                ("Cause-txt", CAUSE_TEXT.get(cause, "Unknown")),
            ],
        )
        self.channels.pop(ch.name, None)
        self.update_device(ch.device)
        if ch.task is not None and ch.task is not asyncio.current_task():
            ch.task.cancel()
        self._record_hangup(ch, how)
        if bridge is not None:
            self.settle_bridge(bridge)

    def _record_hangup(self, ch: Channel, how: HangupHow) -> None:
        record = self.calls.get(ch.uniqueid)
        if record is None or record.ended is not None:
            return
        record.ended = time.time()
        self._call_ended.set()
        if record.outcome == "connected":
            record.outcome = "answered"
        elif record.outcome in ("ivr", "waiting", "ringing"):
            record.outcome = "abandoned" if how == "remote" else "hung_up"

    async def wait_calls_ended(self, call_ids: list[str]) -> None:
        while any(self.calls[c].ended is None for c in call_ids if c in self.calls):
            self._call_ended.clear()
            await self._call_ended.wait()

    def abort_dial(self, owner: Channel) -> None:
        """The dialling channel left while its far side still rang: cancel that leg."""
        callee = owner.dialling
        if callee is None:
            return
        owner.dialling = None
        if callee.hung_up:
            return
        self.emit(
            "DialEnd",
            "call",
            [*owner.snapshot(), *callee.snapshot("Dest"), ("DialStatus", "CANCEL")],
        )
        self.hangup(callee, 16)

    # -- bridges ---------------------------------------------------------------------------

    def new_bridge(self, kind: Literal["basic", "conference"] = "basic", name: str = "") -> Bridge:
        bridge = Bridge(self.new_bridge_id(), kind, name)
        self.emit("BridgeCreate", "call", bridge.snapshot())
        return bridge

    def conference(self, room: str) -> Bridge:
        bridge = self.conferences.get(room)
        if bridge is None:
            bridge = self.new_bridge("conference", room)
            self.conferences[room] = bridge
            self.emit("ConfbridgeStart", "call", [("Conference", room), *bridge.snapshot()])
        return bridge

    def join_bridge(self, ch: Channel, bridge: Bridge) -> None:
        previous = self.leave_bridge(ch)
        if previous is not None:
            self.settle_bridge(previous)
        bridge.members.append(ch)
        ch.bridge = bridge
        ch.bridge_exit = asyncio.get_running_loop().create_future()
        self.emit("BridgeEnter", "call", [*bridge.snapshot(), *ch.snapshot()])
        if bridge.kind == "conference":
            conf = [("Conference", bridge.name), *bridge.snapshot(), *ch.snapshot()]
            self.emit("ConfbridgeJoin", "call", [*conf, ("Admin", "No"), ("Muted", "No")])
            if len(bridge.members) == 1:
                self._mind_the_lonely(bridge)

    def leave_bridge(self, ch: Channel) -> Bridge | None:
        bridge = ch.bridge
        if bridge is None:
            return None
        bridge.members.remove(ch)
        ch.bridge = None
        self.emit("BridgeLeave", "call", [*bridge.snapshot(), *ch.snapshot()])
        if bridge.kind == "conference":
            conf = [("Conference", bridge.name), *bridge.snapshot(), *ch.snapshot()]
            self.emit("ConfbridgeLeave", "call", [*conf, ("Admin", "No")])
        if ch.bridge_exit is not None and not ch.bridge_exit.done():
            ch.bridge_exit.set_result(None)
        return bridge

    def settle_bridge(self, bridge: Bridge) -> None:
        """A two-party bridge ends when one side leaves; a conference when the last one does."""
        if bridge.kind == "basic" and len(bridge.members) == 1:
            remaining = bridge.members[0]
            self.leave_bridge(remaining)
            self.emit("BridgeDestroy", "call", bridge.snapshot())
            if remaining.role is Role.DIALLED and not remaining.redirecting:
                self.hangup(remaining, 16, "soft")
        elif bridge.kind == "conference" and len(bridge.members) == 1:
            self._mind_the_lonely(bridge)
        elif not bridge.members:
            if bridge.kind == "conference":
                self.conferences.pop(bridge.name, None)
                self.emit(
                    "ConfbridgeEnd", "call", [("Conference", bridge.name), *bridge.snapshot()]
                )
            self.emit("BridgeDestroy", "call", bridge.snapshot())

    def _mind_the_lonely(self, bridge: Bridge) -> None:
        """Nobody stays in a conference alone for long: they hang up."""
        alone = bridge.members[0]

        def check() -> None:
            if alone.bridge is bridge and bridge.members == [alone]:
                self.hangup(alone, 16, "remote")

        self.later(LONE_HANGUP, check)

    def pull_out(self, ch: Channel) -> None:
        """Take a channel out of whatever it does now (hold, a Dial, a bridge) for a Redirect."""
        ch.redirecting = True
        if ch.role is Role.DIALLED:  # from now on it runs its own dialplan
            ch.role = Role.ORIGINATED
            if ch.ring_outcome is not None and not ch.ring_outcome.done():
                ch.ring_outcome.set_result("CANCEL")
        self.stop_moh(ch)
        self.abort_dial(ch)
        bridge = self.leave_bridge(ch)
        if bridge is not None:
            self.settle_bridge(bridge)
        if ch.task is not None and not ch.task.done():
            ch.task.cancel()
            ch.task = None
