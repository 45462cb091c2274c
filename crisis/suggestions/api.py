"""HTTP endpoints of the live assessment (/api/crisis/assessment, /api/crisis/suggestions).

For the staff at the desk: agents and supervisors; police, sites and ops get 403.
A suggestion with nothing to suggest cannot be answered (409); each answer is
recorded with the assessment the server made of the same text.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import select

from callcenter.kernel.auth import Permission, Principal, requires
from callcenter.kernel.deps import RuntimeDep, SessionDep
from crisis.decision import IntakeConfig
from crisis.deps import CRISIS_CONFIG
from crisis.draft import RiskLevel
from crisis.models import SuggestionReview
from crisis.suggestions.schemas import AssessmentOut, ReviewIn, ReviewOut, TextIn

router = APIRouter(prefix="/api/crisis", tags=["crisis"])
ConfigDep = Annotated[IntakeConfig, Depends(CRISIS_CONFIG)]
# the desk's staff: counsellors and supervisors
Desk = Annotated[Principal, Depends(requires(Permission.CRISIS_EVALUATE))]


@router.post("/assessment", response_model=AssessmentOut)
async def assessment(body: TextIn, principal: Desk, config: ConfigDep) -> AssessmentOut:
    """The suggested level and its evidence for this text; nothing is written."""
    await config.assessor.ready()
    return AssessmentOut.of(config.assessor.assess(body.summary, body.notes))


@router.post("/suggestions", response_model=ReviewOut, status_code=201)
async def answer(
    body: ReviewIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Desk,
    config: ConfigDep,
) -> ReviewOut:
    """Accept the suggested level, or dismiss it with a reason."""
    await config.assessor.ready()
    found = config.assessor.assess(body.summary, body.notes)
    if found.level is RiskLevel.NONE:
        raise HTTPException(409, "the text suggests no risk level; there is nothing to answer")
    row = SuggestionReview(
        call_id=body.call_id,
        order_id=body.order_id,
        decision=body.decision,
        level=found.level.value,
        dimensions=",".join(d.value for d in found.dimensions),
        evidence=json.dumps(
            {d.value: list(w) for d, w in found.evidence.items()}, ensure_ascii=False
        ),
        reason=body.reason.value if body.reason else None,
        note=body.note,
        patterns_version=found.version,
        by=principal.user,
        role=principal.role.value,
        at=runtime.clock.now(),
    )
    session.add(row)
    await session.flush()
    return _out(row)


@router.get("/suggestions", response_model=list[ReviewOut])
async def answers(
    session: SessionDep,
    principal: Desk,
    call_id: Annotated[str, Query(min_length=1, max_length=64)],
) -> list[ReviewOut]:
    rows = await session.scalars(
        select(SuggestionReview)
        .where(SuggestionReview.call_id == call_id)
        .order_by(SuggestionReview.id)
    )
    return [_out(row) for row in rows.all()]


def _out(row: SuggestionReview) -> ReviewOut:
    return ReviewOut(
        id=row.id,
        call_id=row.call_id,
        order_id=row.order_id,
        decision=row.decision,
        level=row.level,
        dimensions=[d for d in row.dimensions.split(",") if d],
        reason=row.reason,
        note=row.note,
        by=row.by,
        at=row.at,
    )
