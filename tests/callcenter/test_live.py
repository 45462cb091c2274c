"""Snapshots and fan-out behave the same in-process and through the real Redis."""

from __future__ import annotations

import asyncio

import pytest

from callcenter.kernel.live import LiveState, MemoryLive, RedisLive


@pytest.fixture(params=["memory", "redis"])
async def live(request: pytest.FixtureRequest, redis_namespace: str):  # type: ignore[no-untyped-def]
    state: LiveState
    if request.param == "memory":
        state = MemoryLive()
    else:
        state = RedisLive(request.getfixturevalue("redis_url"), redis_namespace)
    yield state
    await state.close()


async def test_snapshot_round_trip(live: LiveState) -> None:
    assert await live.get_snapshot("seats") is None
    await live.put_snapshot("seats", [{"seat": "8001", "state": "available"}])
    assert await live.get_snapshot("seats") == [{"seat": "8001", "state": "available"}]


async def test_an_offered_snapshot_is_what_its_builder_returns_when_read(
    live: LiveState,
) -> None:
    state = {"seat": "8001", "state": "available"}
    builds: list[dict[str, str]] = []

    def build() -> dict[str, str]:
        builds.append(dict(state))
        return dict(state)

    await live.offer_snapshot("seats", build)
    state["state"] = "ringing"
    await live.offer_snapshot("seats", build)
    assert await live.get_snapshot("seats") == {"seat": "8001", "state": "ringing"}
    assert await live.get_snapshot("seats") == {"seat": "8001", "state": "ringing"}
    if isinstance(live, MemoryLive):  # one process: built once, at the read
        assert len(builds) == 1


async def test_broadcast_reaches_every_subscriber(live: LiveState) -> None:
    received: list[list[dict[str, object]]] = [[], []]

    async def follow(index: int) -> None:
        async for message in live.subscribe():
            received[index].append(message)
            if len(received[index]) == 2:
                return

    followers = [asyncio.create_task(follow(i)) for i in range(2)]
    await asyncio.sleep(0.1)  # let both subscriptions register
    await live.broadcast({"kind": "SeatStateChanged", "seat": "8001"})
    await live.broadcast({"kind": "CallWaiting", "call_id": "x"})
    await asyncio.wait_for(asyncio.gather(*followers), timeout=5)
    assert received[0] == received[1]
    assert [m["kind"] for m in received[0]] == ["SeatStateChanged", "CallWaiting"]
