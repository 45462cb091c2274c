"""A fallback call record becomes a call, a work order and (if abandoned) a callback: once.

All of it, and the ``fallback_calls`` row keyed by the Asterisk Uniqueid, is one
transaction; the caller deletes the AstDB entry only after it committed. Exactly
once even across a crash between the two: a second import of the same record finds
its row and writes nothing (``Imported.already``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from acd import records as calls
from acd.callback import store
from acd.callback.intake import dialable
from acd.callback.policy import CallbackPolicy
from acd.events import CallArrived, MissReason
from acd.fallback.models import FallbackCall
from acd.fallback.periods import period_for
from acd.fallback.records import FallbackRecord
from callcenter.kernel.bus import EventBus
from callcenter.kernel.phone import normalise
from workorders import service as workorders


@dataclass(frozen=True)
class Imported:
    call_id: str
    already: bool = False  # imported before: nothing written now
    callback_task: int | None = None


@dataclass(frozen=True)
class ImportContext:
    hotline: str
    zone: ZoneInfo
    policy: CallbackPolicy
    agent_at: Callable[[str], str | None]  # the agent logged in at a seat, if any
    is_high_risk: Callable[[str], bool]
    bus: EventBus | None = None


async def import_record(
    session: AsyncSession, record: FallbackRecord, context: ImportContext, now: datetime
) -> Imported:
    """Write the record in the caller's transaction, unless it was imported before."""
    if await session.get(FallbackCall, record.call_id) is not None:
        return Imported(record.call_id, already=True)
    period = await period_for(session, record.entered_at, now)
    session.add(FallbackCall(call_id=record.call_id, period_id=period.id, imported_at=now))
    await session.flush()  # a concurrent import of the same record fails here, not later

    call = await calls.record_arrival(session, _arrival(record), campaign=None)
    await session.flush()
    call.skill = record.skill[:16]
    call.queued_at = call.queued_at or record.queued_at
    order = await workorders.open_for_call(
        session,
        call_id=record.call_id,
        caller_number=record.number,
        at=record.arrived_at,
        zone=context.zone,
        hotline=context.hotline,
        bus=context.bus,
        tags=["fallback"],
    )
    task_id = None
    if record.seat is not None and record.answered_at is not None:
        agent = context.agent_at(record.seat)
        if call.answered_at is None:
            call.answered_at, call.seat, call.agent = record.answered_at, record.seat, agent
        await workorders.mark_answered(
            session,
            call_id=record.call_id,
            seat=record.seat,
            agent=agent,
            at=record.answered_at,
            bus=context.bus,
        )
        call.outcome = "answered"
    elif call.answered_at is None:
        call.outcome = MissReason.ABANDONED.value
        task_id = await _owe_callback(session, record, context, order.id)
    if call.ended_at is None:
        call.ended_at, call.end_estimated = record.ended_at, record.estimated_end
    # the call's own outcome counts: an ACD that lived through a cut link may have
    # routed a caller out of the queue and seen the answer itself
    period.calls += 1
    if call.answered_at is not None:
        period.answered += 1
    else:
        period.abandoned += 1
    return Imported(record.call_id, callback_task=task_id)


async def _owe_callback(
    session: AsyncSession, record: FallbackRecord, context: ImportContext, order_id: int
) -> int | None:
    number = normalise(record.number)
    if not number:
        return None  # an anonymous caller cannot be called back
    recorded = await store.record_miss(
        session,
        number=number,
        dial_number=dialable(number) or record.number,
        call_id=record.call_id,
        reason=MissReason.ABANDONED,
        waited_seconds=record.waited_seconds,
        missed_at=record.ended_at,
        high_risk=context.is_high_risk(number),
        work_order_id=order_id,
        policy=context.policy,
    )
    return None if recorded.duplicate else recorded.task_id


def _arrival(record: FallbackRecord) -> CallArrived:
    return CallArrived(
        call_id=record.call_id,
        at=record.arrived_at,
        caller_number=normalise(record.number) or record.number,
    )
