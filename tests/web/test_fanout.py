"""The per-process live hub: one subscription shared by every browser of the process."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from callcenter.app.web.fanout import CLIENT_BACKLOG, Lagging, LiveHub
from callcenter.kernel.live import MemoryLive, RedisLive


async def test_a_browser_joining_as_the_last_one_leaves_still_gets_changes() -> None:
    live = MemoryLive()
    hub = LiveHub(live)
    leaving = hub.join()
    await leaving.__aenter__()
    exit_task = asyncio.create_task(leaving.__aexit__(None, None, None))
    await asyncio.sleep(0)  # the last browser is now stopping the hub's subscription
    async with hub.join() as newcomer:
        await exit_task
        await live.broadcast({"kind": "SurgeChanged", "on": True})
        text = await asyncio.wait_for(newcomer.next(), 1)
    assert '"SurgeChanged"' in text
    assert len(live._listeners) == 0


async def test_one_subscription_serves_every_browser_of_the_process() -> None:
    live = MemoryLive()
    hub = LiveHub(live)
    async with contextlib.AsyncExitStack() as stack:
        browsers = [await stack.enter_async_context(hub.join()) for _ in range(10)]
        assert len(live._listeners) == 1
        await live.broadcast({"kind": "AgentAlert", "seat": "8003"})
        got = [await asyncio.wait_for(b.next(), 1) for b in browsers]
    assert len(set(got)) == 1 and '"8003"' in got[0]


async def test_a_browser_that_stops_reading_is_dropped_not_buffered_forever() -> None:
    live = MemoryLive()
    hub = LiveHub(live)
    async with hub.join() as stalled:
        for n in range(CLIENT_BACKLOG + 5):
            await live.broadcast({"kind": "CallArrived", "n": n})
        await asyncio.sleep(0.05)
        with pytest.raises(Lagging):
            for _ in range(CLIENT_BACKLOG + 5):
                await stalled.next()


async def test_browsers_join_in_process_while_redis_is_unreachable() -> None:
    """Live state falls back to the process while Redis is away: pages keep working."""
    live = RedisLive("redis://127.0.0.1:1/0")  # nothing listens on port 1
    hub = LiveHub(live, subscribe_timeout=0.3)
    try:
        async with asyncio.timeout(3), hub.join() as browser:
            assert hub.clients == 1
            await live.broadcast({"kind": "SurgeChanged", "on": True})
            assert '"SurgeChanged"' in await browser.next()
        assert hub.clients == 0
    finally:
        await live.close()
