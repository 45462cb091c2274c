"""The browser's HTTP surface: pages, the live push channel, desk look-ups and listen-in.

``GET /api/live`` is a WebSocket: first one snapshot message (seats and queue),
then every live message as JSON (domain events with a ``kind`` key, masked
numbers; snapshot messages carry the seats and queue inline), for hotline staff
only (agent, supervisor, ops roles). It works the same
with in-process live state and with Redis pub/sub across several workers.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, HTTPException, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field

from callcenter.app.parts import AMI_LINK, LIVE_HUB
from callcenter.app.web.calendar import router as calendar_router
from callcenter.app.web.fanout import Lagging, LiveHub, Subscriber
from callcenter.app.web.pages import router as pages_router
from callcenter.kernel.auth import Role
from callcenter.kernel.deps import PrincipalDep, RuntimeDep, SessionDep
from callcenter.kernel.runtime import Runtime

router = APIRouter()
router.include_router(pages_router)
router.include_router(calendar_router)


def live_hub(runtime: Runtime) -> LiveHub:
    """The process's one hub over ``runtime.live`` (created on first use)."""
    hub = runtime.find(LIVE_HUB)
    if hub is None or hub.live is not runtime.live:
        hub = LiveHub(runtime.live)
        runtime.provide(LIVE_HUB, hub)
    return hub


# The whole hotline's live stream is for its own staff, not for local sites or police.
LIVE_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.OPS})


@router.websocket("/api/live")
async def live(websocket: WebSocket, principal: PrincipalDep) -> None:
    if principal.role not in LIVE_ROLES:
        await websocket.close(code=1008, reason="the live stream is for hotline staff")
        return
    hub = live_hub(websocket.app.state.runtime)
    await websocket.accept()
    try:
        async with hub.join() as subscriber:
            await websocket.send_text(await hub.current())
            reader = asyncio.create_task(_until_closed(websocket))
            writer = asyncio.create_task(_forward(subscriber, websocket))
            _, pending = await asyncio.wait({reader, writer}, return_when="FIRST_COMPLETED")
            for task in pending:
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)
    except WebSocketDisconnect:
        pass
    except TimeoutError:  # the live state is unreachable; the browser retries
        with contextlib.suppress(Exception):
            await websocket.close(code=1011, reason="live state unavailable")


async def _until_closed(websocket: WebSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _forward(subscriber: Subscriber, websocket: WebSocket) -> None:
    try:
        while True:
            await websocket.send_text(await subscriber.next())
    except Lagging:
        with contextlib.suppress(Exception):
            await websocket.close(code=1013, reason="too far behind; reconnect")


@router.get("/api/desk/calls/{call_id}/order")
async def order_of_call(
    call_id: str, session: SessionDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Which work order the desk pops for the call ringing at its seat."""
    from workorders.access import READERS, require
    from workorders.service import order_for_call

    require(principal, READERS, "read work orders")
    order = await order_for_call(session, call_id)
    if order is None:
        raise HTTPException(404, f"no work order for call {call_id} yet")
    return {"order_id": order.id, "number": order.number, "call_id": call_id}


class ListenIn(BaseModel):
    seat: str = Field(pattern=r"^\d{3,6}$", examples=["8001"])
    supervisor_phone: str = Field(pattern=r"^[0-9A-Za-z_-]{2,40}$", examples=["8090"])
    whisper: bool = False


@router.post("/api/supervisor/listen")
async def listen(body: ListenIn, runtime: RuntimeDep, principal: PrincipalDep) -> dict[str, str]:
    """Ring the supervisor's phone and, when answered, let them hear (or whisper to) a seat."""
    from acd.ami import AmiActionError, AmiNotConnected, AmiTimeout
    from acd.listen import listen_in

    if principal.role is not Role.SUPERVISOR:
        raise HTTPException(403, "supervisors only")
    settings = runtime.settings
    if body.seat not in {*settings.seat_extensions, settings.callback_seat}:
        raise HTTPException(404, f"unknown seat {body.seat}")
    ami = runtime.get(AMI_LINK)
    try:
        channel_id = await listen_in(ami, body.seat, body.supervisor_phone, whisper=body.whisper)
    except AmiNotConnected as exc:
        raise HTTPException(503, str(exc)) from exc
    except AmiTimeout as exc:
        raise HTTPException(504, str(exc)) from exc
    except AmiActionError as exc:
        raise HTTPException(502, f"Asterisk refused the listen call: {exc}") from exc
    return {"status": "ringing", "channel_id": channel_id}
