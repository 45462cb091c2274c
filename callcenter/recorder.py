"""Persists what happens on the hot path, beside it.

A bus subscriber: every call event becomes rows (calls, work orders, seat
history) in one transaction. When the database is unreachable the recorder keeps
the event and retries with a growing pause, so events stay in order and nothing
is dropped; ``backlog`` tells the health endpoint how far behind it is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd import records
from acd.events import CallArrived, CallConnected, CallEnded, CallMissed, CallWaiting, SeatRinging
from callcenter.bus import DomainEvent, EventBus
from callcenter.phone import mask
from callcenter.settings import Settings
from seats.history import record_seat_change
from workorders import service as workorders

log = logging.getLogger(__name__)


class Recorder:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        settings: Settings,
        *,
        campaign: Callable[[], str | None] = lambda: None,
        max_pause: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._bus = bus
        self._settings = settings
        self._campaign = campaign
        self._max_pause = max_pause
        self.failures = 0
        self.healthy = True

    async def __call__(self, event: DomainEvent) -> None:
        pause = 0.1
        while True:
            try:
                async with self._sessions() as session, session.begin():
                    await self._write(session, event)
                self.healthy = True
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failures += 1
                self.healthy = False
                log.warning("recorder: %s on %s; retrying in %.1fs", exc, event.kind, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, self._max_pause)

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
            case _ if type(event).__name__ == "SeatStateChanged":
                await record_seat_change(session, event)
            case _:
                pass


@dataclass(frozen=True, kw_only=True)
class ScreenPop(DomainEvent):
    """A seat rings: its desk shows this work order with the caller's history."""

    seat: str
    order_id: int
    order_number: str


def describe(recorder: Recorder) -> dict[str, Any]:
    return {"healthy": recorder.healthy, "failures": recorder.failures}
