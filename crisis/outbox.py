"""The notification outbox worker: sends due rows as signed webhooks, retries with backoff.

Rows are written in the same transaction as the escalation, so a crash or a
receiver outage loses nothing: a row stays due until a 2xx comes back. The HTTP
request is made outside any transaction; its outcome is written afterwards. The
first delivery for an escalation moves it to "notified".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.kernel.bus import DomainEvent
from callcenter.kernel.clock import Clock
from callcenter.kernel.db import transaction
from callcenter.kernel.phone import mask
from crisis import store
from crisis.escalation import Policy, mark_notified
from crisis.events import AlertReason, CrisisAlert, EscalationChanged
from crisis.models import Escalation, OutboxMessage
from crisis.signing import backoff_seconds, signed_headers

log = logging.getLogger(__name__)

ALERT_AFTER_FAILURES = 3
BATCH = 50


@dataclass(frozen=True)
class Delivery:
    message_id: int
    url: str
    body: bytes
    attempts: int


class OutboxSender:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        secret: str,
        policy: Policy,
        retry_base: float,
        retry_max: float,
        timeout: float,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._secret = secret
        self._policy = policy
        self._retry_base = retry_base
        self._retry_max = retry_max
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._lease = timeout * 2

    async def aclose(self) -> None:
        await self._client.aclose()

    async def next_due(self) -> datetime | None:
        """When the earliest undelivered row falls due (``None``: every row is delivered)."""
        async with transaction(self._sessions) as session:
            query = select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.delivered_at.is_(None)
            )
            due: datetime | None = await session.scalar(query)
        return due

    async def send_due(self) -> list[DomainEvent]:
        """One pass over due rows; returns the events to publish (stage changes, alerts)."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
            rows = (await session.scalars(query)).all()
            for row in rows:  # a lease, so a second worker does not send it at the same time
                row.next_attempt_at = now + timedelta(seconds=self._lease)
            due = [Delivery(row.id, row.url, row.payload.encode(), row.attempts) for row in rows]
        events: list[DomainEvent] = []
        for delivery in due:
            error = await self._post(delivery)
            events.extend(await self._record(delivery, error))
        return events

    async def _post(self, delivery: Delivery) -> str | None:
        timestamp = int(self._clock.now().timestamp())
        headers = signed_headers(self._secret, timestamp, delivery.body, str(delivery.message_id))
        try:
            response = await self._client.post(delivery.url, content=delivery.body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.is_success:
            return None
        return f"HTTP {response.status_code}"

    async def _record(self, delivery: Delivery, error: str | None) -> list[DomainEvent]:
        now = self._clock.now()
        events: list[DomainEvent] = []
        async with transaction(self._sessions) as session:
            message = await session.get(OutboxMessage, delivery.message_id)
            if message is None or message.delivered_at is not None:
                return events
            message.attempts += 1
            escalation = await session.get(Escalation, message.escalation_id)
            assert escalation is not None
            if error is None:
                message.delivered_at, message.last_error = now, None
                store.add_step(
                    session, escalation.id, now, "delivered", detail=f"{message.audience} webhook"
                )
                before = escalation.stage
                store.store_state(
                    escalation, mark_notified(store.state_of(escalation), now), self._policy
                )
                if escalation.stage != before:
                    store.add_step(session, escalation.id, now, "notified")
                    events.append(
                        EscalationChanged(
                            call_id=escalation.call_id,
                            escalation_id=escalation.id,
                            stage=escalation.stage,
                            actor="outbox",
                        )
                    )
                return events
            delay = backoff_seconds(message.attempts, base=self._retry_base, cap=self._retry_max)
            message.next_attempt_at = now + timedelta(seconds=delay)
            message.last_error = error
            log.warning(
                "crisis webhook %s failed (attempt %d): %s", message.id, message.attempts, error
            )
            if message.attempts == ALERT_AFTER_FAILURES:
                events.append(
                    CrisisAlert(
                        call_id=escalation.call_id,
                        reason=AlertReason.DELIVERY_FAILING,
                        escalation_id=escalation.id,
                        caller=mask(escalation.caller_number),
                        message=f"{message.audience} notification not delivered: {error}",
                        owner=escalation.owner,
                    )
                )
        return events
