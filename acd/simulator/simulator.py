"""``PbxSimulator``: the public face of the simulated Asterisk that tests, demo and benches drive.

It wires the PBX core, the dialplan, the AMI actions and the TCP listener, and
offers traffic (calls, seat and callee behaviour), observation (actions seen,
channels, bridges, call records) and faults (drops, stalls, slow replies,
garbage, torn frames, restarts).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterable

from acd.simulator.actions import Actions
from acd.simulator.channels import Behaviour, CallRecordView, ChannelView, Endpoint
from acd.simulator.dialplan import Dialplan
from acd.simulator.pbx import Pbx
from acd.simulator.server import AmiServer

BOOT_SECONDS = 0.5  # from a restart to FullyBooted (logins are taken before)
QUALIFY_SECONDS = 1.0  # from FullyBooted to the first qualify of the phones

Span = float | tuple[float, float]


def _span(value: Span) -> tuple[float, float]:
    return (value, value) if isinstance(value, int | float) else (value[0], value[1])


class PbxSimulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "acd",
        secret: str = "acd-secret",
        system_name: str = "sim",
        seats: Iterable[str] = (),
        callback_seat: str = "8099",
        time_scale: float = 1.0,
        seed: int | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.time_scale = time_scale
        self.callback_seat = callback_seat
        self.pbx = Pbx(system_name=system_name, time_scale=time_scale, rng=self.rng)
        self.dialplan = Dialplan(self.pbx)
        self._actions = Actions(self.pbx, self.dialplan)
        self.server = AmiServer(
            host=host,
            port=port,
            username=username,
            secret=secret,
            time_scale=time_scale,
            rng=self.rng,
            dispatch=self._actions.dispatch,
        )
        self.pbx.listeners.append(self.server.broadcast)
        for seat in [*seats, callback_seat]:
            self.pbx.seats.setdefault(seat, Endpoint())

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self.server.port

    async def start(self) -> None:
        await self.server.start()

    async def __aenter__(self) -> PbxSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Close the listener and every session; calls are not hung up, just forgotten."""
        await self.server.stop()
        await asyncio.gather(*self.pbx.shutdown(), return_exceptions=True)

    async def restart(self, *, keep_calls: bool = True, downtime: float = 0.0) -> None:
        """Like an Asterisk restart (calls lost) or a network blip (calls carry on).

        As Asterisk 22 does after a restart: logins are taken at once, FullyBooted
        follows BOOT_SECONDS later (PJSIP actions are unknown until then), and the
        phones, registered in astdb, are NonQualified (device UNAVAILABLE) until their
        first qualify QUALIFY_SECONDS after that.
        """
        if not keep_calls:
            self.pbx.emit("Shutdown", "system", [("Shutdown", "Cleanly"), ("Restart", "True")])
        await self.server.stop(flush=not keep_calls)
        if not keep_calls:
            self.pbx.crash()
            self._actions.global_vars.clear()  # set by Setvar: gone with the process
            self.pbx.unqualified = True
            self.server.booted = time.time()
            self.server.booting = True
        await asyncio.sleep(downtime * self.time_scale)
        await self.server.start()
        if not keep_calls:
            self.pbx.later(BOOT_SECONDS, self._booted)

    def _booted(self) -> None:
        self.server.boot_done()
        self.pbx.later(QUALIFY_SECONDS, self._qualified)

    def _qualified(self) -> None:
        self.pbx.unqualified = False
        for seat, endpoint in sorted(self.pbx.seats.items()):
            if endpoint.registered:
                self._contact_status(seat, "Reachable")
                self.pbx.update_device(f"PJSIP/{seat}")

    # -- traffic ---------------------------------------------------------------------------

    def place_call(
        self,
        number: str,
        *,
        name: str = "",
        ivr_choice: str | None = "1",
        patience: float | None = None,
        talk_time: float = 20.0,
    ) -> str:
        """A caller dials 12355; returns the call id (the inbound channel's Linkedid).

        ``patience``: seconds from arrival until the caller gives up unless a seat has
        answered (None: waits for good). ``talk_time``: how long the call lasts once
        connected, before the caller or the agent hangs up. Needs a running loop.
        """
        return self.dialplan.place_call(number, name, ivr_choice, patience, talk_time)

    def hangup_call(self, call_id: str, cause: int = 16) -> None:
        """The caller hangs up (a BYE from the trunk)."""
        for ch in list(self.pbx.channels.values()):
            if ch.uniqueid == call_id or ch.name == call_id:
                self.pbx.hangup(ch, cause, "remote")
                return

    def configure_seat(
        self,
        seat: str,
        *,
        behaviour: Behaviour = "answer",
        answer_delay: Span = 1.0,
        registered: bool = True,
    ) -> None:
        endpoint = self.pbx.seats.setdefault(seat, Endpoint())
        was_registered = endpoint.registered
        endpoint.behaviour = behaviour
        endpoint.answer_delay = _span(answer_delay)
        endpoint.registered = registered
        if was_registered != registered:
            # A phone that unregisters is Removed; one that stops answering qualify
            # is Unreachable (both unreachable for the ACD).
            self._contact_status(seat, "Reachable" if registered else "Removed")
            self.pbx.update_device(f"PJSIP/{seat}")

    def _contact_status(self, seat: str, status: str) -> None:
        self.pbx.emit(
            "ContactStatus",
            "system",
            [
                ("URI", f"sip:{seat}@10.0.0.10:5060"),
                ("ContactStatus", status),
                ("AOR", seat),
                ("EndpointName", seat),
                ("RoundtripUsec", "1200" if status == "Reachable" else "0"),
            ],
        )

    def configure_callee(
        self,
        number: str,
        *,
        behaviour: Behaviour = "answer",
        answer_delay: Span = 2.0,
        talk_time: Span = 10.0,
    ) -> None:
        self.pbx.callees[number] = Endpoint(
            behaviour=behaviour, answer_delay=_span(answer_delay), talk_time=_span(talk_time)
        )

    # -- observation -----------------------------------------------------------------------

    @property
    def astdb(self) -> dict[str, str]:
        """AstDB as the ACD left it: full key ``/family/key`` → value (tests may seed it)."""
        return self._actions.astdb

    @property
    def global_vars(self) -> dict[str, str]:
        """Global dialplan variables (AMI Setvar without a Channel), e.g. the ACD's heartbeat."""
        return self._actions.global_vars

    @property
    def actions(self) -> list[dict[str, str]]:
        return self.server.actions

    def channels(self) -> list[ChannelView]:
        return [ChannelView.of(c) for c in self.pbx.channels.values()]

    def bridged_with(self, channel_or_call: str) -> set[str]:
        """The other channels in the bridge of a channel (by name or Uniqueid) or of a call."""
        ch = self.pbx.find(channel_or_call)
        if ch is None:
            return set()
        if ch.bridge is None:
            return set()
        return {c.name for c in ch.bridge.members if c is not ch}

    @property
    def calls(self) -> dict[str, CallRecordView]:
        return {k: CallRecordView.of(r) for k, r in self.pbx.calls.items()}

    # -- faults ----------------------------------------------------------------------------

    async def drop_connections(self) -> None:
        await self.server.drop_connections()

    def stall(self, on: bool) -> None:
        self.server.faults.stall(on)

    def delay_replies(self, seconds: float) -> None:
        self.server.faults.reply_delay = seconds

    async def send_garbage(self, data: bytes) -> None:
        for session in list(self.server.sessions):
            session.send_raw(data)

    def split_frames(self, on: bool) -> None:
        self.server.faults.split = on
