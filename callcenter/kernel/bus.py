"""The one in-process event bus that carries domain events between packages.

``publish`` is synchronous and never blocks: the hot path (AMI event → routing →
AMI action) must not wait on a slow subscriber. Each subscriber owns an
unbounded queue drained by its own task; its depth is exposed so a slow consumer
is measured instead of silently dropping events.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from callcenter.kernel.logs import call_context
from callcenter.kernel.snapshots import plain

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event on the bus. ``seq`` and ``at`` are stamped by the bus."""

    call_id: str | None = None
    seq: int = 0
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def kind(self) -> str:
        return type(self).__name__


Subscriber = Callable[[DomainEvent], Awaitable[None]]
BatchSubscriber = Callable[[list[DomainEvent]], Awaitable[None]]
Wants = Callable[[DomainEvent], bool]


class _Subscription(NamedTuple):
    name: str
    queue: asyncio.Queue[DomainEvent]
    handler: Subscriber
    wants: Wants | None  # None: every event


class EventBus:
    def __init__(self) -> None:
        self._seq = itertools.count(1)
        self._queues: list[_Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._sync: list[Callable[[DomainEvent], None]] = []
        self._batch_limits: dict[str, tuple[BatchSubscriber, int]] = {}
        self._settle: dict[str, float] = {}
        self._held: dict[str, list[DomainEvent]] = {}  # taken, waiting out ``settle``

    def publish(self, event: DomainEvent) -> DomainEvent:
        stamped = replace(event, seq=next(self._seq))
        for callback in self._sync:
            try:
                callback(stamped)
            except Exception:  # a broken observer must not break the publisher
                log.exception("bus observer failed on %s", stamped.kind)
        for subscription in self._queues:
            if _wanted(subscription, stamped):
                subscription.queue.put_nowait(stamped)
        return stamped

    def observe(self, callback: Callable[[DomainEvent], None]) -> None:
        """Register a synchronous, non-blocking observer (e.g. in-memory projections)."""
        self._sync.append(callback)

    def subscribe(
        self, name: str, handler: Subscriber, *, settle: float = 0.0, wants: Wants | None = None
    ) -> None:
        """Register an async subscriber; it runs in its own task once ``start`` is called.

        ``wants``: the events it is sent (default: all). Asked as each event is published,
        so an event the subscriber would ignore never wakes its task.

        ``settle``: seconds an idle subscriber waits after a new event before handling
        it. Work that can wait (database writes) then keeps clear of the AMI events that
        follow a routing decision within milliseconds, instead of holding the loop while
        they arrive; a backlog is handled without waiting.
        """
        queue: asyncio.Queue[DomainEvent] = asyncio.Queue()
        self._queues.append(_Subscription(name, queue, handler, wants))
        self._settle[name] = settle
        self._held[name] = []
        if self._tasks:  # bus already running
            self._tasks.append(asyncio.create_task(self._drainer(name, queue, handler)))

    def subscribe_batches(
        self,
        name: str,
        handler: BatchSubscriber,
        limit: int = 64,
        *,
        settle: float = 0.0,
        wants: Wants | None = None,
    ) -> None:
        """Like ``subscribe``, but the handler takes what has piled up (at most ``limit``
        events, oldest first) in one call: a database writer commits them together, and
        with ``settle`` it also takes what came while it waited."""

        async def one_at_a_time(event: DomainEvent) -> None:  # the shape _drain expects
            await handler([event])

        self._batch_limits[name] = (handler, limit)
        self.subscribe(name, one_at_a_time, settle=settle, wants=wants)

    def start(self) -> None:
        for name, queue, handler, _ in self._queues:
            self._tasks.append(asyncio.create_task(self._drainer(name, queue, handler)))

    async def stop(self, drain_timeout: float = 5.0) -> None:
        """Give subscribers a moment to finish what was published, then stop them."""
        try:
            await asyncio.wait_for(self.join(), drain_timeout)
        except TimeoutError:
            log.warning("bus stopped with unhandled events: %s", self.backlog())
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def join(self) -> None:
        """Wait until every subscriber has handled everything published so far."""
        for _, queue, _, _ in self._queues:
            await queue.join()

    def take_pending(self, name: str) -> list[DomainEvent]:
        """What subscriber ``name`` had not handled when the bus stopped, oldest first."""
        out: list[DomainEvent] = list(self._held.get(name, []))
        for subscriber, queue, _, _ in self._queues:
            while subscriber == name and not queue.empty():
                out.append(queue.get_nowait())
        return out

    def backlog(self) -> dict[str, int]:
        return {name: queue.qsize() for name, queue, _, _ in self._queues}

    def _drainer(
        self, name: str, queue: asyncio.Queue[DomainEvent], handler: Subscriber
    ) -> Coroutine[Any, Any, None]:
        batched = self._batch_limits.get(name)
        settle = self._settle.get(name, 0.0)
        if batched is not None:
            return self._drain_batches(name, queue, *batched, settle, self._held[name])
        return self._drain(name, queue, handler, settle, self._held[name])

    @staticmethod
    async def _drain_batches(
        name: str,
        queue: asyncio.Queue[DomainEvent],
        handler: BatchSubscriber,
        limit: int,
        settle: float,
        held: list[DomainEvent],
    ) -> None:
        while True:
            batch = [await _next(queue, settle, held)]
            while len(batch) < limit and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await handler(batch)
            except Exception:
                log.exception("subscriber %s failed on %d events", name, len(batch))
            finally:
                for _ in batch:
                    queue.task_done()

    @staticmethod
    async def _drain(
        name: str,
        queue: asyncio.Queue[DomainEvent],
        handler: Subscriber,
        settle: float,
        held: list[DomainEvent],
    ) -> None:
        while True:
            event = await _next(queue, settle, held)
            try:
                with call_context(event.call_id):
                    await handler(event)
            except Exception:
                log.exception("subscriber %s failed on %s", name, event.kind)
            finally:
                queue.task_done()


def _wanted(subscription: _Subscription, event: DomainEvent) -> bool:
    """Whether ``subscription`` is sent ``event``; a broken filter sends it (the handler
    then ignores it) rather than break the publisher or lose it."""
    if subscription.wants is None:
        return True
    try:
        return subscription.wants(event)
    except Exception:
        log.exception("bus filter of %s failed on %s", subscription.name, event.kind)
        return True


async def _next(
    queue: asyncio.Queue[DomainEvent], settle: float, held: list[DomainEvent]
) -> DomainEvent:
    """The next event; one that found the subscriber idle is handled ``settle`` later,
    and meanwhile stays in ``held`` (a stop then still finds it pending)."""
    if not queue.empty() or settle <= 0:
        return await queue.get()
    event = await queue.get()
    held.append(event)
    await asyncio.sleep(settle)
    held.remove(event)
    return event


def event_payload(event: DomainEvent) -> dict[str, Any]:
    """A JSON-ready dict of an event, for the live channel and the audit log."""
    data: dict[str, Any] = plain(event)
    data["kind"] = event.kind
    return data
