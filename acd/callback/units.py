"""One database transaction that finishes even when the task awaiting it is cancelled.

A dialer is stopped by cancelling its task. Cancelling an SQLAlchemy async
session mid-statement leaves its connection checked out; the pool later
rolls it back from a garbage-collection finaliser inside whichever task happens
to run then, which breaks that task. Running each unit in its own shielded task
lets the transaction commit or roll back cleanly while the caller goes away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.db import transaction

T = TypeVar("T")


async def in_transaction(
    sessions: async_sessionmaker[AsyncSession], work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    async def unit() -> T:
        async with transaction(sessions) as session:
            return await work(session)

    task = asyncio.ensure_future(unit())
    _running.add(task)
    task.add_done_callback(_running.discard)
    return await asyncio.shield(task)


_running: set[asyncio.Future[Any]] = set()


async def settle(within: float = 10.0) -> None:
    """Let units still running after their callers went away commit or roll back."""
    if _running:
        await asyncio.wait(set(_running), timeout=within)
