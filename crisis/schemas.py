"""API shapes of the crisis endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from crisis.draft import CaseDraft
from crisis.ruleset import RuleSet
from crisis.suggestions.schemas import AssessmentOut


class EvaluateRequest(BaseModel):
    draft: CaseDraft


class FindingOut(BaseModel):
    field: str
    detail: str


class FiredRuleOut(BaseModel):
    name: str
    priority: int
    condition: str
    findings: list[FindingOut]
    actions: list[str]


class PlanOut(BaseModel):
    escalates: bool
    police_webhook: bool
    police_conference: bool
    local: bool
    owner: str | None
    supervisor_alert: bool
    flag_reason: str | None


class EvaluateResponse(BaseModel):
    """A dry run: what would happen, with nothing written or sent."""

    ruleset_version: str
    assessment: AssessmentOut
    fired: list[FiredRuleOut]
    plan: PlanOut


class StepOut(BaseModel):
    at: datetime
    step: str
    actor: str
    role: str
    detail: str


class EscalationOut(BaseModel):
    id: int
    call_id: str
    order_id: int | None
    caller_number: str
    region: str | None
    location: str | None
    site_id: int | None
    stage: str
    owner: str
    police: bool
    local: bool
    conference: bool
    ruleset_version: str
    fired_rules: list[dict[str, Any]]
    raised_at: datetime
    ack_due_at: datetime
    notified_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    reached_at: datetime | None
    follow_up_24h_at: datetime | None
    follow_up_72h_at: datetime | None
    closed_at: datetime | None
    close_override_reason: str | None
    renotified: int
    steps: list[StepOut] = []


class CheckpointIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class CloseIn(BaseModel):
    note: str = Field(default="", max_length=2000)
    override_reason: str | None = Field(default=None, min_length=3, max_length=2000)


class OwnerIn(BaseModel):
    owner: str = Field(min_length=1, max_length=64)


class RuleSetIn(BaseModel):
    label: str = Field(default="override", min_length=1, max_length=40, pattern=r"^[\w.-]+$")
    rules: RuleSet


class RuleSetOut(BaseModel):
    version: str
    rules: dict[str, Any]


class ReportOut(BaseModel):
    month: str
    crisis_cases: int
    police_handoffs: int
    local_referrals: int
    people_helped: int
    median_seconds_to_notify: float | None
    suggestions_accepted: int
    suggestions_dismissed: int
    dismissed_by_reason: dict[str, int]


class AccessOut(BaseModel):
    at: datetime
    user: str
    role: str
    what: str
