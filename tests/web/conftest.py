"""Fixtures for the web tests: an API process (uvicorn on a free port) over chosen live state."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection

from callcenter.app.factory import create_app
from callcenter.kernel.bus import EventBus
from callcenter.kernel.db import make_engine, make_sessionmaker
from callcenter.kernel.live import LiveState, MemoryLive
from callcenter.kernel.runtime import Runtime
from callcenter.kernel.settings import Settings
from tests.conftest import create_schema
from tests.staff import Staff

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


@asynccontextmanager
async def serving(runtime: Runtime) -> AsyncIterator[str]:
    """Run the app over ``runtime`` like one API worker; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


ApiWorker = Callable[[LiveState], AbstractAsyncContextManager[tuple[str, Runtime]]]


@pytest.fixture
def api_worker(tmp_path: Path) -> ApiWorker:
    """Start an API worker (no ACD) over the given live state."""

    @asynccontextmanager
    async def start(live: LiveState) -> AsyncIterator[tuple[str, Runtime]]:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'web.sqlite3'}")
        engine = make_engine(settings.database_url)
        await create_schema(engine)
        runtime = Runtime(
            settings=settings,
            bus=EventBus(),
            engine=engine,
            sessions=make_sessionmaker(engine),
            live=live,
        )
        try:
            async with serving(runtime) as url:
                yield url, runtime
        finally:
            await engine.dispose()

    return start


@pytest.fixture
async def memory_worker(api_worker: ApiWorker) -> AsyncIterator[tuple[str, Runtime]]:
    async with api_worker(MemoryLive()) as started:
        yield started


@pytest.fixture
async def staff(memory_worker: tuple[str, Runtime]) -> AsyncIterator[Staff]:
    """Accounts of the memory worker, signed in through its token endpoint."""
    url, runtime = memory_worker
    async with httpx.AsyncClient(base_url=url) as http:
        yield Staff(http, runtime.sessions, runtime.settings)


@asynccontextmanager
async def live_socket(
    url: str, staff: Staff, role: str = "agent"
) -> AsyncIterator[ClientConnection]:
    """``/api/live`` signed in the API client's way: the token is the first message."""
    token = (await staff.headers(role))["Authorization"].removeprefix("Bearer ")
    async with websockets.connect(ws_url(url)) as socket:
        await socket.send(json.dumps({"token": token}))
        yield socket


def bare_app() -> FastAPI:
    """The production app over a runtime with nothing running: for reading its routes."""
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:")
    engine = make_engine(settings.database_url)
    runtime = Runtime(
        settings=settings, bus=EventBus(), engine=engine, sessions=make_sessionmaker(engine)
    )
    return create_app(runtime)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def ws_url(http_url: str) -> str:
    return http_url.replace("http://", "ws://", 1) + "/api/live"


Json = dict[str, Any]
