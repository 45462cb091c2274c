"""Retention: closed orders that were never crisis cases lose their caller and their notes.

After the retention period (``CALLCENTER_RETENTION_DAYS``, 365 by default) an
order that is closed, was never escalated and never rated high or imminent keeps
its statistics (dates, category, region, outcome) but not the caller's number,
the summary, the history's old and new texts, its referrals' notes, its calls'
numbers or its callbacks' numbers. The caller digest becomes a pseudonym of this
run, so "people helped" still counts each caller once within a period, yet the
order can no longer be linked to the caller's later calls. Crisis cases are kept.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.callback.models import CallbackTask
from acd.models import Call
from callcenter.kernel.db import transaction
from workorders.lifecycle import CRISIS_RISKS, Status
from workorders.models import WorkOrder, WorkOrderCall, WorkOrderHistory
from workorders.referrals.models import Referral, ReturnVisit

BATCH = 200
ANONYMOUS = "anon:"
Progress = Callable[[int, int], None]  # orders done, orders due


@dataclass(frozen=True)
class RetentionResult:
    due: int
    anonymised: int


def cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _due(before: datetime) -> ColumnElement[bool]:
    return and_(
        WorkOrder.status == Status.CLOSED.value,
        WorkOrder.closed_at < before,
        WorkOrder.escalated_at.is_(None),
        WorkOrder.risk_level.not_in([risk.value for risk in CRISIS_RISKS]),
        or_(WorkOrder.caller_number != "", WorkOrder.summary != ""),
    )


def pseudonym(salt: bytes, digest: str | None) -> str:
    """One caller, one pseudonym within a run; no link to the number or to other runs."""
    if not digest:
        return ""
    return ANONYMOUS + hashlib.sha256(salt + digest.encode()).hexdigest()[:32]


async def due_orders(session: AsyncSession, before: datetime) -> list[int]:
    rows = await session.scalars(select(WorkOrder.id).where(_due(before)).order_by(WorkOrder.id))
    return list(rows)


async def _anonymise(session: AsyncSession, ids: Sequence[int], salt: bytes) -> None:
    keys = await session.execute(
        select(WorkOrder.id, WorkOrder.caller_key).where(WorkOrder.id.in_(ids))
    )
    for order_id, key in keys.all():
        await session.execute(
            update(WorkOrder)
            .where(WorkOrder.id == order_id)
            .values(caller_number="", summary="", caller_key=pseudonym(salt, key))
        )
    # history rows are append-only for the application; retention is the one deliberate edit
    await session.execute(
        update(WorkOrderHistory)
        .where(WorkOrderHistory.order_id.in_(ids))
        .values(old_value=None, new_value=None, reason=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Referral)
        .where(Referral.order_id.in_(ids))
        .values(reason="", outcome=None, review_note=None)
    )
    await session.execute(
        update(ReturnVisit).where(ReturnVisit.order_id.in_(ids)).values(result=None)
    )
    calls = select(WorkOrderCall.call_id).where(WorkOrderCall.order_id.in_(ids))
    await session.execute(
        update(Call).where(Call.call_id.in_(calls)).values(caller_number="", caller_name="")
    )
    await session.execute(
        update(CallbackTask)
        .where(CallbackTask.work_order_id.in_(ids))
        .values(number="", dial_number="", number_key=None)
    )


async def apply_retention(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    days: int,
    dry_run: bool,
    progress: Progress,
) -> RetentionResult:
    before = cutoff(now, days)
    async with transaction(sessions) as session:
        ids = await due_orders(session, before)
    if dry_run:
        progress(len(ids), len(ids))
        return RetentionResult(due=len(ids), anonymised=0)
    salt = secrets.token_bytes(16)
    done = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        async with transaction(sessions) as session:
            await _anonymise(session, batch, salt)
        done += len(batch)
        progress(done, len(ids))
    return RetentionResult(due=len(ids), anonymised=done)
