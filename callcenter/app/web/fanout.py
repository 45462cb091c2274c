"""One live subscription per API process, fanned out to every connected browser.

Each worker process subscribes once to ``runtime.live`` (in-process queues, or
Redis pub/sub when several workers run) and hands every message, encoded to
JSON once, to each browser's queue. A ``{"kind": "snapshot"}`` notice is
enriched here with the seat and queue snapshots, read once per notice instead of
once per browser. Numbers in the queue are masked: browsers never get full ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from callcenter.kernel.live import LiveState
from callcenter.kernel.phone import mask

log = logging.getLogger(__name__)

# A browser this far behind is dropped; it reconnects and starts from a fresh snapshot.
CLIENT_BACKLOG = 256
# Free text stays out of the broadcast: desks read an order's content through the API.
PRIVATE_FIELDS = ("summary",)


class Lagging(Exception):
    """The browser did not keep up with the live stream."""


class Subscriber:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()

    def offer(self, text: str) -> None:
        if self.queue.qsize() >= CLIENT_BACKLOG:
            self.queue.put_nowait(None)  # the writer sees None and drops this browser
            return
        self.queue.put_nowait(text)

    async def next(self) -> str:
        text = await self.queue.get()
        if text is None:
            raise Lagging
        return text


class LiveHub:
    def __init__(self, live: LiveState, *, subscribe_timeout: float = 5.0) -> None:
        self.live = live
        self.subscribe_timeout = subscribe_timeout
        self._subscribers: set[Subscriber] = set()
        self._pump: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    @property
    def clients(self) -> int:
        return len(self._subscribers)

    @contextlib.asynccontextmanager
    async def join(self) -> AsyncIterator[Subscriber]:
        """Follow the live stream while inside; the pump runs while anyone follows.

        Raises TimeoutError when the live state cannot be subscribed to (Redis down).
        """
        subscriber = Subscriber()
        self._subscribers.add(subscriber)
        if self._pump is None or self._pump.done():
            self._subscribed = asyncio.Event()
            self._pump = asyncio.create_task(self._run(self._subscribed), name="web-live-hub")
        subscribed = self._subscribed
        try:
            # Wait until the subscription is live, so nothing published after
            # join() returns can be missed (Redis subscribes asynchronously).
            await asyncio.wait_for(subscribed.wait(), self.subscribe_timeout)
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)
            if not self._subscribers and self._pump is not None:
                # Detach before awaiting, so a browser joining meanwhile starts a new pump.
                pump, self._pump = self._pump, None
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pump

    async def current(self) -> str:
        """The snapshot message a browser gets first, before any live change."""
        return json.dumps(await self.snapshot(), default=str)

    async def _run(self, subscribed: asyncio.Event) -> None:
        while True:
            stream = self.live.subscribe()
            first = asyncio.ensure_future(anext(stream))
            try:
                await _settle(first)
                subscribed.set()
                await self._deliver(await first)
                async for message in stream:
                    await self._deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live subscription failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
            finally:
                if not first.done():
                    first.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await first
                close = getattr(stream, "aclose", None)  # async generators have it
                if close is not None:
                    with contextlib.suppress(Exception):
                        await close()

    async def _deliver(self, message: dict[str, Any]) -> None:
        if message.get("kind") == "snapshot":
            outgoing = await self.snapshot()
        else:
            outgoing = {k: v for k, v in message.items() if k not in PRIVATE_FIELDS}
        text = json.dumps(outgoing, default=str)
        for subscriber in list(self._subscribers):
            subscriber.offer(text)

    async def snapshot(self) -> dict[str, Any]:
        seats = await self.live.get_snapshot("seats") or {"at": None, "seats": []}
        queue = await self.live.get_snapshot("queue") or {"at": None, "waiting": []}
        waiting = [_masked(entry) for entry in queue.get("waiting", [])]
        return {"kind": "snapshot", "seats": seats, "queue": {**queue, "waiting": waiting}}


def _masked(entry: dict[str, Any]) -> dict[str, Any]:
    if isinstance(entry.get("number"), str):
        return {**entry, "number": mask(entry["number"])}
    return entry


async def _settle(first: asyncio.Future[dict[str, Any]]) -> None:
    """Give the subscription a moment to reach the broker (Redis SUBSCRIBE round trip)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(first), 0.05)
