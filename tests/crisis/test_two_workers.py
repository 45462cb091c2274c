"""Two outbox workers on one PostgreSQL database never send the same notification twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.bus import EventBus
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import make_engine, make_sessionmaker
from crisis.draft import CaseDraft
from crisis.service import CrisisService
from tests.conftest import create_schema
from tests.crisis.conftest import SECRET, WebhookReceiver, crisis_settings


@pytest.fixture
async def pg_sessions(pg_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(pg_url)
    await create_schema(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_each_notice_is_sent_once_by_two_workers(
    pg_sessions: async_sessionmaker[AsyncSession], receiver: WebhookReceiver, clock: FakeClock
) -> None:
    workers = [
        CrisisService(
            sessions=pg_sessions,
            bus=EventBus(),
            clock=clock,
            settings=crisis_settings(),
            webhook_url=receiver.url,
            webhook_secret=SECRET,
        )
        for _ in range(2)
    ]
    for n in range(10):
        await workers[n % 2].submit(
            CaseDraft(call_id=f"c{n}", caller_number=f"1380000{n:04d}", risk_level="imminent")
        )
    for _ in range(3):
        await asyncio.gather(*(worker.deliver_due() for worker in workers))
    deliveries = [message.delivery for message in receiver.received]
    assert len(deliveries) == 20 and len(set(deliveries)) == 20
    for worker in workers:
        await worker.outbox.aclose()
