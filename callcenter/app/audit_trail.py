"""GET /api/audit: the audit trail for supervisors and admins, filtered and paged, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlalchemy import func, select

from callcenter.kernel.audit import Action, AuditEntry
from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.deps import SessionDep

router = APIRouter(prefix="/api", tags=["audit"])
Auditor = Annotated[Principal, Depends(requires(Permission.AUDIT_READ))]


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    detail: str
    address: str


class AuditPage(BaseModel):
    items: list[AuditOut]
    total: int
    page: int
    size: int


@router.get("/audit", response_model=AuditPage)
async def audit_trail(
    principal: Auditor,
    session: SessionDep,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Action | None = None,
    target: Annotated[str | None, Query(max_length=128, description="prefix, e.g. user:")] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Who signed in, changed access, exported, or read a crisis case or another's order."""
    query = select(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action.value)
    if target:
        query = query.where(AuditEntry.target.startswith(target, autoescape=True))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    )
    return AuditPage(
        items=[AuditOut.model_validate(row) for row in rows],
        total=int(total or 0),
        page=page,
        size=size,
    )
