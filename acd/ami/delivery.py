"""The link's event queue: wire order, bounded, backpressure instead of loss.

When the consumer falls behind and the queue is full, further events wait in an
overflow list and the socket stops being read (the kernel's TCP window then
slows Asterisk down); reading resumes once the overflow has drained. While a
resync snapshot is being listed, newer events are held back and queued after it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Protocol

from acd.ami.messages import AmiEvent


class Pausable(Protocol):
    closed: bool
    transport: Any


class EventDelivery:
    def __init__(self, queue_size: int) -> None:
        self.queue: asyncio.Queue[AmiEvent] = asyncio.Queue(maxsize=queue_size)
        self.pauses = 0
        self._overflow: deque[AmiEvent] = deque()
        self._paused: Pausable | None = None
        self._drainer: asyncio.Task[None] | None = None
        self._held: list[AmiEvent] | None = None

    @property
    def overflow_depth(self) -> int:
        return len(self._overflow)

    @property
    def empty(self) -> bool:
        """Nothing is queued, overflowing or held back: an event may skip the queue."""
        return self._held is None and not self._overflow and self.queue.empty()

    def is_paused(self, source: Pausable) -> bool:
        return self._paused is source

    def put(self, event: AmiEvent, source: Pausable | None) -> None:
        if self._held is not None:
            self._held.append(event)
        else:
            self._put_in_order(event, source)

    def hold(self) -> None:
        if self._held is None:
            self._held = []

    def release(self, first: AmiEvent | None, source: Pausable | None) -> None:
        """Queue ``first`` (a snapshot), then every event held back since ``hold``."""
        held, self._held = self._held or [], None
        for event in [first, *held] if first is not None else held:
            self._put_in_order(event, source)

    async def close(self) -> None:
        if self._drainer is not None:
            self._drainer.cancel()
            await asyncio.gather(self._drainer, return_exceptions=True)

    def _put_in_order(self, event: AmiEvent, source: Pausable | None) -> None:
        if not self._overflow:
            try:
                self.queue.put_nowait(event)
                return
            except asyncio.QueueFull:
                pass
        self._overflow.append(event)
        if source is not None and self._paused is not source and not source.closed:
            source.transport.pause_reading()
            self._paused = source
            self.pauses += 1
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        while self._overflow:
            await self.queue.put(self._overflow[0])
            self._overflow.popleft()
        paused, self._paused = self._paused, None
        if paused is not None and not paused.closed:
            paused.transport.resume_reading()
