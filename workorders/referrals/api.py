"""HTTP routes of the closed loop: referral forms, site directory, return visits.

Site users (role ``site``) see only the referrals sent to their own site; any
other referral is a 404 to them, as if it did not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.kernel.auth import Principal, Role
from callcenter.kernel.deps import PrincipalDep, RuntimeDep, SessionDep
from callcenter.kernel.runtime import Runtime
from workorders.access import PROVINCE, READERS, require
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


def _deadlines(runtime: Runtime) -> Deadlines:
    return runtime.get(REFERRAL_DEADLINES)


def _site_scope(principal: Principal) -> int | None:
    """The only site a site user may see; None for provincial staff."""
    if principal.role is Role.SITE:
        return principal.site_id
    require(principal, READERS | PROVINCE, "read referrals")
    return None


async def _out(session: AsyncSession, referral: Referral, principal: Principal) -> ReferralOut:
    order = await session.get(WorkOrder, referral.order_id)
    site = await session.get(Site, referral.site_id)
    assert order is not None and site is not None
    return ReferralOut.of(referral, order, site, full_number=principal.sees_full_numbers)


def _refused(exc: ReferralRefused) -> HTTPException:
    return HTTPException(409, {"reason": str(exc), "allowed": [s.value for s in exc.allowed]})


@router.post("/workorders/{order_id}/referrals", response_model=ReferralOut, status_code=201)
async def refer(
    order_id: int,
    request: ReferralRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
) -> ReferralOut:
    require(principal, PROVINCE, "send referrals")
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
    principal: PrincipalDep,
    status: ReferralStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReferralPage:
    site_id = _site_scope(principal)
    query = select(Referral)
    if site_id is not None:
        query = query.where(Referral.site_id == site_id)
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
async def read_referral(
    referral_id: int, session: SessionDep, principal: PrincipalDep
) -> ReferralOut:
    try:
        referral = await _get(session, referral_id, principal)
    except ReferralNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return await _out(session, referral, principal)


async def _get(session: AsyncSession, referral_id: int, principal: Principal) -> Referral:
    return await get_referral(session, referral_id, _site_scope(principal))


@router.post("/referrals/{referral_id}/status", response_model=ReferralOut)
async def move_referral(
    referral_id: int,
    step: ReferralStep,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
) -> ReferralOut:
    """Sites accept, follow up and report; the province reviews and closes (or sends back)."""
    site_id = _site_scope(principal)
    if site_id is None:
        require(principal, PROVINCE, "review referrals")
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
async def list_sites(session: SessionDep, principal: PrincipalDep) -> list[SiteOut]:
    site_id = _site_scope(principal)
    query = select(Site).order_by(Site.city, Site.name)
    if site_id is not None:
        query = query.where(Site.id == site_id)
    return [SiteOut.of(site) for site in await session.scalars(query)]


@router.get("/return-visits", response_model=list[VisitOut])
async def list_visits(session: SessionDep, principal: PrincipalDep) -> list[VisitOut]:
    require(principal, PROVINCE, "see return visits")
    return [VisitOut.of(visit) for visit in await pending_visits(session)]


@router.post("/return-visits/{visit_id}", response_model=VisitOut)
async def complete_visit(
    visit_id: int,
    outcome: VisitResult,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: PrincipalDep,
) -> VisitOut:
    require(principal, PROVINCE, "record return visits")
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
