"""The real path, through the bus and the running workers: the agent marks imminent risk on
the work order → evaluation → escalation row → outbox → signed webhook delivered → notified."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.bus import EventBus
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import transaction
from crisis.models import Escalation
from crisis.service import CrisisService
from tests.crisis.conftest import WebhookReceiver
from workorders.events import WorkOrderUpdated

NOTIFY_WITHIN_SECONDS = 60


def imminent_order() -> WorkOrderUpdated:
    return WorkOrderUpdated(
        call_id="1764295200.17",
        order_id=17,
        number="12355-20261128-0017",
        caller_number="13800000017",
        risk_level="imminent",
        summary="来电者在天台，说不想活了",
        category="psychological",
        subcategory=None,
        status="in_progress",
        agent="agent-li",
        age_group="15-17",
        gender=None,
        identity=None,
        city="郑州市",
        county="金水区",
        changed=("risk_level",),
    )


async def stage_of(sessions: async_sessionmaker[AsyncSession]) -> str | None:
    async with transaction(sessions) as session:
        row = (await session.scalars(select(Escalation))).first()
        return row.stage if row is not None else None


async def test_flagging_imminent_risk_reaches_notified_within_a_minute(
    crisis: CrisisService,
    bus: EventBus,
    sessions: async_sessionmaker[AsyncSession],
    receiver: WebhookReceiver,
    clock: FakeClock,
) -> None:
    bus.subscribe("crisis", crisis.on_event)
    bus.start()
    workers = asyncio.create_task(crisis.run_workers())
    try:
        started = time.monotonic()
        bus.publish(imminent_order())
        while await stage_of(sessions) != "notified":
            assert time.monotonic() - started < NOTIFY_WITHIN_SECONDS, "not notified in time"
            await asyncio.sleep(0.01)
        elapsed = time.monotonic() - started
    finally:
        workers.cancel()
        await asyncio.gather(workers, return_exceptions=True)
        await bus.stop()
    print(f"imminent risk → notified in {elapsed * 1000:.0f} ms")
    assert elapsed < NOTIFY_WITHIN_SECONDS
    police = next(m for m in receiver.received if m.payload["type"] == "crisis.police_referral")
    assert police.verifies(int(clock.now().timestamp()))
    assert police.payload["caller_number"] == "+8613800000017"
    assert police.payload["location"] == "郑州市 金水区"
    assert police.payload["order_id"] == 17 and police.payload["owner"] == "agent-li"
