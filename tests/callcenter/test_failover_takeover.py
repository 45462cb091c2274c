"""A takeover slower than the lease's term keeps the lease: it is renewed meanwhile."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.app.failover import Failover, Role
from callcenter.kernel.settings import Settings

TTL = 1.5
RESYNC_SECONDS = 2.5 * TTL  # a start-up under load: far longer than one term


class SlowLink:
    """Logged in; listing the calls in progress takes ``RESYNC_SECONDS``."""

    def __init__(self) -> None:
        self.status = SimpleNamespace(logged_in=True)
        self.gate: Any = None
        self.resynced = asyncio.Event()

    async def resync(self) -> None:
        await asyncio.sleep(RESYNC_SECONDS)
        self.resynced.set()


class FloorOnly:
    """The parts of the ACD a takeover touches."""

    def __init__(self) -> None:
        self.active = False
        self.followed = 0
        self.core = SimpleNamespace(restore=lambda *_: None)

    def stand_by(self) -> None:
        self.active = False

    def activate(self) -> None:
        self.active = True

    def now(self) -> float:
        return time.time()


async def test_a_takeover_slower_than_a_term_keeps_its_lease_and_routes(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=database_url, data_dir=tmp_path, ha=True, node_id="node-a", lease_ttl=TTL
    )
    link, acd = SlowLink(), FloorOnly()
    failover = Failover(sessions=sessions, settings=settings, acd=acd, link=link)  # type: ignore[arg-type]
    await failover.start()
    try:
        await asyncio.wait_for(link.resynced.wait(), RESYNC_SECONDS + 3 * TTL)
        await asyncio.sleep(TTL)  # a term after the takeover ended
        assert failover.role is Role.ACTIVE and not failover.lapsed.is_set()
        assert acd.active and link.gate()  # its AMI actions still go out
    finally:
        await failover.stop()
