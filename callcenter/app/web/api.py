"""The browser's HTTP surface: pages, the live push channel, desk look-ups and listen-in.

``GET /api/live`` is a WebSocket: first one snapshot message (seats and queue),
then every live message as JSON (domain events with a ``kind`` key, masked
numbers; snapshot messages carry the seats and queue inline), for hotline staff
with the ``live:watch`` permission. A browser signs in with its session cookie;
an API client sends ``{"token": "<access token>"}`` as its first message (never
in the URL, where proxies log it). The socket is closed with 4401 when nobody
signed in or the session ends (re-checked every few seconds), 4403 when the role
lacks the permission. It works the same with in-process live state and with
Redis pub/sub across several workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field

from callcenter.app.parts import AMI_LINK, LIVE_HUB
from callcenter.app.web.calendar import router as calendar_router
from callcenter.app.web.fanout import Lagging, LiveHub, Subscriber
from callcenter.app.web.login import router as login_router
from callcenter.app.web.pages import router as pages_router
from callcenter.kernel.auth import (
    AUTHENTICATOR,
    Permission,
    Principal,
    Watching,
    forbidden,
    requires,
)
from callcenter.kernel.deps import RuntimeDep, SessionDep
from callcenter.kernel.runtime import Runtime

router = APIRouter()
router.include_router(pages_router)
router.include_router(login_router)
router.include_router(calendar_router)
Watcher = Annotated[Principal | None, Depends(Watching(Permission.LIVE))]
OrdersReader = Annotated[Principal, Depends(requires(Permission.ORDERS_READ))]
Listener = Annotated[Principal, Depends(requires(Permission.LISTEN))]
UNAUTHORISED, FORBIDDEN = 4401, 4403  # WebSocket close codes: HTTP's 401 and 403
FIRST_MESSAGE_SECONDS = 5.0


def live_hub(runtime: Runtime) -> LiveHub:
    """The process's one hub over ``runtime.live`` (created on first use)."""
    hub = runtime.find(LIVE_HUB)
    if hub is None or hub.live is not runtime.live:
        hub = LiveHub(runtime.live)
        runtime.provide(LIVE_HUB, hub)
    return hub


@router.websocket("/api/live")
async def live(websocket: WebSocket, principal: Watcher) -> None:
    """The whole hotline's live stream is for its own staff, not for local sites or police."""
    if principal is not None and not principal.may(Permission.LIVE):
        await websocket.close(code=1008, reason=forbidden(principal, Permission.LIVE).detail)
        return
    runtime: Runtime = websocket.app.state.runtime
    hub = live_hub(runtime)
    await websocket.accept()
    token = None
    if principal is None:
        token = await _token_from_first_message(websocket)
        principal = await runtime.get(AUTHENTICATOR).from_token(token) if token else None
    if principal is None:
        await websocket.close(UNAUTHORISED, "sign in first: a session cookie or a token message")
        return
    if not principal.may(Permission.LIVE):
        await websocket.close(FORBIDDEN, str(forbidden(principal, Permission.LIVE).detail))
        return
    try:
        async with hub.join() as subscriber:
            await websocket.send_text(await hub.current())
            reader = asyncio.create_task(_until_closed(websocket))
            writer = asyncio.create_task(_forward(subscriber, websocket))
            guard = asyncio.create_task(_while_signed_in(websocket, runtime, token))
            _, pending = await asyncio.wait({reader, writer, guard}, return_when="FIRST_COMPLETED")
            for task in pending:
                task.cancel()
            await asyncio.gather(reader, writer, guard, return_exceptions=True)
    except WebSocketDisconnect:
        pass
    except TimeoutError:  # the live state is unreachable; the browser retries
        with contextlib.suppress(Exception):
            await websocket.close(code=1011, reason="live state unavailable")


async def _token_from_first_message(websocket: WebSocket) -> str | None:
    """``{"token": "..."}`` as the first message, within a few seconds; else None."""
    try:
        async with asyncio.timeout(FIRST_MESSAGE_SECONDS):
            text = await websocket.receive_text()
        token = json.loads(text).get("token")
    except (TimeoutError, ValueError, AttributeError, KeyError, RuntimeError, WebSocketDisconnect):
        return None
    return token if isinstance(token, str) and token else None


async def _while_signed_in(websocket: WebSocket, runtime: Runtime, token: str | None) -> None:
    """Closes the socket soon after its session is revoked or its token expires."""
    authenticator = runtime.get(AUTHENTICATOR)
    while True:
        await asyncio.sleep(runtime.settings.session_recheck_seconds)
        if token is not None:
            principal = await authenticator.from_token(token)
        else:
            principal = await authenticator.authenticate(websocket)
        if principal is None or not principal.may(Permission.LIVE):
            with contextlib.suppress(Exception):
                await websocket.close(UNAUTHORISED, "the session ended; sign in again")
            return


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
    call_id: str, session: SessionDep, runtime: RuntimeDep, principal: OrdersReader
) -> dict[str, Any]:
    """Which work order the desk pops for the call ringing at its seat."""
    from workorders.access import open_order
    from workorders.service import order_for_call

    order = await order_for_call(session, call_id)
    if order is None:
        raise HTTPException(404, f"no work order for call {call_id} yet")
    await open_order(session, runtime.live, principal, order, at=runtime.clock.now(), why="pop")
    return {"order_id": order.id, "number": order.number, "call_id": call_id}


class ListenIn(BaseModel):
    seat: str = Field(pattern=r"^\d{3,6}$", examples=["8001"])
    supervisor_phone: str = Field(pattern=r"^[0-9A-Za-z_-]{2,40}$", examples=["8090"])
    whisper: bool = False


@router.post("/api/supervisor/listen")
async def listen(body: ListenIn, runtime: RuntimeDep, principal: Listener) -> dict[str, str]:
    """Ring the supervisor's phone and, when answered, let them hear (or whisper to) a seat."""
    from acd.ami import AmiActionError, AmiNotConnected, AmiTimeout
    from acd.listen import listen_in

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
