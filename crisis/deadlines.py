"""The deadline watcher: acts on escalations whose next deadline has passed.

An unacknowledged hand-off is sent again (each audience's latest notification, as
a new outbox row) and the supervisor is alerted; an overdue follow-up alerts the
supervisor and the owner. The decisions come from ``crisis.escalation.due``.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.db import transaction
from callcenter.kernel.phone import mask
from crisis import notices, store
from crisis.escalation import FollowUpOverdue, Policy, Renotify, due
from crisis.events import AlertReason, CrisisAlert
from crisis.models import Escalation, OutboxMessage


async def check_deadlines(
    sessions: async_sessionmaker[AsyncSession], now: datetime, policy: Policy
) -> tuple[list[DomainEvent], datetime | None]:
    """Act on what is due; the events to publish and the next deadline after this pass
    (``None``: no escalation waits for one), so the watcher can sleep until then."""
    events: list[DomainEvent] = []
    async with transaction(sessions) as session:
        query = (
            select(Escalation)
            .where(Escalation.next_deadline_at.is_not(None), Escalation.next_deadline_at <= now)
            .order_by(Escalation.next_deadline_at)
            .limit(100)
            .with_for_update(skip_locked=True)  # two watchers never act on the same case
        )
        for row in (await session.scalars(query)).all():
            state, actions = due(store.state_of(row), now, policy)
            store.store_state(row, state, policy)
            for action in actions:
                events.append(await _act(session, row, action, now))
        upcoming = await session.scalar(select(func.min(Escalation.next_deadline_at)))
    return events, upcoming


async def _act(
    session: AsyncSession, row: Escalation, action: Renotify | FollowUpOverdue, now: datetime
) -> CrisisAlert:
    match action:
        case Renotify(round=round_):
            resent = await _resend(session, row, round_, now)
            store.add_step(
                session, row.id, now, "renotified", detail=f"round {round_}: {resent} sent again"
            )
            store.add_step(session, row.id, now, "escalated_to_supervisor", detail="ack overdue")
            return CrisisAlert(
                call_id=row.call_id,
                reason=AlertReason.ACK_OVERDUE,
                escalation_id=row.id,
                caller=mask(row.caller_number),
                message=f"no acknowledgement yet; re-notified (round {round_})",
                owner=row.owner,
            )
        case FollowUpOverdue(which=which):
            store.add_step(session, row.id, now, "follow_up_overdue", detail=which.value)
            return CrisisAlert(
                call_id=row.call_id,
                reason=AlertReason.FOLLOW_UP_OVERDUE,
                escalation_id=row.id,
                caller=mask(row.caller_number),
                message=f"{which.value.replace('_', ' ')} not recorded",
                owner=row.owner,
            )


async def _resend(session: AsyncSession, row: Escalation, round_: int, now: datetime) -> str:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.escalation_id == row.id)
        .order_by(OutboxMessage.id.desc())
    )
    latest: dict[str, OutboxMessage] = {}
    for message in (await session.scalars(query)).all():
        latest.setdefault(message.audience, message)
    for audience, message in sorted(latest.items()):
        payload = notices.again(json.loads(message.payload), round_ + 1, now)
        session.add(
            OutboxMessage(
                escalation_id=row.id,
                audience=audience,
                url=message.url,
                payload=notices.dumps(payload),
                created_at=now,
                next_attempt_at=now,
            )
        )
    return " and ".join(sorted(latest)) or "nothing (no webhook configured)"
