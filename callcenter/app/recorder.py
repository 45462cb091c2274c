"""Persists what happens on the hot path, beside it.

A bus subscriber: every call event becomes rows (calls, work orders, seat
history) in one transaction. When the database is unreachable the event goes to
a local journal file (fsynced), and so does every later event until a replayer
has written the journal into the database in order: an outage, even with a
restart in the middle, loses nothing and never slows the ACD.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
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
from seats.history import record_seat_change
from seats.sessions import save_seat_change, save_surge
from workorders import service as workorders

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
        campaign: Callable[[], str | None] = lambda: None,
        max_pause: float = 5.0,
        also: Sequence[Callable[[AsyncSession, DomainEvent], Awaitable[None]]] = (),
    ) -> None:
        """``also``: other packages' writes for the same events, in the same transaction
        (journalled with them through an outage)."""
        self._sessions = sessions
        self._bus = bus
        self._settings = settings
        self._campaign = campaign
        self._max_pause = max_pause
        self._also = tuple(also)
        self.journal = Journal(settings.journal_path)
        self.dead_letters = Journal(settings.dead_letter_path)
        self._replayer: asyncio.Task[None] | None = None
        self.failures = 0

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
            async with self._sessions() as session, session.begin():
                for event in events:
                    with call_context(event.call_id):
                        await self._write(session, event)
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
            async with self._sessions() as session, session.begin():
                await self._write(session, event)
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

    async def _write(self, session: AsyncSession, event: DomainEvent) -> None:
        match event:
            case CallArrived():
                campaign = self._campaign()
                await records.record_arrival(session, event, campaign)
                await session.flush()
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
                log.info("work order %s for %s", order.number, mask(event.caller_number))
            case CallWaiting():
                await records.record_waiting(session, event)
            case CallConnected():
                await records.record_connected(session, event)
                await workorders.mark_answered(
                    session,
                    call_id=event.call_id or "",
                    seat=event.seat,
                    agent=event.agent,
                    at=event.at,
                    bus=self._bus,
                )
            case SeatRinging():
                ringing = await workorders.order_for_call(session, event.call_id or "")
                if ringing is not None:  # the desk fetches the full context by role
                    self._bus.publish(
                        ScreenPop(
                            call_id=event.call_id,
                            seat=event.seat,
                            order_id=ringing.id,
                            order_number=ringing.number,
                        )
                    )
            case CallMissed():
                await records.record_missed(session, event)
            case CallEnded():
                await records.record_end(session, event)
            case SeatStateChanged():
                await record_seat_change(session, event)
                await save_seat_change(session, event)
            case SurgeChanged():
                await save_surge(session, event, self._settings.hotline_id)
            case _:
                pass
        for write in self._also:
            await write(session, event)


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


def describe(recorder: Recorder) -> dict[str, Any]:
    return {
        "healthy": recorder.healthy,
        "journalled": len(recorder.journal),
        "dead_letters": len(recorder.dead_letters),
        "failures": recorder.failures,
    }
