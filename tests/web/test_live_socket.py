"""The live push channel: what a browser receives over ``/api/live``, alone and across workers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from hypothesis import given
from hypothesis import strategies as st
from websockets.exceptions import InvalidStatus

from callcenter.app.parts import LIVE_HUB
from callcenter.app.web.fanout import LiveHub
from callcenter.kernel.live import MemoryLive, RedisLive
from callcenter.kernel.runtime import Runtime
from tests.web.conftest import ApiWorker, ws_url

SEATS = {"at": "2026-01-01T08:00:00+00:00", "seats": [{"seat": "8001", "state": "available"}]}
WAITING = {"at": None, "waiting": [{"call_id": "c1", "number": "+8613812345678", "waited": 3.0}]}


async def _receive(socket: Any, within: float = 1.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), within))
    return message


async def _receive_kind(socket: Any, kind: str, within: float = 1.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        left = deadline - asyncio.get_running_loop().time()
        message = await _receive(socket, max(left, 0.001))
        if message.get("kind") == kind:
            return message


async def test_first_message_is_the_current_snapshot_with_masked_numbers(
    memory_worker: tuple[str, Runtime],
) -> None:
    url, runtime = memory_worker
    await runtime.live.put_snapshot("seats", SEATS)
    await runtime.live.put_snapshot("queue", WAITING)
    async with websockets.connect(ws_url(url)) as socket:
        first = await _receive(socket)
    assert first["kind"] == "snapshot"
    assert first["seats"]["seats"][0]["seat"] == "8001"
    assert first["queue"]["waiting"][0]["number"] == "+86138******78"
    assert "12345678" not in json.dumps(first)


async def test_a_seat_change_reaches_the_browser_within_a_second(
    memory_worker: tuple[str, Runtime],
) -> None:
    url, runtime = memory_worker
    async with websockets.connect(ws_url(url)) as socket:
        await _receive(socket)
        changed = {"at": None, "seats": [{"seat": "8001", "state": "paused"}]}
        await runtime.live.put_snapshot("seats", changed)
        await runtime.live.broadcast({"kind": "snapshot"})
        message = await _receive_kind(socket, "snapshot")
    assert message["seats"]["seats"][0]["state"] == "paused"


async def test_domain_events_arrive_without_the_free_text_summary(
    memory_worker: tuple[str, Runtime],
) -> None:
    url, runtime = memory_worker
    async with websockets.connect(ws_url(url)) as socket:
        await _receive(socket)
        await runtime.live.broadcast(
            {
                "kind": "WorkOrderUpdated",
                "order_id": 7,
                "summary": "孩子说不想活了",
                "risk_level": "high",
            }
        )
        message = await _receive_kind(socket, "WorkOrderUpdated")
    assert message["order_id"] == 7 and message["risk_level"] == "high"
    assert "summary" not in message


async def test_every_browser_gets_every_change_and_the_hub_stops_when_they_leave(
    memory_worker: tuple[str, Runtime],
) -> None:
    url, runtime = memory_worker
    sockets = [await websockets.connect(ws_url(url)) for _ in range(5)]
    try:
        for socket in sockets:
            await _receive(socket)
        await runtime.live.broadcast({"kind": "SurgeChanged", "on": True, "open_seats": 20})
        got = [await _receive_kind(socket, "SurgeChanged") for socket in sockets]
        assert all(message["open_seats"] == 20 for message in got)
    finally:
        for socket in sockets:
            await socket.close()
    hub = runtime.get(LIVE_HUB)
    for _ in range(100):
        if hub.clients == 0:
            break
        await asyncio.sleep(0.02)
    assert hub.clients == 0
    assert not runtime.live._listeners  # the process no longer follows the live state


async def test_a_change_published_by_one_worker_reaches_browsers_of_another(
    api_worker: ApiWorker, redis_url: str, redis_namespace: str
) -> None:
    """Several API workers: the ACD's worker writes, a browser on another worker sees it."""
    acd_side = RedisLive(redis_url, redis_namespace)
    async with api_worker(RedisLive(redis_url, redis_namespace)) as (url, _):
        try:
            async with websockets.connect(ws_url(url)) as socket:
                await _receive(socket)
                await acd_side.put_snapshot("seats", SEATS)
                await acd_side.put_snapshot("queue", WAITING)
                await acd_side.broadcast({"kind": "snapshot"})
                message = await _receive_kind(socket, "snapshot")
        finally:
            await acd_side.close()
    assert message["seats"] == SEATS
    assert message["queue"]["waiting"][0]["number"] == "+86138******78"


# Numbers as callers have them: mobiles, landlines with area code, E.164.
@given(st.from_regex(r"(\+86)?1[0-9]{10}|0[0-9]{9,11}|\+[1-9][0-9]{7,13}", fullmatch=True))
def test_queue_numbers_in_a_snapshot_never_leave_in_full(number: str) -> None:
    async def snapshot() -> dict[str, Any]:
        live = MemoryLive()
        await live.put_snapshot("queue", {"at": None, "waiting": [{"number": number}]})
        return await LiveHub(live).snapshot()

    shown = asyncio.run(snapshot())["queue"]["waiting"][0]["number"]
    assert shown != number and len(shown) == len(number)
    assert shown[-2:] == number[-2:]


async def test_site_and_police_users_are_refused_the_hotline_live_stream(
    memory_worker: tuple[str, Runtime],
) -> None:
    url, _ = memory_worker
    for headers in ({"X-Role": "site", "X-Site": "3"}, {"X-Role": "police"}):
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(ws_url(url), additional_headers=headers):
                pass
        assert refused.value.response.status_code == 403
    async with websockets.connect(ws_url(url), additional_headers={"X-Role": "agent"}) as socket:
        assert (await _receive(socket))["kind"] == "snapshot"
