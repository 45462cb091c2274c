"""API shapes of referrals, sites and return visits."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from callcenter.kernel.phone import mask
from workorders.models import WorkOrder
from workorders.referrals.core import ReferralStatus
from workorders.referrals.models import Referral, ReturnVisit, Site


class ReferralRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: int = Field(gt=0, le=2_147_483_647)
    reason: str = Field(min_length=1, max_length=4000)


class ReferralStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ReferralStatus
    note: str | None = Field(default=None, max_length=4000)


class VisitResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: str = Field(min_length=1, max_length=4000)
    satisfaction: int = Field(ge=1, le=5)


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    city: str
    county: str
    address: str
    contact: str
    counsellors: int

    @classmethod
    def of(cls, site: Site) -> SiteOut:
        return cls.model_validate(site)


class ReferralOut(BaseModel):
    """The referral form as the site sees it: the case, never the full number for site users."""

    id: int
    order_id: int
    order_number: str
    site_id: int
    site_name: str
    status: str
    reason: str
    sent_by: str
    sent_at: datetime
    accept_due_at: datetime
    accepted_at: datetime | None
    outcome_due_at: datetime | None
    outcome: str | None
    outcome_at: datetime | None
    closed_at: datetime | None
    review_note: str | None
    caller_number: str
    summary: str
    category: str | None
    subcategory: str | None
    risk_level: str
    age_group: str | None
    gender: str | None
    identity: str | None
    city: str | None
    county: str | None

    @classmethod
    def of(
        cls, referral: Referral, order: WorkOrder, site: Site, *, full_number: bool
    ) -> ReferralOut:
        return cls(
            id=referral.id,
            order_id=order.id,
            order_number=order.number,
            site_id=site.id,
            site_name=site.name,
            status=referral.status,
            reason=referral.reason,
            sent_by=referral.sent_by,
            sent_at=referral.sent_at,
            accept_due_at=referral.accept_due_at,
            accepted_at=referral.accepted_at,
            outcome_due_at=referral.outcome_due_at,
            outcome=referral.outcome,
            outcome_at=referral.outcome_at,
            closed_at=referral.closed_at,
            review_note=referral.review_note,
            caller_number=order.caller_number if full_number else mask(order.caller_number),
            summary=order.summary,
            category=order.category,
            subcategory=order.subcategory,
            risk_level=order.risk_level,
            age_group=order.age_group,
            gender=order.gender,
            identity=order.identity,
            city=order.city,
            county=order.county,
        )


class ReferralPage(BaseModel):
    items: list[ReferralOut]
    total: int
    page: int
    size: int


class VisitOut(BaseModel):
    id: int
    referral_id: int
    order_id: int
    created_at: datetime
    due_at: datetime
    status: str
    done_at: datetime | None
    done_by: str | None
    result: str | None
    satisfaction: int | None

    @classmethod
    def of(cls, visit: ReturnVisit) -> VisitOut:
        return cls(
            id=visit.id,
            referral_id=visit.referral_id,
            order_id=visit.order_id,
            created_at=visit.created_at,
            due_at=visit.due_at,
            status=visit.status,
            done_at=visit.done_at,
            done_by=visit.done_by,
            result=visit.result,
            satisfaction=visit.satisfaction,
        )
