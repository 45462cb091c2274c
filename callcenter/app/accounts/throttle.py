"""Sign-in throttling: repeated failures lock an account, or a client address, for a while.

Counts live in Redis when the hotline has one (every API worker sees the same
counts), else in this process. A failure counts toward both the account and the
address; reaching either limit locks that key for the lockout period, and a
locked key refuses even the right password until it expires.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from callcenter.kernel.live import LiveState, RedisLive
from callcenter.kernel.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class ThrottlePolicy:
    account_limit: int
    address_limit: int
    window: timedelta
    lockout: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            account_limit=settings.login_max_failures,
            address_limit=settings.login_address_max_failures,
            window=timedelta(seconds=settings.login_window_seconds),
            lockout=timedelta(seconds=settings.login_lockout_seconds),
        )


class Counter(Protocol):
    async def locked_until(self, key: str, now: datetime) -> datetime | None: ...
    async def fail(self, key: str, now: datetime, window: timedelta) -> int: ...
    async def lock(self, key: str, until: datetime, now: datetime) -> None: ...
    async def clear(self, key: str) -> None: ...


@dataclass
class MemoryCounter:
    failures: dict[str, tuple[int, datetime]] = field(default_factory=dict)  # count, window end
    locks: dict[str, datetime] = field(default_factory=dict)

    async def locked_until(self, key: str, now: datetime) -> datetime | None:
        until = self.locks.get(key)
        if until is not None and until <= now:
            del self.locks[key]
            return None
        return until

    async def fail(self, key: str, now: datetime, window: timedelta) -> int:
        count, ends = self.failures.get(key, (0, now + window))
        if ends <= now:
            count, ends = 0, now + window
        self.failures[key] = (count + 1, ends)
        return count + 1

    async def lock(self, key: str, until: datetime, now: datetime) -> None:
        self.locks[key] = until
        self.failures.pop(key, None)

    async def clear(self, key: str) -> None:
        self.failures.pop(key, None)


class RedisCounter:
    """The same counts in Redis; key expiry does the forgetting."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def locked_until(self, key: str, now: datetime) -> datetime | None:
        ttl = await self.redis.pttl(f"{self.prefix}lock:{key}")
        return now + timedelta(milliseconds=ttl) if ttl > 0 else None

    async def fail(self, key: str, now: datetime, window: timedelta) -> int:
        name = f"{self.prefix}fail:{key}"
        # SET NX PX starts the window once and INCR keeps its expiry (PEXPIRE NX would need
        # Redis 7; this works on the 6.2 many distributions still ship).
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, px=int(window.total_seconds() * 1000), nx=True)
            pipe.incr(name)
            _, count = await pipe.execute()
        return int(count)

    async def lock(self, key: str, until: datetime, now: datetime) -> None:
        milliseconds = max(1, int((until - now).total_seconds() * 1000))
        await self.redis.set(f"{self.prefix}lock:{key}", "1", px=milliseconds)
        await self.redis.delete(f"{self.prefix}fail:{key}")

    async def clear(self, key: str) -> None:
        await self.redis.delete(f"{self.prefix}fail:{key}")


class SharedOrLocal:
    """Redis while the live state reaches it; this process's own counts while Redis is away
    (signing in must not fail with it: a lockout then holds per worker until it is back)."""

    def __init__(self, live: RedisLive) -> None:
        self.live = live
        self.shared = RedisCounter(live.redis, live.key("signin:"))
        self.local = MemoryCounter()

    async def _either(self, use: Callable[[Counter], Awaitable[T]]) -> T:
        if self.live.up:
            try:
                return await use(self.shared)
            except ResponseError as exc:  # Redis answered but refused: a fault, not an outage
                log.error("sign-in counts kept in this process: Redis refused them (%s)", exc)
            except (RedisError, OSError):
                pass
        return await use(self.local)

    async def locked_until(self, key: str, now: datetime) -> datetime | None:
        return await self._either(lambda c: c.locked_until(key, now))

    async def fail(self, key: str, now: datetime, window: timedelta) -> int:
        return await self._either(lambda c: c.fail(key, now, window))

    async def lock(self, key: str, until: datetime, now: datetime) -> None:
        await self._either(lambda c: c.lock(key, until, now))

    async def clear(self, key: str) -> None:
        await self._either(lambda c: c.clear(key))


def make_counter(live: LiveState) -> Counter:
    if isinstance(live, RedisLive):
        return SharedOrLocal(live)
    return MemoryCounter()


@dataclass(frozen=True)
class Verdict:
    locked_until: datetime | None  # None: go ahead and check the password

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


class LoginThrottle:
    def __init__(self, policy: ThrottlePolicy, counter: Counter) -> None:
        self.policy = policy
        self.counter = counter

    @staticmethod
    def _keys(login: str, address: str) -> tuple[str, str]:
        return f"account:{login.lower()}", f"address:{address}"

    async def check(self, login: str, address: str, now: datetime) -> Verdict:
        latest: datetime | None = None
        for key in self._keys(login, address):
            until = await self.counter.locked_until(key, now)
            if until is not None and (latest is None or until > latest):
                latest = until
        return Verdict(locked_until=latest)

    async def failed(self, login: str, address: str, now: datetime) -> bool:
        """Count a failure; True when it locked the account or the address."""
        locked = False
        account, place = self._keys(login, address)
        for key, limit in (
            (account, self.policy.account_limit),
            (place, self.policy.address_limit),
        ):
            if await self.counter.fail(key, now, self.policy.window) >= limit:
                await self.counter.lock(key, now + self.policy.lockout, now)
                locked = True
        return locked

    async def succeeded(self, login: str) -> None:
        await self.counter.clear(self._keys(login, "")[0])
