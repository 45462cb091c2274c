"""Live state shared with every API worker: seat and queue snapshots, and event fan-out.

Two implementations of one interface: ``MemoryLive`` when there is a single
process and no Redis, ``RedisLive`` when ``CALLCENTER_REDIS_URL`` is set. The ACD
writes snapshots with ``put_snapshot`` (never awaited on the hot path: the shell
schedules it), API handlers read them with ``get_snapshot``, and browsers follow
``subscribe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol

from redis.asyncio import Redis

log = logging.getLogger(__name__)

CHANNEL = "events"


class LiveState(Protocol):
    async def put_snapshot(self, name: str, data: Any) -> None: ...
    async def get_snapshot(self, name: str) -> Any: ...
    async def broadcast(self, message: dict[str, Any]) -> None: ...
    def subscribe(self) -> AsyncIterator[dict[str, Any]]: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class MemoryLive:
    def __init__(self) -> None:
        self._snapshots: dict[str, Any] = {}
        self._listeners: set[asyncio.Queue[dict[str, Any]]] = set()

    async def put_snapshot(self, name: str, data: Any) -> None:
        self._snapshots[name] = data

    async def get_snapshot(self, name: str) -> Any:
        return self._snapshots.get(name)

    async def broadcast(self, message: dict[str, Any]) -> None:
        for queue in list(self._listeners):
            if queue.qsize() < 1000:  # a stalled browser must not grow memory forever
                queue.put_nowait(message)

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._listeners.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._listeners.discard(queue)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._listeners.clear()


class RedisLive:
    """Snapshots as Redis strings, fan-out through Redis pub/sub, all under one namespace."""

    def __init__(self, url: str, namespace: str = "callcenter") -> None:
        self._redis: Redis = Redis.from_url(url, decode_responses=True)
        self._ns = namespace

    @property
    def redis(self) -> Redis:
        """The shared client, for other shared counters (sign-in throttling)."""
        return self._redis

    def key(self, name: str) -> str:
        return self._key(name)

    def _key(self, name: str) -> str:
        return f"{self._ns}:{name}"

    async def put_snapshot(self, name: str, data: Any) -> None:
        await self._redis.set(self._key(f"snapshot:{name}"), json.dumps(data, default=str))

    async def get_snapshot(self, name: str) -> Any:
        raw = await self._redis.get(self._key(f"snapshot:{name}"))
        return None if raw is None else json.loads(raw)

    async def broadcast(self, message: dict[str, Any]) -> None:
        await self._redis.publish(self._key(CHANNEL), json.dumps(message, default=str))

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._key(CHANNEL))
        try:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    yield json.loads(message["data"])
        finally:
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe()
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self._redis.aclose()


def make_live(redis_url: str | None, namespace: str = "callcenter") -> LiveState:
    if redis_url:
        return RedisLive(redis_url, namespace)
    return MemoryLive()
