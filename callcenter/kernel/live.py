"""Live state shared with every API worker: seat and queue snapshots, and event fan-out.

Two implementations of one interface: ``MemoryLive`` when there is a single
process and no Redis, ``RedisLive`` when ``CALLCENTER_REDIS_URL`` is set. The ACD
offers snapshots with ``offer_snapshot`` (never awaited on the hot path: the shell
schedules it; in one process they are built only when read), API handlers read
them with ``get_snapshot``, and browsers follow ``subscribe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from redis.asyncio import Redis

log = logging.getLogger(__name__)

CHANNEL = "events"


class LiveState(Protocol):
    async def put_snapshot(self, name: str, data: Any) -> None: ...
    async def offer_snapshot(self, name: str, build: Callable[[], Any]) -> None:
        """The snapshot is what ``build`` returns: built now where other processes read
        it (Redis), or at the first read after this offer where only this one does."""
        ...

    async def get_snapshot(self, name: str) -> Any: ...
    async def broadcast(self, message: dict[str, Any]) -> None: ...
    @property
    def heard(self) -> bool:
        """False when a broadcast now would reach nobody: a sender may skip building it."""
        ...

    def subscribe(self) -> AsyncIterator[dict[str, Any]]: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class MemoryLive:
    def __init__(self) -> None:
        self._snapshots: dict[str, Any] = {}
        self._builders: dict[str, Callable[[], Any]] = {}
        self._listeners: set[asyncio.Queue[dict[str, Any]]] = set()

    async def put_snapshot(self, name: str, data: Any) -> None:
        self._snapshots[name] = data
        self._builders.pop(name, None)

    async def offer_snapshot(self, name: str, build: Callable[[], Any]) -> None:
        # The ACD offers one after every routing change; most are never read.
        self._builders[name] = build

    async def get_snapshot(self, name: str) -> Any:
        build = self._builders.pop(name, None)
        if build is not None:
            self._snapshots[name] = build()
        return self._snapshots.get(name)

    @property
    def heard(self) -> bool:
        return bool(self._listeners)

    async def broadcast(self, message: dict[str, Any]) -> None:
        for queue in list(self._listeners):
            if queue.qsize() < 1000:  # a stalled browser must not grow memory forever
                queue.put_nowait(message)

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.listen(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self.forget(queue)

    def listen(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._listeners.add(queue)

    def forget(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._listeners.discard(queue)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._listeners.clear()


class RedisLive:
    """Snapshots as Redis strings, fan-out through Redis pub/sub, all under one namespace.

    While Redis is away everything runs in-process instead (snapshots kept here,
    messages to this process's subscribers), nothing waits longer than ``timeout``
    for it, and a probe brings Redis back into use once it answers again.
    """

    def __init__(self, url: str, namespace: str = "callcenter", *, timeout: float = 0.5) -> None:
        self._redis: Redis = Redis.from_url(
            url, decode_responses=True, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        # A subscription idles between messages: no read timeout, but keep-alive checks.
        self._subscriber: Redis = Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=timeout, health_check_interval=5
        )
        self._ns = namespace
        self._local = MemoryLive()
        self._up = asyncio.Event()
        self._up.set()
        self._probe: asyncio.Task[None] | None = None
        self.outages = 0

    @property
    def up(self) -> bool:
        return self._up.is_set()

    @property
    def redis(self) -> Redis:
        """The shared client, for other shared counters (sign-in throttling)."""
        return self._redis

    def key(self, name: str) -> str:
        return self._key(name)

    @property
    def heard(self) -> bool:
        return True  # other processes' browsers listen through Redis: nobody can tell

    def _key(self, name: str) -> str:
        return f"{self._ns}:{name}"

    async def put_snapshot(self, name: str, data: Any) -> None:
        await self._local.put_snapshot(name, data)
        if self.up:
            try:
                await self._redis.set(self._key(f"snapshot:{name}"), json.dumps(data, default=str))
            except Exception as exc:
                self._down(exc)

    async def offer_snapshot(self, name: str, build: Callable[[], Any]) -> None:
        await self.put_snapshot(name, build())  # API workers read it from Redis

    async def get_snapshot(self, name: str) -> Any:
        if self.up:
            try:
                raw = await self._redis.get(self._key(f"snapshot:{name}"))
                return None if raw is None else json.loads(raw)
            except Exception as exc:
                self._down(exc)
        return await self._local.get_snapshot(name)

    async def broadcast(self, message: dict[str, Any]) -> None:
        if self.up:
            try:
                await self._redis.publish(self._key(CHANNEL), json.dumps(message, default=str))
                return
            except Exception as exc:
                self._down(exc)
        await self._local.broadcast(message)

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """Redis messages while it is up, this process's own while it is down."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._local.listen(queue)
        pump = asyncio.create_task(self._pump(queue), name="live-redis-subscription")
        try:
            while True:
                yield await queue.get()
        finally:
            self._local.forget(queue)
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump

    async def _pump(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            await self._up.wait()
            pubsub = self._subscriber.pubsub()
            try:
                await pubsub.subscribe(self._key(CHANNEL))
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        queue.put_nowait(json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._down(exc)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _down(self, exc: BaseException) -> None:
        if not self.up:
            return
        self.outages += 1
        log.warning("Redis unavailable (%s): live state runs in-process until it is back", exc)
        self._up.clear()
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._wait_for_redis(), name="live-redis-probe")

    async def _wait_for_redis(self) -> None:
        while not self.up:
            await asyncio.sleep(1.0)
            with contextlib.suppress(Exception):
                if await self._redis.ping():
                    log.warning("Redis is back: live state is shared again")
                    self._up.set()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)
        await self._local.close()
        await self._redis.aclose()
        await self._subscriber.aclose()


def make_live(redis_url: str | None, namespace: str = "callcenter") -> LiveState:
    if redis_url:
        return RedisLive(redis_url, namespace)
    return MemoryLive()
