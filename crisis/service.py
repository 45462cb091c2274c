"""The crisis shell the composition root wires: bus subscriber, workers, flagged numbers.

``on_event`` evaluates every work-order change (and remembers call arrivals for
the repeated-call rule); ``run_workers`` runs the outbox sender and the deadline
watcher until cancelled. A new hand-off wakes the sender at once, so a case
reaches "notified" as soon as the receiver answers; otherwise each worker sleeps
until its next retry or deadline is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.conference import ConferenceLink, WarmConference
from acd.events import CallArrived
from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.clock import Clock
from callcenter.kernel.db import transaction
from callcenter.kernel.phone import mask, normalise
from crisis import store
from crisis.deadlines import check_deadlines
from crisis.draft import CaseDraft, draft_from_work_order
from crisis.escalation import mark_notified
from crisis.events import AlertReason, CrisisAlert
from crisis.intake import IntakeResult, intake, intake_config
from crisis.models import Escalation
from crisis.outbox import OutboxSender
from crisis.settings import CrisisSettings
from workorders.events import WorkOrderUpdated

log = logging.getLogger(__name__)

_MOST_PAUSE_SECONDS = 60.0  # a worker whose passes keep failing tries at least this often


async def record_arrival(session: AsyncSession, event: DomainEvent) -> None:
    """A call's arrival, for the repeated-call rule (other events: nothing)."""
    if isinstance(event, CallArrived) and event.call_id:
        await store.record_contact(session, event.call_id, normalise(event.caller_number), event.at)


class CrisisService:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        clock: Clock,
        settings: object = None,
        ami: ConferenceLink | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        record_arrivals: bool = True,
    ) -> None:
        """``record_arrivals=False``: the composition root writes ``record_arrival`` in
        the transaction that records the call itself."""
        crisis = settings if isinstance(settings, CrisisSettings) else CrisisSettings()
        self.settings = crisis
        self._sessions = sessions
        self._bus = bus
        self._clock = clock
        self._record_arrivals = record_arrivals
        url = webhook_url or crisis.webhook_url
        secret = webhook_secret or crisis.webhook_secret or ""
        if url and not secret:
            log.warning("crisis webhook configured without a secret; signatures are worthless")
        self.intake_config = intake_config(crisis, webhook_url=url)
        self.policy = self.intake_config.policy
        self.outbox = OutboxSender(
            sessions=sessions,
            clock=clock,
            secret=secret,
            policy=self.policy,
            retry_base=crisis.retry_base_seconds,
            retry_max=crisis.retry_max_seconds,
            timeout=crisis.webhook_timeout,
        )
        self.conference = (
            WarmConference(
                ami,
                liaison_number=crisis.police_liaison_number,
                caller_id=crisis.hotline_caller_id,
            )
            if ami is not None and crisis.police_liaison_number
            else None
        )
        self.intake_config = replace(self.intake_config, conference=self.conference is not None)
        if self.conference is not None:  # the call legs, learnt as the ACD publishes them
            bus.observe(self.conference.track)
        self._wake = asyncio.Event()  # new outbox rows
        self._deadlines_changed = asyncio.Event()  # an escalation opened or changed here
        self._stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def warm(self) -> None:
        """Load the segmenter's dictionary (about a second) in a thread, before the first case."""
        await self.intake_config.assessor.ready()

    def wants(self, event: DomainEvent) -> bool:
        """The bus events ``on_event`` acts on (no other is queued for it)."""
        return isinstance(event, WorkOrderUpdated) or (
            self._record_arrivals and isinstance(event, CallArrived)
        )

    async def on_event(self, event: DomainEvent) -> None:
        match event:
            case WorkOrderUpdated():
                await self.submit(draft_from_work_order(event))
            case CallArrived() if self._record_arrivals:
                async with transaction(self._sessions) as session:
                    await record_arrival(session, event)

    async def submit(self, draft: CaseDraft) -> IntakeResult:
        """Evaluate a case and act on it: escalation rows, outbox, bus events, conference."""
        await self.intake_config.assessor.ready()  # never cut text on the loop mid-load
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            result = await intake(session, draft, now, self.intake_config)
        for event in result.events:
            self._bus.publish(event)
        if result.queued:
            self._wake.set()
        if result.escalation_id is not None:
            self._deadlines_changed.set()  # a new acknowledgement deadline, maybe sooner
        if result.conference_room and result.escalation_id is not None:
            self._spawn(self._place_conference(result.escalation_id, draft, result.conference_room))
        if result.verdict.fired:
            log.info(
                "crisis rules %s fired for %s",
                result.verdict.fired_names,
                mask(draft.caller_number),
            )
        return result

    async def run_workers(self) -> None:
        """Run both loops until cancelled; then let each finish its pass and stop.

        The loops are never cancelled in the middle of a database pass: a session cut
        off mid-statement leaves its connection to be torn down later, from whatever
        task runs then. They stop at their next wait instead.
        """
        self._stopping.clear()
        loops = [
            asyncio.create_task(self._outbox_loop(), name="crisis-outbox"),
            asyncio.create_task(self._deadline_loop(), name="crisis-deadlines"),
        ]
        try:
            await asyncio.wait(loops, return_when=asyncio.FIRST_EXCEPTION)
            for loop in loops:
                if loop.done() and loop.exception() is not None:
                    raise loop.exception()  # type: ignore[misc]
        finally:
            self._stopping.set()
            self._wake.set()
            self._deadlines_changed.set()
            await asyncio.wait(loops, timeout=30)
            pending = [*loops, *self._tasks]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await self.outbox.aclose()

    async def deliver_due(self) -> None:
        """One pass of the outbox sender (the worker loop calls it; tests may too)."""
        for event in await self.outbox.send_due():
            self._bus.publish(event)

    async def check_deadlines(self) -> None:
        await self._check_deadlines()

    async def _check_deadlines(self) -> datetime | None:
        events, upcoming = await check_deadlines(self._sessions, self._clock.now(), self.policy)
        for event in events:
            self._bus.publish(event)
        if events:
            self._wake.set()  # re-notifications are new outbox rows
        return upcoming

    async def _send_outbox(self) -> datetime | None:
        due = await self.outbox.next_due()
        if due is not None and due <= self._clock.now():
            await self.deliver_due()
            due = await self.outbox.next_due()
        return due

    async def flagged_numbers(self) -> dict[str, str]:
        async with transaction(self._sessions) as session:
            return await store.flagged_numbers(session)

    async def crisis_flags(self) -> dict[str, bool]:
        """Every flagged number → whether it is a crisis flag."""
        async with transaction(self._sessions) as session:
            return await store.crisis_flags(session)

    async def _outbox_loop(self) -> None:
        await self._run("crisis outbox", self._send_outbox, self._wake)

    async def _deadline_loop(self) -> None:
        await self._run("crisis deadline", self._check_deadlines, self._deadlines_changed)

    async def _run(
        self, name: str, work: Callable[[], Awaitable[datetime | None]], wake: asyncio.Event
    ) -> None:
        """Run ``work`` until stopped: again when ``wake`` is set, or when the moment it
        returned comes (its next due row or deadline), or after ``worker_idle_seconds``
        at the latest (a row or deadline another process made). An idle worker so costs
        one query per idle period instead of one per poll.

        A failure (the database away) must not end the worker, nor fill the log and the CPU
        once a second: the first is logged with its traceback, the next ones in a line, and
        the pause doubles up to a minute until a pass succeeds again."""
        failures = 0
        while not self._stopping.is_set():
            wake.clear()  # before the pass: a wake-up during it means another pass
            try:
                pause = self._pause_until(await work())
                if failures:
                    log.warning("%s passes work again after %d failures", name, failures)
                failures = 0
            except Exception as exc:
                failures += 1
                if failures == 1:
                    log.exception("%s pass failed", name)
                else:
                    log.warning("%s pass failed again (%d): %s", name, failures, exc)
                poll = self.settings.worker_poll_seconds
                pause = min(_MOST_PAUSE_SECONDS, poll * 2.0 ** min(failures, 16))
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await wake.wait()

    def _pause_until(self, due: datetime | None) -> float:
        """How long to sleep before the next pass if nothing wakes the worker."""
        longest = max(self.settings.worker_idle_seconds, self.settings.worker_poll_seconds)
        if due is None:
            return longest
        left = (due - self._clock.now()).total_seconds()
        if left <= 0:  # due, yet not taken (another worker holds it): look again soon
            return self.settings.worker_poll_seconds
        return min(longest, left)

    async def _place_conference(self, escalation_id: int, draft: CaseDraft, room: str) -> None:
        assert self.conference is not None
        outcome = await self.conference.place(draft.call_id, room)
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            row = await session.get(Escalation, escalation_id)
            assert row is not None
            step = "conference_placed" if outcome.placed else "conference_failed"
            store.add_step(session, row.id, now, step, detail=outcome.detail)
            if outcome.placed:
                before = row.stage
                store.store_state(row, mark_notified(store.state_of(row), now), self.policy)
                if row.stage != before:
                    store.add_step(session, row.id, now, "notified", detail="police on the line")
            else:
                row.conference = False  # a later change may try again
        if not outcome.placed:
            self._bus.publish(
                CrisisAlert(
                    call_id=draft.call_id,
                    reason=AlertReason.CONFERENCE_FAILED,
                    escalation_id=escalation_id,
                    caller=mask(draft.caller_number),
                    message=f"warm conference with the police not placed: {outcome.detail}",
                )
            )

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
