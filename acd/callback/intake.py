"""Call events in, callback tasks out: a miss opens (or merges into) the number's callback,
an answered repeat call from that number cancels it and links it to the new call.

Where the recorder writes the calls (the serving process), the cancellation is one
of its writes (``record_answered``): it rides on the transaction that records the
answer, and is journalled with it through a database outage."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.callback import cancellation, store
from acd.callback.events import CallbackCancelled, CallbackCreated
from acd.callback.links import OrderLookup
from acd.callback.policy import CallbackPolicy
from acd.callback.units import in_transaction
from acd.events import CallArrived, CallConnected, CallEnded, CallMissed, CallWaiting
from callcenter.kernel.after_commit import publish_after_commit
from callcenter.kernel.bus import DomainEvent, EventBus
from callcenter.kernel.clock import Clock
from callcenter.kernel.phone import DEFAULT_REGION, mask, normalise

log = logging.getLogger(__name__)

# What ``handle`` follows of a call when the recorder does not write its answers.
FOLLOWED = (CallArrived, CallWaiting, CallConnected, CallEnded)

REMEMBERED_CALLS = 10_000  # callers of calls still in progress, to cancel on answer


def dialable(number: str, region: str = DEFAULT_REGION) -> str:
    """The number as the hotline's trunk dials it (national format at home: 13800000001)."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number_for_mobile_dialing(parsed, region, with_formatting=False)


class CallbackIntake:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        clock: Clock,
        policy: CallbackPolicy,
        find_order: OrderLookup,
        is_high_risk: Callable[[str], bool] | None,
        is_own_call: Callable[[str], bool],
        answers_recorded: bool = False,
    ) -> None:
        """``answers_recorded``: the recorder calls ``record_answered`` with each call event,
        in its transaction; the bus's answered calls are then left to it."""
        self.answers_recorded = answers_recorded
        self.sessions = sessions
        self.bus = bus
        self.clock = clock
        self.policy = policy
        self.find_order = find_order
        self.is_high_risk = is_high_risk
        self.is_own_call = is_own_call
        self._callers: OrderedDict[str, str] = OrderedDict()

    async def handle(self, event: DomainEvent) -> bool:
        """Apply one bus event; True when the set of due callbacks may have changed."""
        call_id = event.call_id
        if call_id is None or self.is_own_call(call_id):
            return False
        if isinstance(event, CallMissed):
            await self.record_miss(event, call_id)
            return True
        if not self.answers_recorded:
            if isinstance(event, CallConnected):
                await in_transaction(self.sessions, self._cancel_for(call_id))
            else:
                self._follow_caller(event, call_id)
        return False

    def wants(self, event: DomainEvent) -> bool:
        """The bus events ``handle`` acts on (no other is queued for it)."""
        if isinstance(event, CallMissed):
            return True
        return not self.answers_recorded and isinstance(event, FOLLOWED)

    async def record_answered(self, session: AsyncSession, event: DomainEvent) -> None:
        """The recorder's write for each call event, in its transaction: an answered call
        cancels its number's open callback (published once the transaction commits)."""
        call_id = event.call_id
        if call_id is None or self.is_own_call(call_id):
            return
        if isinstance(event, CallConnected):
            await self._cancel_for(call_id)(session)
        else:
            self._follow_caller(event, call_id)

    def _follow_caller(self, event: DomainEvent, call_id: str) -> None:
        """Who is calling on each call in progress, so its answer needs no look-up."""
        match event:
            case CallArrived(caller_number=number) | CallWaiting(caller_number=number):
                self._remember(call_id, number)
            case CallEnded():
                self._callers.pop(call_id, None)

    async def record_miss(self, event: CallMissed, call_id: str) -> None:
        number = normalise(event.caller_number)
        if not number:
            log.warning("missed call %s has no caller number: no callback possible", call_id)
            return
        high_risk = self.is_high_risk(number) if self.is_high_risk is not None else False
        now = self.clock.now()

        async def record(session: AsyncSession) -> store.MissRecorded:
            ref = await self.find_order(session, call_id)
            return await store.record_miss(
                session,
                number=number,
                dial_number=dialable(number) or event.caller_number.strip(),
                call_id=call_id,
                reason=event.reason,
                waited_seconds=event.waited_seconds,
                missed_at=now,
                high_risk=high_risk,
                work_order_id=ref.id if ref is not None else None,
                policy=self.policy,
            )

        recorded = await in_transaction(self.sessions, record)
        if recorded.duplicate:
            return
        log.info(
            "missed call from %s (%s) → callback %s%s",
            mask(number),
            event.reason.value,
            recorded.task_id,
            " (merged)" if recorded.merged else "",
        )
        self.bus.publish(
            CallbackCreated(
                call_id=call_id,
                task_id=recorded.task_id,
                number=number,
                reason=event.reason.value,
                merged=recorded.merged,
            )
        )

    def _cancel_for(self, call_id: str) -> Callable[[AsyncSession], Awaitable[None]]:
        """The answered call's cancellation of its number's open callback, in a session."""
        remembered = self._callers.pop(call_id, None)
        now = self.clock.now()

        async def cancel(session: AsyncSession) -> None:
            number = remembered
            if number is None:
                ref = await self.find_order(session, call_id)
                number = ref.caller_number if ref is not None else None
            if not number:
                return
            task = await cancellation.cancel_for_number(
                session, normalise(number), call_id=call_id, at=now
            )
            if task is not None:
                cancelled = CallbackCancelled(
                    call_id=task.first_call_id,
                    task_id=task.id,
                    reason=task.close_reason,
                    linked_call_id=call_id,
                )
                publish_after_commit(session, self.bus, cancelled)

        return cancel

    def _remember(self, call_id: str, number: str) -> None:
        self._callers[call_id] = number
        self._callers.move_to_end(call_id)
        while len(self._callers) > REMEMBERED_CALLS:
            self._callers.popitem(last=False)
