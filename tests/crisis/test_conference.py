"""The warm police conference through the PBX simulator over TCP: the agent stays on the
line, and caller, agent and police liaison end up in one bridge."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.ami.link import AmiLink
from acd.ami.messages import AmiConfig
from acd.events import CallConnected, CallWaiting
from acd.simulator import PbxSimulator
from acd.tracker import CallTracker
from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import transaction
from crisis.models import Escalation, EscalationStep
from crisis.service import CrisisService
from tests.crisis.conftest import SECRET, WebhookReceiver, crisis_settings
from workorders.events import WorkOrderUpdated

LIAISON = "110"


@pytest.fixture
async def sim() -> AsyncIterator[PbxSimulator]:
    simulator = PbxSimulator(seats=["8001"], time_scale=0.01, seed=7, secret="s")
    await simulator.start()
    simulator.configure_callee(LIAISON, answer_delay=0.5, talk_time=6000)
    yield simulator
    await simulator.stop()


@pytest.fixture
async def link(sim: PbxSimulator, bus: EventBus) -> AsyncIterator[AmiLink]:
    """The AMI link with the real call tracker feeding call events onto the bus."""
    ami = AmiLink(AmiConfig(host="127.0.0.1", port=sim.port, username="acd", secret="s"))
    await ami.start()
    await ami.wait_logged_in(5)
    tracker = CallTracker()

    async def pump() -> None:
        while True:
            event = await ami.events.get()
            for call_event in tracker.feed(event, datetime.now(UTC)):
                bus.publish(call_event)

    task = asyncio.create_task(pump())
    yield ami
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await ami.close()


async def seen(events: list[DomainEvent], match: Callable[[DomainEvent], bool]) -> DomainEvent:
    async with asyncio.timeout(5):
        while True:
            for event in events:
                if match(event):
                    return event
            await asyncio.sleep(0.01)


async def eventually(check: Callable[[], bool], attempts: int = 500) -> None:
    for _ in range(attempts):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def imminent(call_id: str) -> WorkOrderUpdated:
    return WorkOrderUpdated(
        call_id=call_id,
        order_id=1,
        number="12355-20261128-0001",
        caller_number="13800000001",
        risk_level="imminent",
        summary="在楼顶",
        category=None,
        subcategory=None,
        status="in_progress",
        agent="agent-wang",
        age_group="15-17",
        gender=None,
        identity=None,
        city="郑州市",
        county="金水区",
    )


async def test_the_police_line_joins_caller_and_agent_in_one_bridge(
    sim: PbxSimulator,
    link: AmiLink,
    bus: EventBus,
    published: list[DomainEvent],
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    receiver: WebhookReceiver,
) -> None:
    crisis = CrisisService(
        sessions=sessions,
        bus=bus,
        clock=clock,
        settings=crisis_settings(police_liaison_number=LIAISON),
        ami=link,
        webhook_url=receiver.url,
        webhook_secret=SECRET,
    )
    bus.subscribe("crisis", crisis.on_event)
    bus.start()
    try:
        call_id = sim.place_call("13800000001", talk_time=6000)
        waiting = await seen(published, lambda e: isinstance(e, CallWaiting))
        assert isinstance(waiting, CallWaiting)
        await link.send(
            {
                "Action": "Redirect",
                "Channel": waiting.wait_channel,
                "Context": "acd-seat",
                "Exten": "8001",
                "Priority": "1",
            }
        )
        await seen(published, lambda e: isinstance(e, CallConnected))
        await bus.join()  # the crisis subscriber has seen the call's legs
        caller, seat_leg = crisis.conference.legs(call_id) if crisis.conference else (None, None)
        assert caller == waiting.wait_channel and seat_leg is not None

        bus.publish(imminent(call_id))
        await eventually(lambda: len(sim.bridged_with(seat_leg)) >= 2)
        bridged = sim.bridged_with(seat_leg)
        (police,) = bridged - {caller}
        assert caller in bridged and police.startswith("PJSIP/")
        assert sim.bridged_with(police) == {caller, seat_leg}
        assert sim.bridged_with(call_id) == {seat_leg, police}
        originate = next(a for a in sim.actions if a.get("Action") == "Originate")
        assert originate["Channel"] == f"PJSIP/{LIAISON}@trunk"
        assert (originate["Context"], originate["Exten"]) == ("acd-conference", "771")
        assert originate["ChannelId"] == "crisis-conf-771"

        for _ in range(250):  # the conference outcome is written once the actions returned
            async with transaction(sessions) as session:
                row = (await session.scalars(select(Escalation))).one()
                steps = (await session.scalars(select(EscalationStep.step))).all()
            if "conference_placed" in steps and row.stage == "notified":
                break  # the conference is placed and the webhook delivered
            await asyncio.sleep(0.02)
        assert row.conference and row.stage == "notified"
        assert "conference_placed" in steps
    finally:
        await bus.stop()
        await crisis.outbox.aclose()
