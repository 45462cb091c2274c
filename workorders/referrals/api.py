"""HTTP routes of the closed loop: referral forms, site directory, return visits.

Site users (role ``site``) see only the referrals sent to their own site, with
the caller's number masked; any other referral is a 404 to them, as if it did
not exist. A counsellor sees the referrals they wrote; supervisors see all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.auth import Permission, Principal, Role, requires
from callcenter.kernel.deps import MAX_PAGE, RowId, RuntimeDep, SessionDep
from callcenter.kernel.runtime import Runtime
from workorders.access import open_order
from workorders.deps import REFERRAL_DEADLINES
from workorders.models import WorkOrder
from workorders.referrals.core import Deadlines, Party, ReferralStatus
from workorders.referrals.models import Referral, Site
from workorders.referrals.schemas import (
    ReferralOut,
    ReferralPage,
    ReferralRequest,
    ReferralStep,
    SiteOut,
    VisitOut,
    VisitResult,
)
from workorders.referrals.service import (
    ReferralNotFound,
    ReferralRefused,
    get_referral,
    send_referral,
    step_referral,
)
from workorders.referrals.visits import (
    VisitAlreadyDone,
    VisitNotFound,
    pending_visits,
    record_visit,
)
from workorders.service import OrderNotFound

router = APIRouter(prefix="/api", tags=["referrals"])
Sender = Annotated[Principal, Depends(requires(Permission.REFERRALS_SEND))]
Reader = Annotated[Principal, Depends(requires(Permission.REFERRALS_READ))]
Stepper = Annotated[Principal, Depends(requires(Permission.REFERRALS_STEP))]
SitesReader = Annotated[Principal, Depends(requires(Permission.SITES_READ))]
Visitor = Annotated[Principal, Depends(requires(Permission.VISITS))]


def _deadlines(runtime: Runtime) -> Deadlines:
    return runtime.get(REFERRAL_DEADLINES)


def _site_scope(principal: Principal) -> int | None:
    """The only site a site user may see; None for provincial staff."""
    if principal.role is Role.SITE:
        return principal.site_id or -1  # a site user without a site sees nothing
    return None


def _author_scope(principal: Principal) -> str | None:
    """A counsellor's referrals are the ones they wrote."""
    return None if principal.sees_all_orders else principal.agent_id


async def _out(session: AsyncSession, referral: Referral, principal: Principal) -> ReferralOut:
    order = await session.get(WorkOrder, referral.order_id)
    site = await session.get(Site, referral.site_id)
    assert order is not None and site is not None
    own = principal.agent_id is not None and referral.sent_by == principal.user
    full = principal.sees_full_numbers or own
    return ReferralOut.of(referral, order, site, full_number=full)


def _refused(exc: ReferralRefused) -> HTTPException:
    return HTTPException(409, {"reason": str(exc), "allowed": [s.value for s in exc.allowed]})


@router.post("/workorders/{order_id}/referrals", response_model=ReferralOut, status_code=201)
async def refer(
    order_id: RowId,
    request: ReferralRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Sender,
) -> ReferralOut:
    order = await session.get(WorkOrder, order_id)
    if order is None:
        raise HTTPException(404, f"work order {order_id} not found")
    await open_order(session, runtime.live, principal, order, at=runtime.clock.now(), why="refer")
    try:
        referral = await send_referral(
            session,
            order_id,
            request.site_id,
            reason=request.reason,
            actor=principal.user,
            at=runtime.clock.now(),
            deadlines=_deadlines(runtime),
            bus=runtime.bus,
        )
    except (OrderNotFound, ReferralNotFound) as exc:
        raise HTTPException(404, str(exc)) from exc
    except ReferralRefused as exc:
        raise _refused(exc) from exc
    return await _out(session, referral, principal)


@router.get("/referrals", response_model=ReferralPage)
async def list_referrals(
    session: SessionDep,
    principal: Reader,
    status: ReferralStatus | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReferralPage:
    site_id, author = _site_scope(principal), _author_scope(principal)
    query = select(Referral)
    if site_id is not None:
        query = query.where(Referral.site_id == site_id)
    if author is not None:
        query = query.where(Referral.sent_by == author)
    if status is not None:
        query = query.where(Referral.status == status.value)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.scalars(
        query.order_by(Referral.sent_at.desc(), Referral.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    )
    items = [await _out(session, referral, principal) for referral in rows]
    return ReferralPage(items=items, total=int(total), page=page, size=size)


@router.get("/referrals/{referral_id}", response_model=ReferralOut)
async def read_referral(referral_id: RowId, session: SessionDep, principal: Reader) -> ReferralOut:
    try:
        referral = await _get(session, referral_id, principal)
    except ReferralNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return await _out(session, referral, principal)


async def _get(session: AsyncSession, referral_id: int, principal: Principal) -> Referral:
    referral = await get_referral(session, referral_id, _site_scope(principal))
    author = _author_scope(principal)
    if author is not None and referral.sent_by != author:
        raise ReferralNotFound(f"referral {referral_id} not found")
    return referral


@router.post("/referrals/{referral_id}/status", response_model=ReferralOut)
async def move_referral(
    referral_id: RowId,
    step: ReferralStep,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Stepper,
) -> ReferralOut:
    """Sites accept, follow up and report; the province reviews and closes (or sends back)."""
    site_id = _site_scope(principal)
    party = Party.SITE if principal.role is Role.SITE else Party.PROVINCE
    try:
        referral = await step_referral(
            session,
            referral_id,
            step.status,
            party=party,
            site_id=site_id,
            actor=principal.user,
            at=runtime.clock.now(),
            note=step.note,
            deadlines=_deadlines(runtime),
        )
    except ReferralNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except ReferralRefused as exc:
        raise _refused(exc) from exc
    return await _out(session, referral, principal)


@router.get("/sites", response_model=list[SiteOut])
async def list_sites(session: SessionDep, principal: SitesReader) -> list[SiteOut]:
    site_id = _site_scope(principal)
    query = select(Site).order_by(Site.city, Site.name)
    if site_id is not None:
        query = query.where(Site.id == site_id)
    return [SiteOut.of(site) for site in await session.scalars(query)]


@router.get("/return-visits", response_model=list[VisitOut])
async def list_visits(session: SessionDep, principal: Visitor) -> list[VisitOut]:
    return [VisitOut.of(visit) for visit in await pending_visits(session)]


@router.post("/return-visits/{visit_id}", response_model=VisitOut)
async def complete_visit(
    visit_id: RowId,
    outcome: VisitResult,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Visitor,
) -> VisitOut:
    try:
        visit = await record_visit(
            session,
            visit_id,
            result=outcome.result,
            satisfaction=outcome.satisfaction,
            actor=principal.user,
            at=runtime.clock.now(),
        )
    except VisitNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except VisitAlreadyDone as exc:
        raise HTTPException(409, str(exc)) from exc
    return VisitOut.of(visit)
