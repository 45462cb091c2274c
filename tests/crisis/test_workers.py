"""The running workers on the real clock: they sleep until their next deadline or retry,
yet act on it when it comes, and an idle worker leaves the database alone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.clock import SystemClock
from crisis.draft import CaseDraft
from crisis.events import AlertReason, CrisisAlert
from crisis.service import CrisisService
from tests.crisis.conftest import SECRET, WebhookReceiver, crisis_settings

ACK_DEADLINE = 1.5  # seconds
RETRY = 1.0  # seconds before the first retry of a refused webhook


@pytest.fixture
async def running(
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    receiver: WebhookReceiver,
) -> AsyncIterator[CrisisService]:
    """Workers that would poll a second apart: only their deadlines may wake them sooner."""
    service = CrisisService(
        sessions=sessions,
        bus=bus,
        clock=SystemClock(),
        settings=crisis_settings(
            ack_deadline_seconds=ACK_DEADLINE,
            retry_base_seconds=RETRY / 2,  # base * 2 ** attempt
            worker_poll_seconds=1.0,
            worker_idle_seconds=30,
        ),
        webhook_url=receiver.url,
        webhook_secret=SECRET,
    )
    workers = asyncio.create_task(service.run_workers())
    await asyncio.sleep(0.2)  # past the first passes
    try:
        yield service
    finally:
        workers.cancel()
        await asyncio.gather(workers, return_exceptions=True)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", count)


async def wait_for(condition: Callable[[], bool], within: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, "not in time"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def test_a_missed_acknowledgement_alerts_within_a_moment_of_its_deadline(
    running: CrisisService, published: list[DomainEvent]
) -> None:
    def overdue() -> bool:
        return any(
            isinstance(e, CrisisAlert) and e.reason is AlertReason.ACK_OVERDUE for e in published
        )

    started = time.monotonic()  # the deadline runs from a moment inside ``submit``
    await running.submit(
        CaseDraft(call_id="c1", caller_number="13800000001", risk_level="imminent")
    )
    submitted = time.monotonic() - started
    await wait_for(overdue, within=ACK_DEADLINE + 5)
    elapsed = time.monotonic() - started
    assert ACK_DEADLINE - 0.05 <= elapsed <= submitted + ACK_DEADLINE + 0.5


async def test_a_refused_webhook_is_retried_when_its_retry_is_due(
    running: CrisisService, receiver: WebhookReceiver
) -> None:
    receiver.status = 503
    await running.submit(
        CaseDraft(call_id="c1", caller_number="13800000001", risk_level="imminent")
    )
    await asyncio.sleep(0.3)  # the first attempt is refused
    receiver.status = 200
    elapsed = await wait_for(lambda: len(receiver.received) > 0, within=RETRY + 5)
    assert elapsed <= RETRY + 0.5


async def test_idle_workers_leave_the_database_alone(
    running: CrisisService, db_engine: AsyncEngine
) -> None:
    with statements(db_engine) as seen:
        await asyncio.sleep(3)  # three polls' worth, had they polled
    assert seen == []
