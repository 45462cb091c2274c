"""A minimal app with the work-order routers, on SQLite and PostgreSQL, with a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import transaction
from callcenter.kernel.runtime import Runtime
from callcenter.kernel.settings import Settings
from tests.staff import Staff
from workorders.models import WorkOrder
from workorders.service import mark_answered, open_for_call

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def published() -> list[DomainEvent]:
    return []


@pytest.fixture
def runtime(
    database_url: str,
    db_engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    published: list[DomainEvent],
) -> Runtime:
    bus = EventBus()
    bus.observe(published.append)
    return Runtime(
        settings=Settings(database_url=database_url),
        bus=bus,
        engine=db_engine,
        sessions=sessions,
        clock=clock,
    )


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    """The production application (every router, the error mapping) over this runtime."""
    from callcenter.app.factory import create_app

    return create_app(runtime)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Nobody signed in."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hotline") as http:
        yield http


@pytest.fixture
def staff(client: httpx.AsyncClient, runtime: Runtime) -> Staff:
    return Staff(client, runtime.sessions, runtime.settings)


@pytest.fixture
async def agent(staff: Staff) -> httpx.AsyncClient:
    """Counsellor agent-li, who answers the calls ``arrive`` makes."""
    return await staff.client("agent", "agent-li")


@pytest.fixture
async def supervisor(staff: Staff) -> httpx.AsyncClient:
    return await staff.client("supervisor")


@pytest.fixture
async def ops(staff: Staff) -> httpx.AsyncClient:
    return await staff.client("ops")


async def arrive(
    sessions: async_sessionmaker[AsyncSession],
    call_id: str,
    caller: str,
    at: datetime,
    *,
    answered_by: str | None = "agent-li",
    tags: tuple[str, ...] = (),
) -> WorkOrder:
    """A call arrives (and, unless ``answered_by`` is None, an agent answers it)."""
    async with transaction(sessions) as session:
        order = await open_for_call(
            session, zone=SHANGHAI, call_id=call_id, caller_number=caller, at=at, tags=tags
        )
        if answered_by is not None:
            answered = await mark_answered(
                session, call_id=call_id, seat="8001", agent=answered_by, at=at
            )
            assert answered is not None
            order = answered
    return order
