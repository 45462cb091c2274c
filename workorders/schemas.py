"""API shapes of work orders: what the desk sends and what it gets back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from callcenter.kernel.phone import mask
from workorders.lifecycle import RiskLevel, Status
from workorders.models import WorkOrder, WorkOrderHistory
from workorders.reference import AgeGroup, Gender, Identity, category_problem, region_problem


class WorkOrderPatch(BaseModel):
    """The form's editable fields; only those sent are changed."""

    model_config = ConfigDict(extra="forbid")

    summary: str | None = Field(default=None, max_length=10_000)
    risk_level: RiskLevel | None = None
    category: str | None = None
    subcategory: str | None = None
    tags: list[str] | None = Field(default=None, max_length=16)
    age_group: AgeGroup | None = None
    gender: Gender | None = None
    identity: Identity | None = None
    city: str | None = None
    county: str | None = None

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None) -> str | None:
        problem = category_problem(value, None)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("subcategory")
    @classmethod
    def _known_subcategory(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if "category" in info.data and info.data["category"] is None:
            raise ValueError("send the category together with the subcategory")
        problem = category_problem(info.data.get("category"), value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("city")
    @classmethod
    def _known_city(cls, value: str | None) -> str | None:
        problem = region_problem(value, None)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("county")
    @classmethod
    def _known_county(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if info.data.get("city") is None:
            raise ValueError("send the city together with the county")
        problem = region_problem(info.data["city"], value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("tags")
    @classmethod
    def _plain_tags(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        for tag in value:
            if not tag.strip() or "," in tag or len(tag) > 32:
                raise ValueError("tags are 1-32 characters without commas")
        return [tag.strip() for tag in value]

    def changes(self) -> dict[str, Any]:
        """The fields sent; a new category or city clears a sub-value that was not resent."""
        sent = {
            name: (value.value if hasattr(value, "value") else value)
            for name, value in self.model_dump(exclude_unset=True).items()
        }
        for parent, child in (("category", "subcategory"), ("city", "county")):
            if parent in sent and child not in sent:
                sent[child] = None
        return sent


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    reason: str | None = Field(default=None, max_length=2000)


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_id: int = Field(gt=0, le=2_147_483_647)
    reason: str | None = Field(default=None, max_length=2000)


class WorkOrderOut(BaseModel):
    id: int
    number: str
    call_id: str
    calls: list[str] = []
    caller_number: str
    created_at: datetime
    updated_at: datetime | None
    status: str
    seat: str | None
    agent: str | None
    answered_at: datetime | None
    submitted_at: datetime | None
    closed_at: datetime | None
    summary: str
    risk_level: str
    category: str | None
    subcategory: str | None
    tags: list[str]
    age_group: str | None
    gender: str | None
    identity: str | None
    city: str | None
    county: str | None
    merged_into_id: int | None

    @classmethod
    def of(
        cls, order: WorkOrder, *, full_number: bool, calls: list[str] | None = None
    ) -> WorkOrderOut:
        number = order.caller_number if full_number else mask(order.caller_number)
        return cls(
            id=order.id,
            number=order.number,
            call_id=order.call_id,
            calls=calls if calls is not None else [order.call_id],
            caller_number=number,
            created_at=order.created_at,
            updated_at=order.updated_at,
            status=order.status,
            seat=order.seat,
            agent=order.agent,
            answered_at=order.answered_at,
            submitted_at=order.submitted_at,
            closed_at=order.closed_at,
            summary=order.summary,
            risk_level=order.risk_level,
            category=order.category,
            subcategory=order.subcategory,
            tags=order.tag_list,
            age_group=order.age_group,
            gender=order.gender,
            identity=order.identity,
            city=order.city,
            county=order.county,
            merged_into_id=order.merged_into_id,
        )


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    order_id: int
    at: datetime
    actor: str
    field: str
    old_value: str | None
    new_value: str | None
    reason: str | None

    @classmethod
    def of(cls, row: WorkOrderHistory) -> HistoryOut:
        return cls.model_validate(row)


class WorkOrderPage(BaseModel):
    items: list[WorkOrderOut]
    total: int
    page: int
    size: int


class PreviousOrder(BaseModel):
    id: int
    number: str
    created_at: datetime
    status: str
    risk_level: str
    category: str | None
    summary: str


class OpenReferral(BaseModel):
    id: int
    order_id: int
    site_id: int
    site_name: str
    status: str
    sent_at: datetime


class CallerContext(BaseModel):
    """The screen pop: the order and what the hotline already knows about this caller."""

    order: WorkOrderOut
    previous_orders: list[PreviousOrder]
    last_risk_level: str | None
    open_referrals: list[OpenReferral]
    pending_callbacks: list[dict[str, Any]]
