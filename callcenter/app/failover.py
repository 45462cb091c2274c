"""Which process routes a hotline's calls: restore at start, the lease, takeover, hand-over.

Without ``ha`` the one process is active from the start: it restores the seats
saved before it stopped, and the AMI link's first login resyncs the calls.

With ``ha`` every process starts on standby: its AMI link is logged in and its
ACD follows the event stream without acting; the AMI link lets no action that
changes anything through (``AmiLink.gate``). A standby whose link is logged in
takes the lease in the database when it is free or expired, restores the saved
seats, activates its ACD and asks for a resync, which brings back every caller
waiting, ringing or talking. The active renews the lease every quarter of its
time to live, only while its AMI link is logged in; each success moves its
fence (acd/fence.py) to the renewal's send time plus the ttl minus a margin. A
fence that closes means the standby may already act: this process stops
routing for good and asks to be stopped (``lapsed``), to come back as a
standby. On shutdown the active releases the lease so a standby takes over at
its next try instead of after the ttl.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd import lease
from acd.ami import AmiLink, AmiTimeout
from acd.fence import Fence
from acd.service import AcdService
from callcenter.kernel.db import transaction
from callcenter.kernel.settings import Settings
from seats.sessions import load_floor

log = logging.getLogger(__name__)
T = TypeVar("T")


class Role(StrEnum):
    ACTIVE = "active"
    STANDBY = "standby"
    LAPSED = "lapsed"  # lost the lease while active: routes nothing, waits to be stopped


def node_id(settings: Settings) -> str:
    return settings.node_id or f"{socket.gethostname()}:{settings.http_port}"


class Failover:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        acd: AcdService,
        link: AmiLink,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.acd = acd
        self.link = link
        self.ha = settings.ha
        self.hotline = settings.hotline_id
        self.node = node_id(settings)
        self.ttl = settings.lease_ttl
        self.fence = Fence(self.ttl, margin=max(0.25, self.ttl * 0.2))
        self.role = Role.STANDBY if self.ha else Role.ACTIVE
        self.term: int | None = None
        self.lapsed = asyncio.Event()
        self.takeover_ms: float | None = None  # lease won → resync asked, last time
        self._monotonic = monotonic
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Call before the AMI link starts: routing must not begin before the seats are back."""
        if not self.ha:
            await self._restore_floor()
            return
        self.acd.stand_by()
        self.link.gate = lambda: self.fence.open(self._monotonic())
        self._task = asyncio.create_task(self._run(), name="acd-lease")

    async def stop(self) -> None:
        """Stop routing; hand the lease over at once when holding it."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        was_active = self.role is Role.ACTIVE
        self.acd.stand_by()
        self.fence.close()
        if self.ha and was_active and self.term is not None:
            term = self.term
            try:
                await self._in_db(lambda s: lease.release(s, self.hotline, self.node, term), 2.0)
                log.info("ACD lease released for a standby to take over")
            except Exception as exc:
                log.warning("ACD lease not released (%s): a standby waits for it to expire", exc)
        self.role = Role.STANDBY

    def describe(self) -> dict[str, Any]:
        return {
            "role": self.role.value,
            "node": self.node,
            "ha": self.ha,
            "term": self.term,
            "fence_seconds": round(self.fence.remaining(self._monotonic()), 3) if self.ha else None,
            "takeover_ms": self.takeover_ms,
            "events_followed": self.acd.followed,
        }

    # -- the lease loop ----------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            promoted = False
            try:
                if self.role is Role.STANDBY:
                    term = self.term
                    await self._try_to_take_over()
                    promoted = self.term != term
                elif self.role is Role.ACTIVE:
                    await self._renew()
            except Exception:  # the loop must outlive any one failure
                log.exception("ACD lease loop failed")
            if self.role is Role.ACTIVE and not self.fence.open(self._monotonic()):
                self._lapse()
            if not promoted:  # a takeover's restore and resync took part of the term:
                await asyncio.sleep(self.ttl / 4)  # renew at once after one

    async def _try_to_take_over(self) -> None:
        if not self.link.status.logged_in:
            return  # a standby that cannot reach Asterisk must not win
        sent = self._monotonic()
        try:
            term = await self._in_db(
                lambda s: lease.acquire(s, self.hotline, self.node, self.ttl), self.ttl / 2
            )
        except Exception as exc:
            log.debug("ACD lease not reachable: %s", exc)
            return
        if term is None:
            return
        self.fence.renewed(sent)
        self.term = term
        await self._promote(sent)

    async def _promote(self, won_at: float) -> None:
        # The term runs on while the seats are restored and the waiting callers resynced
        # (half a second at a quiet start-up, more under load): the lease is renewed
        # meanwhile, or a slow takeover would outlast its own term and lapse at once.
        promoted = asyncio.Event()
        renewing = asyncio.create_task(self._renew_until(promoted), name="acd-lease-takeover")
        try:
            await self._take_the_floor()
        finally:
            promoted.set()  # not cancelled: a renewal under way finishes its transaction
            await renewing
        self.takeover_ms = round((self._monotonic() - won_at) * 1000, 1)
        log.warning(
            "%s is the active ACD (lease term %s); waiting callers resynced in %.0f ms",
            self.node,
            self.term,
            self.takeover_ms,
        )

    async def _take_the_floor(self) -> None:
        try:
            await self._restore_floor()
        except Exception:
            log.exception("saved seats not restored; agents log in again")
        self.role = Role.ACTIVE
        self.acd.activate()
        await self.link.resync()

    async def _renew_until(self, done: asyncio.Event) -> None:
        while True:
            try:
                await asyncio.wait_for(done.wait(), timeout=self.ttl / 4)
                return
            except TimeoutError:
                await self._renew()

    async def _renew(self) -> None:
        if not self.link.status.logged_in or self.term is None:
            return  # without Asterisk this process cannot route: let a standby that can
        term = self.term
        sent = self._monotonic()
        budget = self.fence.remaining(sent)
        if budget <= 0:
            return
        try:
            renewed = await self._in_db(
                lambda s: lease.renew(s, self.hotline, self.node, term, self.ttl), budget
            )
        except Exception as exc:  # unknown: the fence decides when to give up
            log.warning("ACD lease renewal failed: %s", exc)
            return
        if renewed:
            self.fence.renewed(sent)
        else:
            log.error("ACD lease lost to another node")
            self.fence.close()

    def _lapse(self) -> None:
        log.error("ACD lease lapsed: %s stops routing and should be restarted", self.node)
        self.role = Role.LAPSED
        self.acd.stand_by()
        self.lapsed.set()

    # -- helpers -------------------------------------------------------------------------------

    async def _restore_floor(self) -> None:
        """Give the routing core the seats saved before the last active process stopped."""
        async with self.sessions() as session:
            floor = await load_floor(session, self.hotline)
        saved = [(seat.seat, seat.agent, seat.pause_reason) for seat in floor.seats]
        self.acd.core.restore(saved, floor.surge, self.acd.now())
        if saved:
            log.info("%d seat sessions restored (surge %s)", len(saved), floor.surge.on)

    async def _in_db(
        self,
        work: Callable[[AsyncSession], Awaitable[T]],
        seconds: float,
    ) -> T:
        async with asyncio.timeout(seconds), transaction(self.sessions) as session:
            return await work(session)


def when_active(
    acd: AcdService, link: AmiLink, work: Callable[[], Awaitable[None]]
) -> Callable[[], Awaitable[None]]:
    """A background job (the callback dialer) that may only run in the active process,
    from its first AMI login on (its recovery asks Asterisk what still rings)."""

    async def run() -> None:
        await acd.until_active()
        while True:
            with contextlib.suppress(AmiTimeout):
                await link.wait_logged_in(60)
                break
        await work()

    return run
