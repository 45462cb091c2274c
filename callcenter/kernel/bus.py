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
from typing import Any

from callcenter.kernel.logs import call_context

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


class EventBus:
    def __init__(self) -> None:
        self._seq = itertools.count(1)
        self._queues: list[tuple[str, asyncio.Queue[DomainEvent], Subscriber]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._sync: list[Callable[[DomainEvent], None]] = []
        self._batch_limits: dict[str, tuple[BatchSubscriber, int, float]] = {}
        # events a lingering batch subscriber holds, not yet handed to its handler
        self._held: dict[str, list[DomainEvent]] = {}

    def publish(self, event: DomainEvent) -> DomainEvent:
        stamped = replace(event, seq=next(self._seq))
        for callback in self._sync:
            try:
                callback(stamped)
            except Exception:  # a broken observer must not break the publisher
                log.exception("bus observer failed on %s", stamped.kind)
        for _, queue, _ in self._queues:
            queue.put_nowait(stamped)
        return stamped

    def observe(self, callback: Callable[[DomainEvent], None]) -> None:
        """Register a synchronous, non-blocking observer (e.g. in-memory projections)."""
        self._sync.append(callback)

    def subscribe(self, name: str, handler: Subscriber) -> None:
        """Register an async subscriber; it runs in its own task once ``start`` is called."""
        queue: asyncio.Queue[DomainEvent] = asyncio.Queue()
        self._queues.append((name, queue, handler))
        if self._tasks:  # bus already running
            self._tasks.append(asyncio.create_task(self._drainer(name, queue, handler)))

    def subscribe_batches(
        self, name: str, handler: BatchSubscriber, limit: int = 64, linger: float = 0.0
    ) -> None:
        """Like ``subscribe``, but the handler takes what has piled up (at most ``limit``
        events, oldest first) in one call: a database writer commits them together.

        ``linger`` (seconds) waits that long after the first event of a batch for more to
        pile up: events that come a few milliseconds apart then share one call."""

        async def one_at_a_time(event: DomainEvent) -> None:  # the shape _drain expects
            await handler([event])

        self.subscribe(name, one_at_a_time)
        self._batch_limits[name] = (handler, limit, linger)

    def start(self) -> None:
        for name, queue, handler in self._queues:
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
        for _, queue, _ in self._queues:
            await queue.join()

    def take_pending(self, name: str) -> list[DomainEvent]:
        """What subscriber ``name`` had not handled when the bus stopped, oldest first."""
        out: list[DomainEvent] = self._held.pop(name, [])
        for subscriber, queue, _ in self._queues:
            while subscriber == name and not queue.empty():
                out.append(queue.get_nowait())
        return out

    def backlog(self) -> dict[str, int]:
        return {name: queue.qsize() for name, queue, _ in self._queues}

    def _drainer(
        self, name: str, queue: asyncio.Queue[DomainEvent], handler: Subscriber
    ) -> Coroutine[Any, Any, None]:
        batched = self._batch_limits.get(name)
        if batched is not None:
            return self._drain_batches(name, queue, *batched)
        return self._drain(name, queue, handler)

    async def _drain_batches(
        self,
        name: str,
        queue: asyncio.Queue[DomainEvent],
        handler: BatchSubscriber,
        limit: int,
        linger: float,
    ) -> None:
        while True:
            batch = [await queue.get()]
            if linger > 0 and queue.qsize() < limit - 1:
                # held where take_pending finds them, should the bus stop meanwhile
                self._held[name] = batch
                await asyncio.sleep(linger)
                del self._held[name]
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
    async def _drain(name: str, queue: asyncio.Queue[DomainEvent], handler: Subscriber) -> None:
        while True:
            event = await queue.get()
            try:
                with call_context(event.call_id):
                    await handler(event)
            except Exception:
                log.exception("subscriber %s failed on %s", name, event.kind)
            finally:
                queue.task_done()


def event_payload(event: DomainEvent) -> dict[str, Any]:
    """A JSON-ready dict of an event, for the live channel and the audit log."""
    from dataclasses import asdict

    data = asdict(event)
    data["kind"] = event.kind
    for key, value in list(data.items()):
        if isinstance(value, datetime):
            data[key] = value.isoformat()
        elif hasattr(value, "value"):
            data[key] = value.value
    return data
