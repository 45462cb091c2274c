"""Scenarios on a fake clock: a case is raised, handed off by signed webhook through the
outbox, survives a receiver outage, and is re-notified when nobody acknowledges it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.auth import Principal, Role
from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.clock import FakeClock
from callcenter.kernel.db import transaction
from crisis import commands
from crisis.commands import Command
from crisis.draft import CaseDraft
from crisis.events import AlertReason, CallerFlagged, CrisisAlert
from crisis.models import Escalation, EscalationStep, OutboxMessage
from crisis.service import CrisisService
from tests.crisis.conftest import WebhookReceiver

NUMBER = "+8613800000001"
POLICE = Principal(user="liaison-1", role=Role.POLICE)


def draft(**fields: Any) -> CaseDraft:
    base: dict[str, Any] = {
        "call_id": "call-1",
        "order_id": 42,
        "caller_number": NUMBER,
        "agent": "agent-wang",
        "region": "金水区",
        "location": "郑州市金水区某小区 3 幢",
    }
    return CaseDraft(**(base | fields))


async def escalation(sessions: async_sessionmaker[AsyncSession]) -> Escalation:
    async with transaction(sessions) as session:
        row = (await session.scalars(select(Escalation))).one()
        return row


async def steps(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with transaction(sessions) as session:
        rows = await session.scalars(select(EscalationStep).order_by(EscalationStep.id))
        return [row.step for row in rows.all()]


async def outbox(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with transaction(sessions) as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


def alerts(events: list[DomainEvent], reason: AlertReason) -> list[CrisisAlert]:
    return [e for e in events if isinstance(e, CrisisAlert) and e.reason is reason]


async def test_imminent_risk_is_handed_off_by_signed_webhook_and_becomes_notified(
    crisis: CrisisService,
    sessions: async_sessionmaker[AsyncSession],
    receiver: WebhookReceiver,
    clock: FakeClock,
    published: list[DomainEvent],
) -> None:
    result = await crisis.submit(draft(risk_level="imminent", summary="说想跳楼"))
    row = await escalation(sessions)
    assert row.stage == "raised" and row.owner == "agent-wang"
    assert row.police and row.local and row.ruleset_version == result.verdict.version
    clock.advance(3)
    await crisis.deliver_due()

    assert len(receiver.received) == 2
    now = int(clock.now().timestamp())
    assert all(message.verifies(now) for message in receiver.received)
    police, local = sorted(
        receiver.received, key=lambda m: m.payload["type"] != "crisis.police_referral"
    )
    assert police.payload["caller_number"] == NUMBER
    assert police.payload["location"] == "郑州市金水区某小区 3 幢"
    assert police.payload["rules"][0] == {
        "name": "imminent-risk",
        "priority": 100,
        "fields": ["risk_level"],
    }
    assert police.payload["suggested_risk"] == {
        "level": "high",
        "dimensions": ["ideation", "plan"],
        "evidence": {"ideation": ["想跳楼"], "plan": ["想跳楼"]},
    }
    assert local.payload["caller_number"] == "+86138******01"
    assert local.payload["league_contact"] == "团金水区委（示例）"
    assert local.payload["site_id"] == 1
    # the local team gets the level, not the caller's words
    assert local.payload["suggested_risk"] == {"level": "high", "dimensions": ["ideation", "plan"]}

    row = await escalation(sessions)
    assert row.stage == "notified"
    assert row.notified_at == clock.now()
    assert (row.notified_at - row.raised_at).total_seconds() == 3
    assert await steps(sessions) == [
        "raised",
        "owner_assigned",
        "police_referral",
        "local_referral",
        "conference_unavailable",
        "delivered",
        "notified",
        "delivered",
    ]
    assert await crisis.flagged_numbers() == {
        NUMBER: "imminent risk; high risk; suggested high risk; suicide or self-harm words"
    }
    assert [e.number for e in published if isinstance(e, CallerFlagged)] == [NUMBER]
    (alert,) = alerts(published, AlertReason.RULES_FIRED)
    assert alert.caller == "+86138******01" and alert.owner == "agent-wang"
    assert alert.rules[0] == "imminent-risk"


async def test_a_receiver_outage_loses_nothing_and_each_notice_arrives_once(
    crisis: CrisisService,
    sessions: async_sessionmaker[AsyncSession],
    receiver: WebhookReceiver,
    clock: FakeClock,
    published: list[DomainEvent],
) -> None:
    receiver.stop()
    await crisis.submit(draft(risk_level="imminent"))
    for _ in range(3):  # backoff 2 s, 4 s, 8 s
        await crisis.deliver_due()
        clock.advance(1)
        await crisis.deliver_due()  # not due yet: no extra attempt
        clock.advance(60)
    messages = await outbox(sessions)
    assert [m.attempts for m in messages] == [3, 3]
    assert all(m.delivered_at is None and m.last_error for m in messages)
    assert (await escalation(sessions)).stage == "raised"
    assert len(alerts(published, AlertReason.DELIVERY_FAILING)) == 2

    receiver.status = 503  # back, but unhealthy
    receiver.start()
    await crisis.deliver_due()
    assert receiver.received == []
    receiver.status = 200
    clock.advance(60)
    await crisis.deliver_due()
    await crisis.deliver_due()
    assert sorted(m.delivery for m in receiver.received) == sorted(str(m.id) for m in messages)
    assert all(m.verifies(int(clock.now().timestamp())) for m in receiver.received)
    assert (await escalation(sessions)).stage == "notified"


async def test_no_acknowledgement_in_five_minutes_renotifies_and_alerts_the_supervisor(
    crisis: CrisisService,
    sessions: async_sessionmaker[AsyncSession],
    receiver: WebhookReceiver,
    clock: FakeClock,
    published: list[DomainEvent],
) -> None:
    await crisis.submit(draft(immediate_danger=True))
    await crisis.deliver_due()
    assert [m.payload["round"] for m in receiver.received] == [1]
    clock.advance(299)
    await crisis.check_deadlines()
    assert alerts(published, AlertReason.ACK_OVERDUE) == []
    clock.advance(1)
    await crisis.check_deadlines()
    await crisis.deliver_due()
    assert [m.payload["round"] for m in receiver.received] == [1, 2]
    assert len(alerts(published, AlertReason.ACK_OVERDUE)) == 1
    clock.advance(300)
    await crisis.check_deadlines()
    await crisis.deliver_due()
    assert [m.payload["round"] for m in receiver.received] == [1, 2, 3]

    async with transaction(sessions) as session:
        row = await escalation(sessions)
        await commands.apply(
            session, row.id, Command.ACKNOWLEDGE, POLICE, clock.now(), crisis.policy
        )
    clock.advance(600)
    await crisis.check_deadlines()
    await crisis.deliver_due()
    assert len(receiver.received) == 3
    row = await escalation(sessions)
    assert (
        row.stage == "acknowledged" and row.renotified == 2 and row.acknowledged_by == "liaison-1"
    )
    assert (await steps(sessions)).count("escalated_to_supervisor") == 2


async def test_overdue_follow_ups_alert_the_supervisor(
    crisis: CrisisService,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    published: list[DomainEvent],
) -> None:
    await crisis.submit(draft(risk_level="high"))  # a local hand-off: the police are not in it
    row = await escalation(sessions)
    duty = Principal(user="duty-lead", role=Role.SUPERVISOR)
    for command in (Command.ACKNOWLEDGE, Command.REACHED):
        async with transaction(sessions) as session:
            await commands.apply(session, row.id, command, duty, clock.now(), crisis.policy)
    clock.advance(25 * 3600)  # 24 h + the 1 h grace
    await crisis.check_deadlines()
    (alert,) = alerts(published, AlertReason.FOLLOW_UP_OVERDUE)
    assert "follow up 24h" in alert.message and alert.owner == "agent-wang"
    await crisis.check_deadlines()
    assert len(alerts(published, AlertReason.FOLLOW_UP_OVERDUE)) == 1


async def test_raising_the_risk_mid_call_adds_the_police_without_repeating_the_local_notice(
    crisis: CrisisService,
    sessions: async_sessionmaker[AsyncSession],
    receiver: WebhookReceiver,
    clock: FakeClock,
    published: list[DomainEvent],
) -> None:
    await crisis.submit(draft(risk_level="high"))
    await crisis.submit(draft(risk_level="high", summary="情绪低落"))  # same rules: nothing new
    await crisis.deliver_due()
    assert [m.payload["type"] for m in receiver.received] == ["crisis.local_referral"]
    clock.advance(30)
    await crisis.submit(draft(risk_level="imminent"))
    await crisis.deliver_due()
    assert [m.payload["type"] for m in receiver.received] == [
        "crisis.local_referral",
        "crisis.police_referral",
    ]
    row = await escalation(sessions)
    assert row.police and row.local
    assert [a.rules for a in alerts(published, AlertReason.RULES_FIRED)] == [
        ("high-risk",),
        ("imminent-risk",),
    ]
    assert (await steps(sessions)).count("rules_fired") == 1


async def test_repeated_calls_flag_the_number_without_an_escalation(
    crisis: CrisisService,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    published: list[DomainEvent],
) -> None:
    from acd.events import CallArrived

    for n in range(3):
        await crisis.on_event(
            CallArrived(call_id=f"c{n}", caller_number="13800000001", at=clock.now())
        )
        clock.advance(600)
    result = await crisis.submit(draft(call_id="c2"))
    assert result.verdict.fired_names == ("repeated-calls",) and result.escalation_id is None
    assert await crisis.flagged_numbers() == {NUMBER: "repeated calls"}
    await crisis.submit(draft(call_id="c2", summary="情绪平稳"))  # the agent edits the order
    assert len(alerts(published, AlertReason.RULES_FIRED)) == 1
    assert len([e for e in published if isinstance(e, CallerFlagged)]) == 1
    async with transaction(sessions) as session:
        assert (await session.scalars(select(Escalation))).first() is None
