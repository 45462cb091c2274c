"""An app over a fresh schema, on SQLite and PostgreSQL, with the hotline's fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.app.factory import create_app
from callcenter.kernel.bus import EventBus
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.live import LiveState, MemoryLive
from callcenter.kernel.runtime import Runtime
from callcenter.kernel.settings import Settings
from tests.staff import Staff

MakeRuntime = Callable[..., Runtime]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_runtime(
    database_url: str,
    db_engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
) -> MakeRuntime:
    """A runtime over the test database; settings and live state as the test wants."""

    def make(live: LiveState | None = None, **settings: Any) -> Runtime:
        return Runtime(
            settings=Settings(database_url=database_url, **settings),
            bus=EventBus(),
            engine=db_engine,
            sessions=sessions,
            clock=clock,
            live=live or MemoryLive(),
        )

    return make


@pytest.fixture
def runtime(make_runtime: MakeRuntime) -> Runtime:
    return make_runtime(login_max_failures=3, login_address_max_failures=5)


def client_of(
    runtime: Runtime, base: str = "http://hotline", address: str = "127.0.0.1"
) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(runtime), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base)


@pytest.fixture
async def http(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(runtime) as client:
        yield client


@pytest.fixture
def staff(http: httpx.AsyncClient, runtime: Runtime) -> Staff:
    return Staff(http, runtime.sessions, runtime.settings)
