"""The case the rules evaluate (``CaseDraft``) and its adapter from the work-order event."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from callcenter.kernel.phone import normalise
from workorders.events import WorkOrderUpdated


class RiskLevel(StrEnum):
    """The agent's assessment; ordered, so rules may say "at least high"."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    IMMINENT = "imminent"

    @property
    def rank(self) -> int:
        return _RANKS[self]  # looked up: the rules compare levels many times per change


_RANKS = {level: rank for rank, level in enumerate(RiskLevel)}


class CaseDraft(BaseModel):
    """A work order as the agent has it right now, possibly mid-call."""

    call_id: str = Field(min_length=1, max_length=64)
    order_id: int | None = None
    caller_number: str = Field(default="", max_length=32)
    risk_level: RiskLevel = RiskLevel.NONE
    summary: str = Field(default="", max_length=20000)
    notes: str = Field(default="", max_length=20000)
    category: str | None = None
    status: str | None = None
    agent: str | None = None
    caller_age: int | None = Field(default=None, ge=0, le=120)
    age_group: str | None = None
    region: str | None = None  # county (or city), as the local directory names it
    city: str | None = None  # the county's city: the directory's fallback before its default
    location: str | None = Field(default=None, max_length=500)  # where the person is now
    immediate_danger: bool = False  # the caller said they are in danger right now

    @field_validator("caller_number")
    @classmethod
    def _stored_form(cls, value: str) -> str:
        return normalise(value)


_RANGE = re.compile(r"(\d+)\s*[-~–至到]\s*(\d+)")
_UNDER = re.compile(r"(?:under|below|<|小于|不满|未满)\s*_?(\d+)", re.IGNORECASE)
_PLAIN = re.compile(r"^\s*(\d+)\s*(?:岁)?\s*$")


def age_upper_bound(age_group: str | None) -> int | None:
    """The oldest age a group label admits: ``"7-13"`` → 13, ``"under_14"`` → 13."""
    if not age_group:
        return None
    if match := _UNDER.search(age_group):
        return int(match.group(1)) - 1
    if match := _RANGE.search(age_group):
        return int(match.group(2))
    if match := _PLAIN.match(age_group):
        return int(match.group(1))
    return None


def draft_from_work_order(event: WorkOrderUpdated, *, notes: str = "") -> CaseDraft:
    """The work-order package's event, as the rules see it."""
    try:
        risk = RiskLevel(event.risk_level)
    except ValueError:
        risk = RiskLevel.NONE
    region = event.county or event.city
    return CaseDraft(
        call_id=event.call_id or f"order-{event.order_id}",
        order_id=event.order_id,
        caller_number=event.caller_number,
        risk_level=risk,
        summary=event.summary,
        notes=notes,
        category=event.category,
        status=event.status,
        agent=event.agent,
        caller_age=age_upper_bound(event.age_group),
        age_group=event.age_group,
        region=region,
        city=event.city,
        location=" ".join(part for part in (event.city, event.county) if part) or None,
    )
