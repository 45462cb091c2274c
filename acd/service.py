"""The ACD's imperative shell: AMI events in, routing decisions out, nothing else.

One task reads the AMI link's ordered event queue; every event goes through the
tracker (channels → calls) and the routing core synchronously, and the core's
commands go out as AMI actions without waiting for their replies. Nothing here
awaits the database or Redis: call events go on the bus, where the recorder
persists them beside the hot path, and snapshots are written by a coalescing
background task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from acd.ami import AmiActionError, AmiLink, AmiReply
from acd.commands import Command, ConnectToSeat, Publish, SendToOverflow, TakeBack, WakeAt
from acd.core import AcdCore
from acd.events import CallArrived, CallConnected, MissReason, SeatFailed
from acd.tracker import CallTracker
from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.live import LiveState
from callcenter.kernel.snapshots import queue_snapshot, seats_snapshot
from seats.state import SeatError

log = logging.getLogger(__name__)

REDIRECT_FAILED = "REDIRECT_FAILED"  # a SeatFailed the ACD raises itself: never a no-answer

AmiEventHandler = Callable[[Mapping[str, Any]], None]


class AcdService:
    def __init__(
        self,
        *,
        core: AcdCore,
        tracker: CallTracker,
        link: AmiLink,
        bus: EventBus,
        live: LiveState,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.core = core
        self.tracker = tracker
        self.link = link
        self.bus = bus
        self.live = live
        self._now = wall_clock
        self._timers: dict[float, asyncio.TimerHandle] = {}
        self._snapshot_due = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._ami_listeners: list[AmiEventHandler] = []
        self.decisions = 0
        # A standby follows the AMI stream without acting on it; ``activate`` makes this
        # process the one that routes (callcenter.app.failover decides when).
        self._active = asyncio.Event()
        self._active.set()
        self.followed = 0  # events seen while on standby
        # Told how long each routing decision took from its AMI event's arrival, in wall
        # seconds and in this thread's CPU seconds (the rest is waiting: GIL, scheduler).
        self.on_decision: Callable[[float, float], None] | None = None
        self._cpu_at_take = 0.0
        self._unpublished: deque[tuple[DomainEvent, list[Command]]] = deque()
        self._publish_scheduled = False
        self._event_received: datetime | None = None

    # -- lifecycle ---------------------------------------------------------
    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._consume(), name="acd-consume"),
            asyncio.create_task(self._write_snapshots(), name="acd-snapshots"),
        ]
        self._snapshot_due.set()
        self.link.direct = self.take

    async def stop(self) -> None:
        self.publish_decided()
        if self.link.direct == self.take:
            self.link.direct = None
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    @property
    def active(self) -> bool:
        return self._active.is_set()

    def stand_by(self) -> None:
        """Follow the AMI stream without routing, until ``activate``."""
        self._active.clear()

    def activate(self) -> None:
        """Route from now on; the caller then asks the link for a resync."""
        self._active.set()
        self._snapshot_due.set()

    async def until_active(self) -> None:
        await self._active.wait()

    def on_ami_event(self, listener: AmiEventHandler) -> None:
        """Let another shell (the callback dialer, conferences) see every AMI event, in order."""
        self._ami_listeners.append(listener)

    # -- the hot path --------------------------------------------------------
    async def _consume(self) -> None:
        """Events that had to queue (a resync held them back, or a backlog formed)."""
        while True:
            self.take(await self.link.events.get())

    def take(self, event: Mapping[str, Any]) -> None:
        """One AMI event, in wire order: straight from the socket, or from the queue."""
        if not self._active.is_set():
            self.followed += 1
            return
        self._cpu_at_take = time.thread_time()
        try:
            self.ingest(event)
        except Exception:  # one bad event must not stop call routing
            log.exception("ACD failed on AMI event %s", event.get("Event"))

    def now(self) -> float:
        return self._now()

    def ingest(self, ami_event: Mapping[str, Any]) -> None:
        self._event_received = getattr(ami_event, "received_at", None)
        self._dispatch(self.tracker.feed(ami_event, self._wall()))
        self._event_received = None
        for listener in self._ami_listeners:
            try:
                listener(ami_event)
            except Exception:
                log.exception("AMI event listener failed")

    def _dispatch(self, call_events: list[DomainEvent]) -> None:
        # Every event through the core and its actions out to Asterisk now; the bus
        # (observers, subscriber queues) right after the loop's current callback, in the
        # same order: an action for a later event of the same AMI chunk never waits
        # behind the publication of an earlier one.
        for event in call_events:
            commands = self.core.handle(event, self._now())
            self._send_actions(commands)
            if isinstance(event, CallConnected):
                event = replace(event, agent=self.core.agent_at(event.seat))
            elif isinstance(event, CallArrived) and self.core.surge.on:
                event = replace(event, campaign=self.core.surge.reason)
            self._unpublished.append((event, commands))
        if self._unpublished and not self._publish_scheduled:
            self._publish_scheduled = True
            asyncio.get_running_loop().call_soon(self.publish_decided)

    def publish_decided(self) -> None:
        """What the AMI path decided, onto the bus (before anything decided later)."""
        self._publish_scheduled = False
        while self._unpublished:
            event, commands = self._unpublished.popleft()
            self.bus.publish(event)
            self._follow_up(commands)

    def execute(self, commands: list[Command], *, actions_sent: bool = False) -> None:
        self.publish_decided()  # the bus keeps the order in which the core decided
        if not actions_sent:
            self._send_actions(commands)
        self._follow_up(commands)

    def _follow_up(self, commands: list[Command]) -> None:
        for command in commands:
            match command:
                case Publish(event=event):
                    self.bus.publish(event)
                case WakeAt(at=at):
                    self._wake_at(at)
        if commands:
            self._snapshot_due.set()

    def _send_actions(self, commands: list[Command]) -> None:
        """The commands that are AMI actions, written now (their replies come later)."""
        for command in commands:
            match command:
                case ConnectToSeat(call_id=call_id, wait_channel=channel, seat=seat):
                    self.decisions += 1
                    # One AMI session runs its actions in order: the variable is set
                    # before the Redirect starts the Dial that reads it.
                    _, sent = self.link.send_together_nowait(
                        [_ring_timeout(channel, command.ring_timeout),
                         _redirect(channel, "acd-seat", seat)]
                    )  # fmt: skip
                    sent.add_done_callback(self._unless_redirected(call_id, seat))
                    self._decided()
                case TakeBack(wait_channel=channel):
                    self.link.send_nowait(_redirect(channel, "acd-hold", "s"))
                case SendToOverflow(wait_channel=channel, reason=reason):
                    context = "acd-closed" if reason is MissReason.CLOSED else "acd-overflow"
                    self.link.send_nowait(_redirect(channel, context, "s"))

    def _decided(self) -> None:
        received = self._event_received
        if self.on_decision is not None and received is not None:
            cpu = time.thread_time() - self._cpu_at_take
            self.on_decision((datetime.now(UTC) - received).total_seconds(), cpu)

    def tick(self) -> None:
        self.execute(self.core.tick(self._now()))

    def _unless_redirected(
        self, call_id: str, seat: str
    ) -> Callable[[asyncio.Task[AmiReply]], None]:
        """Asterisk refused to move the caller to the seat: the seat never rang, so the
        caller is routed again now rather than when the ring guard gives up."""

        def check(task: asyncio.Task[AmiReply]) -> None:
            if task.cancelled() or not isinstance(task.exception(), AmiActionError):
                return
            failed = SeatFailed(call_id=call_id, at=self._wall(), seat=seat,
                                dial_status=REDIRECT_FAILED)  # fmt: skip
            self._dispatch([failed])

        return check

    def _wake_at(self, at: float) -> None:
        if at in self._timers:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, at - self._now())

        def fire() -> None:
            self._timers.pop(at, None)
            self.tick()

        self._timers[at] = loop.call_later(delay, fire)

    # -- commands from agents and supervisors (HTTP) ------------------------
    def command(self, apply: Callable[[float], list[Command]]) -> None:
        """Run one agent/supervisor command against the core; SeatError propagates."""
        if not self._active.is_set():
            raise SeatError("this ACD is on standby: the active one takes seat commands", 503)
        self.execute(apply(self._now()))
        self._snapshot_due.set()

    # -- helpers ---------------------------------------------------------------
    def _wall(self) -> datetime:
        return datetime.fromtimestamp(self._now(), UTC)

    def _seats_snapshot(self) -> dict[str, Any]:
        return seats_snapshot(self.core, self._now())

    def _queue_snapshot(self) -> dict[str, Any]:
        return queue_snapshot(self.core, self._now())

    async def _write_snapshots(self) -> None:
        while True:
            await self._snapshot_due.wait()
            self._snapshot_due.clear()
            if not self._active.is_set():
                continue  # the active process's snapshots are the truth
            try:
                await self.live.offer_snapshot("seats", self._seats_snapshot)
                await self.live.offer_snapshot("queue", self._queue_snapshot)
                await self.live.broadcast({"kind": "snapshot"})
            except Exception:
                log.warning("live snapshot write failed", exc_info=True)
                await asyncio.sleep(1.0)
                self._snapshot_due.set()


def _redirect(channel: str, context: str, exten: str) -> dict[str, str]:
    return {
        "Action": "Redirect",
        "Channel": channel,
        "Context": context,
        "Exten": exten,
        "Priority": "1",
    }


def _ring_timeout(channel: str, seconds: float) -> dict[str, str]:
    return {
        "Action": "Setvar",
        "Channel": channel,
        "Variable": "ACD_RING_TIMEOUT",
        "Value": f"{max(1, round(seconds))}",
    }
