"""HTTP endpoints of the crisis package (/api/crisis/...).

Reading an escalation writes an access-log row. Handling endpoints are for the
police liaison, local sites (their own cases) and supervisors; others get 403.
Refused state changes answer 409 with the reason.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import select

from callcenter.kernel.audit import Action, record_by
from callcenter.kernel.auth import Permission, Principal, Role, requires
from callcenter.kernel.deps import RowId, RuntimeDep, SessionDep
from callcenter.kernel.phone import mask
from crisis import commands, store
from crisis.commands import Command, Forbidden, NotFound
from crisis.deps import CRISIS_CONFIG
from crisis.escalation import Policy, TransitionRefused
from crisis.events import EscalationChanged
from crisis.intake import IntakeConfig, evaluate
from crisis.models import AccessLog, Escalation
from crisis.report import month_report
from crisis.schemas import (
    AccessOut,
    CheckpointIn,
    CloseIn,
    EscalationOut,
    EvaluateRequest,
    EvaluateResponse,
    FindingOut,
    FiredRuleOut,
    OwnerIn,
    PlanOut,
    ReportOut,
    RuleSetIn,
    RuleSetOut,
    StepOut,
)
from crisis.suggestions.schemas import AssessmentOut

router = APIRouter(prefix="/api/crisis", tags=["crisis"])
Evaluator = Annotated[Principal, Depends(requires(Permission.CRISIS_EVALUATE))]
Reader = Annotated[Principal, Depends(requires(Permission.CRISIS_READ))]
Handler = Annotated[Principal, Depends(requires(Permission.CRISIS_HANDLE))]
Supervisor = Annotated[Principal, Depends(requires(Permission.CRISIS_SUPERVISE))]
RulesReader = Annotated[Principal, Depends(requires(Permission.CRISIS_RULES_READ))]
RulesWriter = Annotated[Principal, Depends(requires(Permission.CRISIS_RULES_WRITE))]
MONTH = re.compile(r"^(19|2[0-9])\d{2}-(0[1-9]|1[0-2])$")  # a month the hotline can have had


def _config(runtime: RuntimeDep) -> IntakeConfig:
    return runtime.get(CRISIS_CONFIG)


def _policy(runtime: RuntimeDep) -> Policy:
    return _config(runtime).policy


def _logged_read(
    session: SessionDep, principal: Principal, at: datetime, what: str, ids: list[int]
) -> None:
    """Each case read goes to the case's own access log and to the audit trail."""
    for escalation_id in ids:
        store.log_access(
            session,
            user=principal.user,
            role=principal.role.value,
            at=at,
            what=what,
            escalation_id=escalation_id,
        )
    if ids:
        record_by(
            session,
            principal,
            at=at,
            action=Action.READ_CRISIS,
            target=f"escalation:{ids[0]}" if len(ids) == 1 else "escalations",
            detail=f"{what}: " + ",".join(str(i) for i in ids),
        )


@router.post("/evaluate", response_model=EvaluateResponse)
async def dry_run(
    body: EvaluateRequest, session: SessionDep, runtime: RuntimeDep, principal: Evaluator
) -> EvaluateResponse:
    decision = await evaluate(session, body.draft, runtime.clock.now(), _config(runtime))
    verdict = decision.verdict
    plan = verdict.plan
    return EvaluateResponse(
        ruleset_version=verdict.version,
        assessment=AssessmentOut.of(decision.assessment),
        fired=[
            FiredRuleOut(
                name=rule.name,
                priority=rule.priority,
                condition=rule.condition,
                findings=[FindingOut(field=f.field, detail=f.detail) for f in rule.findings],
                actions=[action.kind for action in rule.actions],
            )
            for rule in verdict.fired
        ],
        plan=PlanOut(
            escalates=plan.escalates,
            police_webhook=plan.police_webhook,
            police_conference=plan.police_conference,
            local=plan.local,
            owner=plan.owner,
            supervisor_alert=plan.supervisor_alert,
            flag_reason=plan.flag_reason,
        ),
    )


@router.get("/escalations", response_model=list[EscalationOut])
async def list_escalations(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    open_only: Annotated[bool, Query(alias="open")] = True,
) -> list[EscalationOut]:
    """Open cases (or all): police see their hand-offs, a site its own cases; every read logged."""
    query = select(Escalation).order_by(Escalation.raised_at.desc()).limit(200)
    if open_only:
        query = query.where(Escalation.stage != "closed")
    if principal.role is Role.SITE:
        query = query.where(Escalation.site_id == principal.site_id)
    if principal.role is Role.POLICE:
        query = query.where(Escalation.police.is_(True))
    rows = list((await session.scalars(query)).all())
    _logged_read(session, principal, runtime.clock.now(), "list escalations", [r.id for r in rows])
    return [_out(row, principal) for row in rows]


@router.get("/escalations/{escalation_id}", response_model=EscalationOut)
async def read_escalation(
    escalation_id: RowId, session: SessionDep, runtime: RuntimeDep, principal: Reader
) -> EscalationOut:
    row = await _load(session, escalation_id, principal)
    _logged_read(session, principal, runtime.clock.now(), "read escalation", [row.id])
    out = _out(row, principal)
    out.steps = [
        StepOut(at=s.at, step=s.step, actor=s.actor, role=s.role, detail=s.detail)
        for s in await store.steps_of(session, row.id)
    ]
    return out


@router.get("/escalations/{escalation_id}/access-log", response_model=list[AccessOut])
async def access_log(
    escalation_id: RowId, session: SessionDep, principal: Supervisor
) -> list[AccessOut]:
    """Who read this case, and when (supervisors only)."""
    await _load(session, escalation_id, principal)
    rows = await session.scalars(
        select(AccessLog).where(AccessLog.escalation_id == escalation_id).order_by(AccessLog.id)
    )
    return [AccessOut(at=r.at, user=r.user, role=r.role, what=r.what) for r in rows.all()]


@router.post("/escalations/{escalation_id}/acknowledge", response_model=EscalationOut)
async def acknowledge(
    escalation_id: RowId,
    body: CheckpointIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Handler,
) -> EscalationOut:
    return await _command(
        escalation_id, Command.ACKNOWLEDGE, body.note, None, session, runtime, principal
    )


@router.post("/escalations/{escalation_id}/reached", response_model=EscalationOut)
async def reached(
    escalation_id: RowId,
    body: CheckpointIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Handler,
) -> EscalationOut:
    return await _command(
        escalation_id, Command.REACHED, body.note, None, session, runtime, principal
    )


@router.post("/escalations/{escalation_id}/follow-ups/{which}", response_model=EscalationOut)
async def follow_up(
    escalation_id: RowId,
    which: Literal["24h", "72h"],
    body: CheckpointIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Handler,
) -> EscalationOut:
    command = Command.FOLLOW_UP_24H if which == "24h" else Command.FOLLOW_UP_72H
    return await _command(escalation_id, command, body.note, None, session, runtime, principal)


@router.post("/escalations/{escalation_id}/close", response_model=EscalationOut)
async def close(
    escalation_id: RowId,
    body: CloseIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Handler,
) -> EscalationOut:
    return await _command(
        escalation_id, Command.CLOSE, body.note, body.override_reason, session, runtime, principal
    )


@router.put("/escalations/{escalation_id}/owner", response_model=EscalationOut)
async def reassign_owner(
    escalation_id: RowId,
    body: OwnerIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Supervisor,
) -> EscalationOut:
    row = await _load(session, escalation_id, principal)
    store.add_step(
        session,
        row.id,
        runtime.clock.now(),
        "owner_assigned",
        actor=principal.user,
        role=principal.role.value,
        detail=f"{row.owner} → {body.owner}",
    )
    row.owner = body.owner
    return _out(row, principal)


@router.get("/report", response_model=ReportOut)
async def report(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Supervisor,
    month: Annotated[str, Query(pattern=MONTH.pattern)],
) -> ReportOut:
    result = await month_report(session, month, runtime.settings.zone)
    return ReportOut(**result.__dict__)


@router.get("/rules", response_model=RuleSetOut)
async def active_rules(
    session: SessionDep, runtime: RuntimeDep, principal: RulesReader
) -> RuleSetOut:
    ruleset = await store.active_ruleset(session, _config(runtime).bundled)
    return RuleSetOut(version=ruleset.version, rules=ruleset.rules.model_dump(mode="json"))


@router.put("/rules", response_model=RuleSetOut)
async def store_rules(
    body: RuleSetIn, session: SessionDep, runtime: RuntimeDep, principal: RulesWriter
) -> RuleSetOut:
    ruleset = await store.store_ruleset(
        session, body.rules, body.label, principal.user, runtime.clock.now()
    )
    return RuleSetOut(version=ruleset.version, rules=ruleset.rules.model_dump(mode="json"))


@router.get("/flagged", response_model=dict[str, str])
async def flagged(session: SessionDep, principal: Supervisor) -> dict[str, str]:
    return await store.flagged_numbers(session)


async def _load(session: SessionDep, escalation_id: int, principal: Principal) -> Escalation:
    try:
        return await commands.load(session, escalation_id, principal)
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc


async def _command(
    escalation_id: int,
    command: Command,
    note: str,
    override: str | None,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Principal,
) -> EscalationOut:
    try:
        row = await commands.apply(
            session,
            escalation_id,
            command,
            principal,
            runtime.clock.now(),
            _policy(runtime),
            note=note,
            override_reason=override,
        )
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except TransitionRefused as exc:
        raise HTTPException(409, exc.reason) from exc
    runtime.bus.publish(
        EscalationChanged(
            call_id=row.call_id, escalation_id=row.id, stage=row.stage, actor=principal.user
        )
    )
    return _out(row, principal)


def _out(row: Escalation, principal: Principal) -> EscalationOut:
    # Police see the full number of their own hand-offs: a responder must be able to call.
    full = principal.sees_full_numbers or (principal.role is Role.POLICE and row.police)
    number = row.caller_number if full else mask(row.caller_number)
    return EscalationOut(
        id=row.id,
        call_id=row.call_id,
        order_id=row.order_id,
        caller_number=number,
        region=row.region,
        location=row.location,
        site_id=row.site_id,
        stage=row.stage,
        owner=row.owner,
        police=row.police,
        local=row.local,
        conference=row.conference,
        ruleset_version=row.ruleset_version,
        fired_rules=json.loads(row.fired_rules),
        raised_at=row.raised_at,
        ack_due_at=row.ack_due_at,
        notified_at=row.notified_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        reached_at=row.reached_at,
        follow_up_24h_at=row.follow_up_24h_at,
        follow_up_72h_at=row.follow_up_72h_at,
        closed_at=row.closed_at,
        close_override_reason=row.close_override_reason,
        renotified=row.renotified,
    )
