"""Referral shell: send a case to a site, move it along the closed loop, chase missed deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.after_commit import publish_after_commit
from callcenter.kernel.bus import EventBus
from workorders.events import ReferralOverdue
from workorders.lifecycle import Status
from workorders.models import WorkOrder
from workorders.referrals.core import (
    RETURN_VISIT_WITHIN,
    Deadline,
    Deadlines,
    Party,
    ReferralClock,
    ReferralStatus,
    StepDenied,
    check_step,
    missed_deadline,
)
from workorders.referrals.models import Referral, ReferralReminder, ReturnVisit, Site
from workorders.service import change_status, dialect_insert, get_order, record

SENDABLE = frozenset({Status.IN_PROGRESS, Status.ESCALATED, Status.REFERRED})


class ReferralNotFound(LookupError):
    pass


class ReferralRefused(Exception):
    def __init__(self, reason: str, allowed: tuple[ReferralStatus, ...] = ()) -> None:
        super().__init__(reason)
        self.allowed = allowed


@dataclass(frozen=True)
class Overdue:
    referral: Referral
    site: Site
    deadline: Deadline
    due_at: datetime


async def send_referral(
    session: AsyncSession,
    order_id: int,
    site_id: int,
    *,
    reason: str,
    actor: str,
    at: datetime,
    deadlines: Deadlines = Deadlines(),
    bus: EventBus | None = None,
) -> Referral:
    """Fill in the referral form (个案转介单): the order becomes ``referred``."""
    order = await get_order(session, order_id)
    if Status(order.status) not in SENDABLE:
        raise ReferralRefused(f"a {order.status} work order cannot be referred")
    if await session.get(Site, site_id) is None:
        raise ReferralNotFound(f"site {site_id} not found")
    if order.status != Status.REFERRED:
        await change_status(session, order.id, Status.REFERRED, actor=actor, at=at, bus=bus)
    referral = Referral(
        order_id=order.id,
        site_id=site_id,
        status=ReferralStatus.SENT.value,
        reason=reason,
        sent_by=actor,
        sent_at=at,
        accept_due_at=deadlines.accept_due(at),
    )
    session.add(referral)
    await session.flush()
    record(
        session,
        order.id,
        at=at,
        actor=actor,
        field=f"referral#{referral.id}",
        old=None,
        new=ReferralStatus.SENT.value,
        reason=reason,
    )
    return referral


async def get_referral(session: AsyncSession, referral_id: int, site_id: int | None) -> Referral:
    """The referral; a site user (``site_id`` given) finds only those sent to that site."""
    referral = await session.get(Referral, referral_id)
    if referral is None or (site_id is not None and referral.site_id != site_id):
        raise ReferralNotFound(f"referral {referral_id} not found")
    return referral


async def step_referral(
    session: AsyncSession,
    referral_id: int,
    new: ReferralStatus,
    *,
    party: Party,
    site_id: int | None,
    actor: str,
    at: datetime,
    note: str | None = None,
    deadlines: Deadlines = Deadlines(),
) -> Referral:
    """Move a referral one step; closing it creates the return-visit task."""
    referral = await get_referral(session, referral_id, site_id)
    denied: StepDenied | None = check_step(ReferralStatus(referral.status), new, party)
    if denied is not None:
        raise ReferralRefused(denied.reason, denied.allowed)
    if new is ReferralStatus.OUTCOME_REPORTED and not (note and note.strip()):
        raise ReferralRefused("reporting an outcome needs the outcome text", (new,))
    old = referral.status
    match new:
        case ReferralStatus.ACCEPTED:
            referral.accepted_at = at
            referral.outcome_due_at = deadlines.outcome_due(at)
        case ReferralStatus.IN_FOLLOW_UP:
            referral.follow_up_at = referral.follow_up_at or at
            if old == ReferralStatus.OUTCOME_REPORTED:  # sent back: a fresh outcome deadline
                referral.outcome_due_at = deadlines.outcome_due(at)
                referral.review_note = note
        case ReferralStatus.OUTCOME_REPORTED:
            referral.outcome, referral.outcome_at = note, at
        case ReferralStatus.CLOSED:
            referral.closed_at, referral.review_note = at, note
            session.add(
                ReturnVisit(
                    referral_id=referral.id,
                    order_id=referral.order_id,
                    created_at=at,
                    due_at=at + RETURN_VISIT_WITHIN,
                )
            )
    referral.status = new.value
    record(
        session,
        referral.order_id,
        at=at,
        actor=actor,
        field=f"referral#{referral.id}",
        old=old,
        new=new.value,
        reason=note,
    )
    return referral


async def find_overdue(session: AsyncSession, now: datetime) -> list[Overdue]:
    """Referrals past a deadline at ``now`` that were not yet reminded for that deadline."""

    def reminded(deadline: Deadline, due: Any) -> ColumnElement[bool]:
        return exists().where(
            ReferralReminder.referral_id == Referral.id,
            ReferralReminder.deadline == deadline.value,
            ReferralReminder.due_at == due,
        )

    late = or_(
        and_(
            Referral.status == ReferralStatus.SENT.value,
            Referral.accept_due_at < now,
            ~reminded(Deadline.ACCEPT, Referral.accept_due_at),
        ),
        and_(
            Referral.status.in_([ReferralStatus.ACCEPTED.value, ReferralStatus.IN_FOLLOW_UP.value]),
            Referral.outcome_due_at < now,
            ~reminded(Deadline.OUTCOME, Referral.outcome_due_at),
        ),
    )
    rows = await session.execute(
        select(Referral, Site)
        .join(Site, Site.id == Referral.site_id)
        .where(late)
        .order_by(Referral.id)
    )
    found: list[Overdue] = []
    for referral, site in rows:
        clock = ReferralClock(
            ReferralStatus(referral.status), referral.accept_due_at, referral.outcome_due_at
        )
        missed = missed_deadline(clock, now)
        if missed is not None:
            found.append(Overdue(referral, site, missed[0], missed[1]))
    return found


async def escalate_overdue(
    session: AsyncSession, now: datetime, bus: EventBus | None
) -> list[Overdue]:
    """Record one supervision alert (督办) per missed deadline and remind the site, once."""
    raised: list[Overdue] = []
    for item in await find_overdue(session, now):
        stmt = dialect_insert(session, ReferralReminder).values(
            referral_id=item.referral.id,
            deadline=item.deadline.value,
            due_at=item.due_at,
            reminded_at=now,
        )
        stmt = stmt.on_conflict_do_nothing().returning(ReferralReminder.id)
        if (await session.execute(stmt)).scalar_one_or_none() is None:
            continue  # another worker reminded it first
        order = await session.get(WorkOrder, item.referral.order_id)
        record(
            session,
            item.referral.order_id,
            at=now,
            actor="system",
            field=f"referral#{item.referral.id}.overdue",
            old=None,
            new=item.deadline.value,
        )
        publish_after_commit(
            session,
            bus,
            ReferralOverdue(
                call_id=order.call_id if order else None,
                referral_id=item.referral.id,
                order_id=item.referral.order_id,
                site_id=item.site.id,
                site_name=item.site.name,
                deadline=item.deadline.value,
                due_at=item.due_at,
            ),
        )
        raised.append(item)
    return raised
