"""The live push channel: what a browser receives over ``/api/live``, alone and across workers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
import pytest
import websockets
from hypothesis import given
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from callcenter.app.parts import LIVE_HUB
from callcenter.app.web.fanout import LiveHub
from callcenter.kernel.live import MemoryLive, RedisLive
from callcenter.kernel.runtime import Runtime
from tests.staff import Staff, browser_sign_in, ensure_user
from tests.web.conftest import ApiWorker, live_socket, ws_url

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
    memory_worker: tuple[str, Runtime], staff: Staff
) -> None:
    url, runtime = memory_worker
    await runtime.live.put_snapshot("seats", SEATS)
    await runtime.live.put_snapshot("queue", WAITING)
    async with live_socket(url, staff) as socket:
        first = await _receive(socket)
    assert first["kind"] == "snapshot"
    assert first["seats"]["seats"][0]["seat"] == "8001"
    assert first["queue"]["waiting"][0]["number"] == "+86138******78"
    assert "12345678" not in json.dumps(first)


async def test_a_seat_change_reaches_the_browser_within_a_second(
    memory_worker: tuple[str, Runtime], staff: Staff
) -> None:
    url, runtime = memory_worker
    async with live_socket(url, staff) as socket:
        await _receive(socket)
        changed = {"at": None, "seats": [{"seat": "8001", "state": "paused"}]}
        await runtime.live.put_snapshot("seats", changed)
        await runtime.live.broadcast({"kind": "snapshot"})
        message = await _receive_kind(socket, "snapshot")
    assert message["seats"]["seats"][0]["state"] == "paused"


async def test_domain_events_arrive_without_the_free_text_summary(
    memory_worker: tuple[str, Runtime], staff: Staff
) -> None:
    url, runtime = memory_worker
    async with live_socket(url, staff) as socket:
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
    memory_worker: tuple[str, Runtime], staff: Staff
) -> None:
    url, runtime = memory_worker
    async with contextlib.AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(live_socket(url, staff)) for _ in range(5)]
        for socket in sockets:
            await _receive(socket)
        await runtime.live.broadcast({"kind": "SurgeChanged", "on": True, "open_seats": 20})
        got = [await _receive_kind(socket, "SurgeChanged") for socket in sockets]
        assert all(message["open_seats"] == 20 for message in got)
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
    async with api_worker(RedisLive(redis_url, redis_namespace)) as (url, runtime):
        staff = Staff(httpx.AsyncClient(base_url=url), runtime.sessions, runtime.settings)
        try:
            async with live_socket(url, staff) as socket:
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
    memory_worker: tuple[str, Runtime], staff: Staff
) -> None:
    url, _ = memory_worker
    for role in ("site", "police"):
        with pytest.raises(ConnectionClosed) as refused:
            async with live_socket(url, staff, role) as socket:
                await socket.recv()
        assert refused.value.rcvd is not None
        assert refused.value.rcvd.code == 4403 and "live:watch" in refused.value.rcvd.reason
    async with live_socket(url, staff, "agent") as socket:
        assert (await _receive(socket))["kind"] == "snapshot"


async def test_a_browser_signs_in_with_its_session_cookie_and_is_closed_when_revoked(
    memory_worker: tuple[str, Runtime], staff: Staff
) -> None:
    url, runtime = memory_worker
    runtime.settings.session_recheck_seconds = 0.1
    await ensure_user(runtime.sessions, runtime.settings, "supervisor", "sup-live")
    async with httpx.AsyncClient(base_url=url) as browser:
        await browser_sign_in(browser, "sup-live")
        cookie = f"cc_session={browser.cookies['cc_session']}"
    foreign = {"Cookie": cookie, "Origin": "https://evil.example"}
    with pytest.raises(ConnectionClosed) as hijack:  # a cross-site page cannot borrow it
        async with websockets.connect(ws_url(url), additional_headers=foreign) as socket:
            await socket.send("{}")
            await socket.recv()
    assert hijack.value.rcvd is not None and hijack.value.rcvd.code == 4401
    async with websockets.connect(ws_url(url), additional_headers={"Cookie": cookie}) as socket:
        assert (await _receive(socket))["kind"] == "snapshot"
        admin = await staff.headers("admin")
        revoked = await staff.http.post("/api/users/sup-live/revoke-sessions", headers=admin)
        assert revoked.status_code == 200
        with pytest.raises(ConnectionClosed) as closed:
            await _receive(socket, within=2.0)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
