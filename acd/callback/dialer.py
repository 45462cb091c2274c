"""The callback dialer: the shell that turns due callback tasks into Originates on AMI.

It owns one attempt at a time (there is one callback seat). Each attempt row is
committed before its Originate, with the attempt key as the Originate's
ChannelId; a restarted dialer never originates an attempt it finds 'dialing': it
asks AMI whether that channel still lives, adopts it if so, and otherwise marks it
unknown so the next attempt follows the policy.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.ami import AmiError, AmiLink, AmiTimeout
from acd.callback import store, units
from acd.callback.events import CallbackAttemptEnded, CallbackExhausted, CallbackStarted
from acd.callback.intake import CallbackIntake
from acd.callback.links import OrderLookup
from acd.callback.policy import (
    AttemptOutcome,
    CallbackPolicy,
    TaskStatus,
    in_quiet_hours,
    outcome_of_dial_status,
    outcome_of_hangup_cause,
    outcome_of_originate_reason,
    quiet_hours_end,
)
from acd.callback.units import in_transaction
from acd.own_calls import CALLBACK_PREFIX
from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.clock import Clock
from callcenter.kernel.phone import mask

log = logging.getLogger(__name__)

LIVE_CHECK_EVERY = timedelta(minutes=1)  # a long callback conversation is re-checked this often
CAUSE_WAIT = timedelta(seconds=5)  # for a failed customer-first leg's Hangup cause
ATTEMPT_PREFIX = CALLBACK_PREFIX  # every attempt key (ChannelId): a call we placed ourselves


@dataclass
class Dial:
    """An attempt in flight, as this dialer knows it."""

    task_id: int
    attempt_key: str
    started_at: datetime
    seat_answered: bool = False
    checked_at: datetime | None = None  # last asked AMI whether its channel still lives
    cause_due: datetime | None = None  # customer first, Reason 0: waiting for the Hangup cause


class CallbackService:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        clock: Clock,
        ami: AmiLink,
        policy: CallbackPolicy,
        callback_seat: str = "8099",
        hotline_number: str = "12355",
        zone: ZoneInfo,
        agent_available: Callable[[], bool],
        find_order: OrderLookup,
        is_high_risk: Callable[[str], bool] | None = None,
        dialer_id: str = "callback-dialer",
        poll_seconds: float = 5.0,
        answers_recorded: bool = False,
    ) -> None:
        """``answers_recorded``: the recorder calls ``intake.record_answered`` (see there)."""
        self.sessions = sessions
        self.bus = bus
        self.clock = clock
        self.ami = ami
        self.policy = policy
        self.callback_seat = callback_seat
        self.hotline_number = hotline_number
        self.zone = zone
        self.agent_available = agent_available
        self.find_order = find_order
        self.is_high_risk = is_high_risk
        self.dialer_id = dialer_id
        self.poll_seconds = poll_seconds
        self.in_flight: dict[str, Dial] = {}
        self.intake = CallbackIntake(
            sessions=sessions,
            bus=bus,
            clock=clock,
            policy=policy,
            find_order=find_order,
            is_high_risk=is_high_risk,
            is_own_call=lambda call_id: call_id.startswith(ATTEMPT_PREFIX),
            answers_recorded=answers_recorded,
        )
        self._wake = asyncio.Event()
        self._recovered = False
        self._ami_events: asyncio.Queue[Mapping[str, Any]] = asyncio.Queue()

    # -- inputs ------------------------------------------------------------------------------

    async def on_event(self, event: DomainEvent) -> None:
        """Bus subscriber: a miss opens or merges a callback; an answered repeat call cancels it."""
        if await self.intake.handle(event):
            await self.poke()

    async def poke(self) -> None:
        """Wake the dialer now (the callback seat became available, a task became due)."""
        self._wake.set()

    def ami_listener(self, event: Mapping[str, Any]) -> None:
        """A synchronous AMI listener (the ACD shell's hook); ``run`` handles them in order."""
        if _is_ours(event, self.in_flight):
            self._ami_events.put_nowait(event)

    async def on_ami_event(self, event: Mapping[str, Any]) -> None:
        name = _text(event, "Event")
        if name == "OriginateResponse":
            await self._on_originate_response(event)
        elif name == "UserEvent" and _text(event, "UserEvent") == "CallbackResult":
            key = _text(event, "ACDCallbackId")
            status = _text(event, "DialStatus")
            await self._finish(key, outcome_of_dial_status(status), True, status)
        elif name == "Hangup" and _text(event, "Uniqueid") in self.in_flight:
            # Until the originated leg answers, OriginateResponse is authoritative; after,
            # the seat leg ending without a CallbackResult leaves the outcome unknown.
            dial = self.in_flight[_text(event, "Uniqueid")]
            cause = _text(event, "Cause")
            if dial.cause_due is not None:
                outcome = outcome_of_hangup_cause(cause)
                await self._finish(dial.attempt_key, outcome, True, f"CAUSE {cause}")
            elif dial.seat_answered and self.policy.agent_first:
                await self._finish(dial.attempt_key, AttemptOutcome.UNKNOWN, True, "HANGUP")

    async def _on_originate_response(self, event: Mapping[str, Any]) -> None:
        key = _text(event, "Uniqueid")
        dial = self.in_flight.get(key)
        if dial is None:
            return
        answered = _text(event, "Response") == "Success"
        reason = _text(event, "Reason")
        if self.policy.agent_first:
            if answered:
                dial.seat_answered = True  # the dialplan dials the caller now
            else:
                await self._finish(key, AttemptOutcome.FAILED, False, f"SEAT {reason}")
        elif not answered and reason.strip() in ("", "0"):  # customer first, busy or failed:
            dial.cause_due = self.clock.now() + CAUSE_WAIT  # the leg's Hangup cause decides
        else:  # customer first: the originated leg is the caller's
            outcome = outcome_of_originate_reason(reason)
            await self._finish(key, outcome, True, f"REASON {reason}")

    # -- the dialer loop ---------------------------------------------------------------------

    async def run(self) -> None:
        results = asyncio.create_task(self._drain_ami_events(), name="callback-ami-events")
        try:
            await self._dial_loop()
        finally:
            results.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await results
            await units.settle()

    async def _drain_ami_events(self) -> None:
        while True:
            event = await self._ami_events.get()
            try:
                await self.on_ami_event(event)
            except Exception:
                log.exception("callback dialer failed on AMI event %s", _text(event, "Event"))

    async def _dial_loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                if not self._recovered:
                    await self._recover()
                await self._check_in_flight()
                await self._dial_due()
                timeout = await self._sleep_seconds()
            except (OperationalError, AmiError) as exc:
                log.warning("callback dialer: %s; trying again", exc)
                timeout = self.poll_seconds
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
            # that arrives as the wake-up does, and the dialer would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    async def _dial_due(self) -> None:
        while not self.in_flight and self.agent_available():
            now = self.clock.now()
            if in_quiet_hours(now, self.zone, self.policy):
                return
            claim = await in_transaction(
                self.sessions,
                functools.partial(
                    store.claim_next,
                    now=now,
                    dialer_id=self.dialer_id,
                    is_high_risk=self.is_high_risk,
                ),
            )
            if claim is None:
                return
            await self._dial(claim)

    async def _dial(self, claim: store.Claim) -> None:
        """The attempt row is committed: publish, then originate exactly once."""
        key = claim.attempt_key
        # Tracked from here on, so whatever fails below the attempt is still resolved.
        self.in_flight[key] = Dial(claim.task_id, key, self.clock.now())
        work_order_id = claim.work_order_id
        if work_order_id is None:
            try:
                work_order_id = await in_transaction(
                    self.sessions,
                    lambda session: self._link_work_order(
                        session, claim.task_id, claim.first_call_id
                    ),
                )
            except OperationalError:
                log.warning("callback %s: work order lookup failed; dialling", claim.task_id)
        self.bus.publish(
            CallbackStarted(
                call_id=claim.first_call_id,
                task_id=claim.task_id,
                work_order_id=work_order_id,
                number=claim.number,
                attempt_no=claim.attempt_no,
                seat=self.callback_seat,
            )
        )
        log.info(
            "callback %s attempt %s to %s", claim.task_id, claim.attempt_no, mask(claim.number)
        )
        try:
            await self._originate(claim)
        except AmiTimeout:
            log.warning("callback %s: Originate unanswered; AMI state decides", claim.task_id)
        except AmiError as exc:  # refused or not sent: nobody was dialled
            await self._finish(key, AttemptOutcome.FAILED, False, f"ORIGINATE {exc}")

    async def _originate(self, claim: store.Claim) -> None:
        timeout_ms = int(self.policy.originate_timeout.total_seconds() * 1000)
        variables = {"ACD_CALLBACK_ID": claim.attempt_key}
        if self.policy.agent_first:
            await self.ami.originate(
                channel=f"PJSIP/{self.callback_seat}",
                context="acd-callback",
                exten=claim.dial_number,
                caller_id=self.hotline_number,
                variables=variables,
                timeout_ms=timeout_ms,
                channel_id=claim.attempt_key,
            )
        else:
            await self.ami.originate(
                channel=f"PJSIP/{claim.dial_number}@trunk",
                context="acd-seat",
                exten=self.callback_seat,
                caller_id=self.hotline_number,
                variables=variables,
                timeout_ms=timeout_ms,
                channel_id=claim.attempt_key,
            )

    async def _finish(
        self, key: str, outcome: AttemptOutcome, caller_dialled: bool, dial_status: str
    ) -> None:
        now = self.clock.now()

        async def record(session: AsyncSession) -> store.AttemptFinished | None:
            finished = await store.finish_attempt(
                session,
                attempt_key=key,
                outcome=outcome,
                caller_dialled=caller_dialled,
                dial_status=dial_status[:32],
                finished_at=now,
                policy=self.policy,
            )
            if finished is None or finished.work_order_id is not None:
                return finished
            # The order may have been written after the dial began: link the result anyway.
            order_id = await self._link_work_order(
                session, finished.task_id, finished.first_call_id
            )
            return dataclasses.replace(finished, work_order_id=order_id)

        finished = await in_transaction(self.sessions, record)
        self.in_flight.pop(key, None)
        await self.poke()
        if finished is None:
            return
        self.bus.publish(
            CallbackAttemptEnded(
                call_id=finished.first_call_id,
                task_id=finished.task_id,
                work_order_id=finished.work_order_id,
                attempt_no=finished.attempt_no,
                outcome=finished.outcome.value,
                task_status=finished.task_status.value,
            )
        )
        if finished.closed_now and finished.task_status is TaskStatus.EXHAUSTED:
            self.bus.publish(
                CallbackExhausted(
                    call_id=finished.first_call_id,
                    task_id=finished.task_id,
                    work_order_id=finished.work_order_id,
                    number=finished.number,
                    attempts=finished.attempts,
                )
            )

    # -- attempts whose result may never come ------------------------------------------------

    async def _recover(self) -> None:
        """After a (re)start: resolve this dialer's 'dialing' attempts from AMI, never redial."""
        now = self.clock.now()
        orphans = await in_transaction(
            self.sessions,
            lambda session: store.attempts_in_flight(
                session, dialer_id=self.dialer_id, stale_before=now - self._result_deadline()
            ),
        )
        live = await self._live_channel_ids() if orphans else set()
        for orphan in orphans:
            if orphan.attempt_key in live:
                log.info("callback %s: adopting a live attempt", orphan.task_id)
                self.in_flight[orphan.attempt_key] = Dial(
                    orphan.task_id, orphan.attempt_key, orphan.started_at, seat_answered=True
                )
            else:
                await self._finish(orphan.attempt_key, AttemptOutcome.UNKNOWN, True, "LOST")
        self._recovered = True

    async def _check_in_flight(self) -> None:
        """An attempt with no result long past its deadline is resolved from AMI state."""
        now = self.clock.now()
        for dial in list(self.in_flight.values()):
            if dial.cause_due is not None and dial.cause_due <= now:  # no leg ever hung up
                await self._finish(dial.attempt_key, AttemptOutcome.FAILED, True, "REASON 0")
        deadline = now - self._result_deadline()
        overdue = [
            dial
            for dial in self.in_flight.values()
            if dial.started_at < deadline
            and (dial.checked_at is None or dial.checked_at <= now - LIVE_CHECK_EVERY)
        ]
        if not overdue:
            return
        live = await self._live_channel_ids()
        for dial in overdue:
            dial.checked_at = now
            if dial.attempt_key not in live:
                await self._finish(dial.attempt_key, AttemptOutcome.UNKNOWN, True, "LOST")

    async def _live_channel_ids(self) -> set[str]:
        reply = await self.ami.send({"Action": "CoreShowChannels"}, as_list=True)
        live: set[str] = set()
        for item in reply.items:
            if item.text("Event") == "CoreShowChannel":
                live.update((item.text("Uniqueid"), item.text("Linkedid")))
        return live

    async def _link_work_order(
        self, session: AsyncSession, task_id: int, call_id: str
    ) -> int | None:
        ref = await self.find_order(session, call_id)
        if ref is None:
            return None
        await store.attach_work_order(session, task_id, ref.id)
        return ref.id

    def _result_deadline(self) -> timedelta:
        return self.policy.originate_timeout + self.policy.dial_timeout + timedelta(minutes=1)

    async def _sleep_seconds(self) -> float:
        now = self.clock.now()
        due = await in_transaction(self.sessions, store.next_due_at)
        if due is None:
            return self.poll_seconds
        due = max(due, quiet_hours_end(now, self.zone, self.policy))
        return min(self.poll_seconds, max(0.05, (due - now).total_seconds()))


def _text(event: Mapping[str, Any], key: str) -> str:
    value = event.get(key, "")
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value)


def _is_ours(event: Mapping[str, Any], in_flight: Mapping[str, Dial]) -> bool:
    name = _text(event, "Event")
    if name == "UserEvent":
        return _text(event, "UserEvent") == "CallbackResult"
    return name in ("OriginateResponse", "Hangup") and _text(event, "Uniqueid") in in_flight
