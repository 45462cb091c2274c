"""The ACD's side of the fail-safe fallback: heartbeat, seat mirror, importing its calls.

Only the active ACD with a logged-in AMI link does any of it (a standby's heartbeat
would tell Asterisk that somebody routes). Every ``heartbeat_seconds`` it stamps
``ACD_HEARTBEAT``; each time it becomes active on a link (a login, a takeover) it
first reads the heartbeat Asterisk still holds (stale: a fallback period happened,
and it is saved), brings the AstDB seat mirror up to date, and imports the records
of calls the fallback queue handled; then again every five heartbeats for
callers who were still in the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.ami import AmiError, AmiLink
from acd.fallback import actions
from acd.fallback.periods import open_period, stale_since
from acd.fallback.records import SEATS_FAMILY, RecordError, group_tree, parse_record
from acd.service import AcdService
from acd.views import SeatView
from callcenter.app.fallback_import import ImportContext, import_record
from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.clock import Clock
from callcenter.kernel.phone import mask
from callcenter.kernel.settings import Settings

log = logging.getLogger(__name__)

NOT_ACTIVE_RECHECK_SECONDS = 0.1  # a standby or logged-out process looks again this soon

# Imports while active, for callers still in the queue when the ACD came back: every
# few heartbeats (10 s by default); a DBGetTree of an empty family costs next to nothing.
IMPORTS_PER_HEARTBEATS = 5


class FallbackKeeper:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        acd: AcdService,
        link: AmiLink,
        clock: Clock,
        context: ImportContext,
        on_callbacks: Callable[[], object] = lambda: None,
    ) -> None:
        self.sessions = sessions
        self.acd = acd
        self.link = link
        self.clock = clock
        self.context = context
        self.every = settings.heartbeat_seconds
        self.import_every = settings.heartbeat_seconds * IMPORTS_PER_HEARTBEATS
        self.fallback_after = settings.fallback_after
        self.seats = list(settings.seat_extensions)
        self.on_callbacks = on_callbacks
        self.imported = 0
        self.last_heartbeat: float | None = None  # epoch seconds of the last one Asterisk took
        self._mirrored: dict[str, str | None] = {}
        self._synced_for: tuple[datetime | None, int] | None = None
        self._activations = 0
        self._was_active = False
        self._period: tuple[datetime, datetime] | None = None  # found stale, not yet saved
        self._catch_up = asyncio.Event()

    # -- the loops ------------------------------------------------------------------------
    # Two tasks: the heartbeat never waits for the database or for an import of many
    # records (a database outage must not make Asterisk think the ACD is gone).

    async def run(self) -> None:
        catching_up = asyncio.create_task(self._catch_up_loop(), name="fallback-import")
        try:
            while True:
                beat = False
                session = self.link.status.since
                try:
                    beat = await self.beat()
                except AmiError as exc:
                    log.warning("fallback heartbeat: %s", exc)
                except Exception:
                    log.exception("fallback heartbeat failed")
                # not active yet: look again soon, the first heartbeat is due at the takeover
                await self._until_next_beat(
                    self.every if beat else min(self.every, NOT_ACTIVE_RECHECK_SECONDS), session
                )
        finally:
            catching_up.cancel()
            await asyncio.gather(catching_up, return_exceptions=True)

    async def _until_next_beat(self, seconds: float, session: datetime | None) -> None:
        """Sleep ``seconds``, or less if the link logs in anew (after ``session``, the
        login the last beat saw) meanwhile: a restarted Asterisk has no heartbeat, and
        sends every new caller to the fallback queue until the ACD stamps one."""
        if self.link.status.since != session:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.link.next_login(), seconds)

    async def beat(self) -> bool:
        """One heartbeat; False when this process may not stamp one (standby, no AMI login).

        On a new login or takeover it first reads the heartbeat Asterisk still holds:
        a stale one tells when the fallback began, and the catch-up saves that period.
        """
        active = self.acd.active and self.link.status.logged_in
        if active and not self._was_active:
            self._activations += 1
        self._was_active = active
        if not active:
            return False
        session = (self.link.status.since, self._activations)
        if session != self._synced_for:
            reply = await self.link.send(actions.read_heartbeat())
            now = self.clock.now()
            began = stale_since(reply.response.text("Value"), now, self.fallback_after)
            if began is not None:
                self._period = (began, now)
                log.warning("the fallback queue took the callers from %s to %s", began, now)
            self._synced_for = session
            self._catch_up.set()
        stamp = self.clock.now().timestamp()
        await self.link.send(actions.heartbeat(stamp))
        self.last_heartbeat = stamp
        return True

    def describe(self) -> dict[str, object]:
        """For /api/health: whether this process keeps Asterisk from falling back."""
        return {
            "heartbeat_at": self.last_heartbeat,
            "fallback_after": self.fallback_after,
            "calls_imported": self.imported,
        }

    async def _catch_up_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.import_every):
                    await self._catch_up.wait()
            due = self._catch_up.is_set()
            self._catch_up.clear()
            if not (self.acd.active and self.link.status.logged_in):
                continue
            try:
                await self.catch_up(mirror=due)
                continue
            except AmiError as exc:
                log.warning("fallback import: %s; retrying", exc)
            except Exception:
                log.exception("fallback import failed; retrying")
            if due:
                self._catch_up.set()  # the seat mirror still waits for its resync
            await asyncio.sleep(1.0)

    async def catch_up(self, *, mirror: bool = True) -> None:
        """Save a period found stale, mirror the seats (after a login/takeover), import."""
        if self._period is not None:
            began, ended = self._period
            async with self.sessions() as session, session.begin():
                await open_period(session, began, ended)
            self._period = None
        if mirror:
            await self.sync_seats()
        await self.import_records()

    # -- the seat mirror --------------------------------------------------------------------

    async def sync_seats(self) -> None:
        """Make AstDB ``acd-seats`` what the routing core knows now (after a login/takeover)."""
        reply = await self.link.send(actions.list_family(SEATS_FAMILY), as_list=True)
        present = {
            str(item.text("Key")).rstrip("/").rpartition("/")[2]: item.text("Val")
            for item in reply.items
            if item.name == "DBGetTreeResponse"
        }
        wanted = {view.seat: actions.seat_value(view.state) for view in self._views()}
        for seat in sorted(set(present) | set(wanted)):
            value = wanted.get(seat)
            if present.get(seat) != value:
                await self.link.send(_mirror(seat, value))
            self._mirrored[seat] = value

    def on_seat_event(self, event: DomainEvent) -> None:
        """Bus observer: a seat logged in, out, paused or back; AstDB follows at once."""
        if event.kind != "SeatStateChanged" or not self.acd.active:
            return
        if not self.link.status.logged_in:
            return  # the next catch-up mirrors the whole floor
        seat = str(getattr(event, "seat", ""))
        if seat not in self.seats:
            return  # the callback seat is never a member of the fallback queue
        value = actions.seat_value(str(getattr(event, "new_state", "")))
        if self._mirrored.get(seat, None) == value and seat in self._mirrored:
            return
        self._mirrored[seat] = value
        self.link.send_nowait(_mirror(seat, value))

    def _views(self) -> list[SeatView]:
        return [v for v in self.acd.core.seats_view(self.acd.now()) if v.seat in self.seats]

    # -- the import -------------------------------------------------------------------------

    async def import_records(self) -> int:
        """Import every finished record, then delete it from AstDB; the number imported."""
        reply = await self.link.send(actions.list_records(), as_list=True)
        items = [
            {"Key": item.text("Key"), "Val": item.text("Val")}
            for item in reply.items
            if item.name == "DBGetTreeResponse"
        ]
        now = self.clock.now()
        done = 0
        for uid, fields in sorted(group_tree(items).items()):
            try:
                record = parse_record(uid, fields, now)
            except RecordError as exc:
                log.error("fallback record %s unreadable (%s); left in AstDB", uid, exc)
                continue
            if record is None:
                continue  # the caller is still in the queue or talking
            async with self.sessions() as session, session.begin():
                result = await import_record(session, record, self.context, now)
            # only now, after the commit: a crash before this line imports nothing twice
            await self.link.send(actions.delete_record(uid))
            if not result.already:
                done += 1
                log.info(
                    "fallback call %s from %s imported (%s)",
                    uid,
                    mask(record.number),
                    f"answered at {record.seat}" if record.seat else "abandoned",
                )
        if done:
            self.imported += done
            self.on_callbacks()
        return done


def _mirror(seat: str, value: str | None) -> dict[str, str]:
    return actions.put_seat(seat, value) if value is not None else actions.del_seat(seat)
