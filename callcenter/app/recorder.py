"""Persists what happens on the hot path, beside it.

A bus subscriber: call events become rows (calls, work orders, seat history),
the events that come within a short window of each other in one transaction, each
a statement or two (no read before a write). A ringing seat's screen pop comes from
the order the recorder opened for the call, as the ringing is published, without
waiting for that window. When the database is unreachable the event goes to
a local journal file (fsynced), and so does every later event until a replayer
has written the journal into the database in order: an outage, even with a
restart in the middle, loses nothing and never slows the ACD.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd import records
from acd.events import CallArrived, CallConnected, CallEnded, CallMissed, CallWaiting, SeatRinging
from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.journal import Journal
from callcenter.kernel.logs import call_context
from callcenter.kernel.phone import mask
from callcenter.kernel.settings import Settings
from seats.events import SeatStateChanged, SurgeChanged
from seats.history import record_seat_changes
from seats.sessions import save_seat_change, save_surge
from workorders import service as workorders
from workorders.events import WorkOrderUpdated
from workorders.lifecycle import Status

log = logging.getLogger(__name__)


# Errors that say the data itself is wrong: retrying cannot help, so the event is set
# aside in the dead-letter journal. Every other failure is treated as an outage.
POISON_ERRORS: tuple[type[BaseException], ...] = (
    IntegrityError,
    DataError,
    ProgrammingError,
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
)


class Recorder:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        settings: Settings,
        *,
        max_pause: float = 5.0,
        window: float = 0.5,
        also: Sequence[Callable[[AsyncSession, DomainEvent], Awaitable[None]]] = (),
    ) -> None:
        """``also``: other packages' writes for the same events, in the same transaction
        (journalled with them through an outage)."""
        # How long the bus lets a fresh event settle before the batch is written (see
        # ``attach``): a call's events come seconds apart, so without it each is a
        # transaction of its own, and the routing's next AMI events would meet it.
        self.window = window
        self._sessions = sessions
        self._bus = bus
        self._settings = settings
        self._max_pause = max_pause
        self._also = tuple(also)
        self.journal = Journal(settings.journal_path)
        self.dead_letters = Journal(settings.dead_letter_path)
        self._replayer: asyncio.Task[None] | None = None
        self.failures = 0
        # The order opened for each call in progress (committed), so a ringing seat's screen
        # pop and the answer need no look-up; after a restart the database is asked instead.
        self._orders: OrderedDict[str, KnownOrder] = OrderedDict()
        # the SeatRinging events (seq, call) whose screen popped as they were published
        self._popped: set[tuple[int, str | None]] = set()

    def also_write(self, write: Callable[[AsyncSession, DomainEvent], Awaitable[None]]) -> None:
        """One more write for every event, in the same transaction (before ``start``)."""
        self._also += (write,)

    def attach(self) -> None:
        """Subscribe to the bus: batches of what came while a fresh event settled for
        ``window``, and a look at each event as it is published (for the screen pop)."""
        self._bus.subscribe_batches(
            "recorder", self.write_batch, settle=self.window, wants=_recorded
        )
        self._bus.observe(self._on_publish)

    def _on_publish(self, event: DomainEvent) -> None:
        """A seat rings for a call whose order is committed and known: its screen pops now,
        not after the batch's window and transaction (the agent's phone is ringing)."""
        if isinstance(event, WorkOrderUpdated):
            self._note_merge(event)
            return
        if not isinstance(event, SeatRinging) or event.call_id is None or not self.healthy:
            return
        known = self._orders.get(event.call_id)
        if known is None:
            return
        # next turn of the loop: every subscriber has the ringing before its pop
        asyncio.get_running_loop().call_soon(self._bus.publish, _screen_pop(event, known))
        self._popped.add((event.seq, event.call_id))  # so the write does not pop it again

    @property
    def healthy(self) -> bool:
        return len(self.journal) == 0

    def start(self) -> None:
        """Replay what a previous run journalled while the database was away."""
        if len(self.journal):
            self._replay_soon()

    async def stop(self) -> None:
        if self._replayer is not None:
            self._replayer.cancel()
            await asyncio.gather(self._replayer, return_exceptions=True)

    async def write_batch(self, events: list[DomainEvent]) -> None:
        """The bus's batch subscriber: what piled up goes in one transaction (one commit,
        not one per event); a batch the database refuses is retried event by event, so
        one bad event costs only itself."""
        events = [event for event in events if isinstance(event, RECORDED)]
        if len(events) <= 1 or (self._replayer is not None and not self._replayer.done()):
            for event in events:
                await self(event)
            return
        try:
            await self._commit(events)
        except asyncio.CancelledError:  # stopped mid-write: the journal keeps them
            for event in events:
                self.journal.append(event)
            raise
        except Exception:
            for event in events:  # each alone: the poison one to the dead letters,
                await self(event)  # the rest written, or journalled in an outage

    async def __call__(self, event: DomainEvent) -> None:
        if not isinstance(event, RECORDED):
            return  # nothing of it is stored: no transaction for nothing
        if self._replayer is not None and not self._replayer.done():
            self.journal.append(event)  # keep order behind what waits for the database
            return
        try:
            written = await self._try_write(event)
        except asyncio.CancelledError:  # stopped mid-write: the journal keeps it
            self.journal.append(event)
            raise
        if not written:
            self.journal.append(event)
            self._replay_soon()

    def journal_unwritten(self, events: list[DomainEvent]) -> None:
        """At shutdown: the events the bus still held go to the journal for the next start."""
        for event in events:
            self.journal.append(event)
        if events:
            log.warning("recorder: %d events journalled at shutdown", len(events))

    async def _try_write(self, event: DomainEvent) -> bool:
        """True when written (or set aside as unwritable); False on a database outage."""
        try:
            await self._commit([event])
            return True
        except POISON_ERRORS:
            log.exception("recorder: cannot write %s; kept in the dead-letter journal", event.kind)
            self.dead_letters.append(event)
            return True
        except Exception as exc:
            self.failures += 1
            log.warning("recorder: database unavailable (%s); journalling %s", exc, event.kind)
            return False

    def _replay_soon(self) -> None:
        if self._replayer is None or self._replayer.done():
            self._replayer = asyncio.create_task(self._replay(), name="recorder-replay")

    async def _replay(self) -> None:
        pause = 0.2
        while len(self.journal):
            event = self.journal.pending()[0]
            if await self._try_write(event):
                self.journal.drop_first(1)
                pause = 0.2
                continue
            await asyncio.sleep(pause)
            pause = min(pause * 2, self._max_pause)
        log.info("recorder: journal replayed, database writes are current again")

    async def _commit(self, events: list[DomainEvent]) -> None:
        """Write ``events`` in one transaction. What it teaches the recorder (the orders it
        opened, the screen pops) takes effect once it has committed, never before."""
        batch = _Batch(first_waits=_first_waits(events))
        async with self._sessions() as session, session.begin():
            for event in events:
                with call_context(event.call_id):
                    await self._write(session, event, batch)
            await record_seat_changes(session, batch.seat_changes)
        self._orders.update(batch.opened)
        for call_id in batch.ended:
            self._orders.pop(call_id, None)
        while len(self._orders) > KNOWN_ORDERS:
            self._orders.popitem(last=False)  # calls whose end never came
        for pop in batch.pops:
            self._bus.publish(pop)
        self._popped.difference_update(batch.popped)

    def _known(self, batch: _Batch, call_id: str | None) -> KnownOrder | None:
        if call_id is None:
            return None
        return batch.opened.get(call_id) or self._orders.get(call_id)

    def _note_merge(self, event: WorkOrderUpdated) -> None:
        """An order merged into another no longer stands for its calls: forget it (the
        database, which follows merges, is asked next time)."""
        if event.status == Status.MERGED:
            for call_id, known in list(self._orders.items()):
                if known.order_id == event.order_id:
                    del self._orders[call_id]

    async def _write(self, session: AsyncSession, event: DomainEvent, batch: _Batch) -> None:
        match event:
            case CallArrived():
                campaign = event.campaign
                waiting = batch.first_waits.get(event.call_id)
                inserted = await records.insert_arrival(session, event, campaign, waiting)
                if inserted and waiting is not None:
                    batch.written_waits.add(id(waiting))  # its row has it already
                order = await workorders.open_for_call(
                    session,
                    call_id=event.call_id or "",
                    caller_number=event.caller_number,
                    at=event.at,
                    tags=[campaign] if campaign else [],
                    zone=self._settings.zone,
                    hotline=self._settings.hotline_id,
                    bus=self._bus,
                )
                batch.opened[event.call_id or ""] = KnownOrder(order.id, order.number)
                log.info("work order %s for %s", order.number, mask(event.caller_number))
            case CallWaiting():
                if id(event) not in batch.written_waits:
                    await records.record_waiting(session, event)
            case CallConnected():
                await records.record_connected(session, event)
                known = self._known(batch, event.call_id)
                await workorders.mark_answered(
                    session,
                    call_id=event.call_id or "",
                    seat=event.seat,
                    agent=event.agent,
                    at=event.at,
                    bus=self._bus,
                    order_id=known.order_id if known else None,
                )
            case SeatRinging():
                if (event.seq, event.call_id) in self._popped:  # popped as it was published
                    batch.popped.append((event.seq, event.call_id))
                    return
                known = self._known(batch, event.call_id)
                if known is None:  # not opened by this run: the database knows
                    ringing = await workorders.order_for_call(session, event.call_id or "")
                    if ringing is not None:
                        known = KnownOrder(ringing.id, ringing.number)
                if known is not None:
                    batch.pops.append(_screen_pop(event, known))
            case CallMissed():
                await records.record_missed(session, event)
            case CallEnded():
                await records.record_end(session, event)
                if event.call_id is not None:
                    batch.ended.append(event.call_id)
            case SeatStateChanged():
                batch.seat_changes.append(event)  # all of the batch's in one statement
                await save_seat_change(session, event)
            case SurgeChanged():
                await save_surge(session, event, self._settings.hotline_id)
            case _:
                pass
        for write in self._also:
            await write(session, event)


def _screen_pop(ringing: SeatRinging, known: KnownOrder) -> ScreenPop:
    """The desk fetches the full context by role; the pop says which order."""
    return ScreenPop(
        call_id=ringing.call_id,
        seat=ringing.seat,
        order_id=known.order_id,
        order_number=known.number,
    )


# At most this many calls' orders are remembered (far more than ever ring at once).
KNOWN_ORDERS = 4096


@dataclass(frozen=True)
class KnownOrder:
    order_id: int
    number: str


@dataclass
class _Batch:
    """What one transaction's events leave to do once it has committed."""

    opened: dict[str, KnownOrder] = field(default_factory=dict)
    ended: list[str] = field(default_factory=list)
    pops: list[ScreenPop] = field(default_factory=list)
    seat_changes: list[SeatStateChanged] = field(default_factory=list)
    popped: list[tuple[int, str | None]] = field(default_factory=list)
    # each call's first wait after its arrival in this batch, by call (``_first_waits``),
    # and those written with their arrival's row
    first_waits: dict[str | None, CallWaiting] = field(default_factory=dict)
    written_waits: set[int] = field(default_factory=set)


def _first_waits(events: list[DomainEvent]) -> dict[str | None, CallWaiting]:
    """The first CallWaiting after each CallArrived of the batch: the arrival's insert
    writes it too, one statement instead of two (they come milliseconds apart)."""
    arrived: set[str | None] = set()
    waits: dict[str | None, CallWaiting] = {}
    for event in events:
        if isinstance(event, CallArrived):
            arrived.add(event.call_id)
        elif isinstance(event, CallWaiting) and event.call_id in arrived:
            waits.setdefault(event.call_id, event)
    return waits


# The events ``_write`` stores (or, for SeatRinging, reads for the screen pop).
RECORDED = (
    CallArrived,
    CallWaiting,
    CallConnected,
    SeatRinging,
    CallMissed,
    CallEnded,
    SeatStateChanged,
    SurgeChanged,
)


@dataclass(frozen=True, kw_only=True)
class ScreenPop(DomainEvent):
    """A seat rings: its desk shows this work order with the caller's history."""

    seat: str
    order_id: int
    order_number: str


def _recorded(event: DomainEvent) -> bool:
    return isinstance(event, RECORDED)


def describe(recorder: Recorder) -> dict[str, Any]:
    return {
        "healthy": recorder.healthy,
        "journalled": len(recorder.journal),
        "dead_letters": len(recorder.dead_letters),
        "failures": recorder.failures,
    }
