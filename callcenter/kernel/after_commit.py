"""Publish domain events only once the transaction that produced them has committed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from callcenter.kernel.bus import DomainEvent, EventBus

_KEY = "workorders.pending_events"


def publish_after_commit(session: AsyncSession, bus: EventBus | None, item: DomainEvent) -> None:
    """Queue ``item`` for ``bus``; it goes out on commit and is dropped on rollback."""
    if bus is None:
        return
    sync = session.sync_session
    pending: list[tuple[EventBus, DomainEvent]] | None = sync.info.get(_KEY)
    if pending is None:
        pending = []
        sync.info[_KEY] = pending
        event.listen(sync, "after_commit", _flush)
        event.listen(sync, "after_rollback", _drop)
    pending.append((bus, item))


def _flush(sync: Session, *_: Any) -> None:
    pending: list[tuple[EventBus, DomainEvent]] = sync.info.get(_KEY, [])
    sync.info[_KEY] = []
    for bus, item in pending:
        bus.publish(item)


def _drop(sync: Session, *_: Any) -> None:
    sync.info[_KEY] = []
