"""Domain events the work-order package publishes on the bus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callcenter.kernel.bus import DomainEvent


@dataclass(frozen=True, kw_only=True)
class WorkOrderCreated(DomainEvent):
    order_id: int
    number: str
    caller_number: str


@dataclass(frozen=True, kw_only=True)
class WorkOrderUpdated(DomainEvent):
    """Any change of the order's content or status; the crisis package assesses risk from it."""

    order_id: int
    number: str
    caller_number: str
    risk_level: str
    summary: str
    category: str | None
    subcategory: str | None
    status: str
    agent: str | None
    age_group: str | None
    gender: str | None
    identity: str | None
    city: str | None
    county: str | None
    changed: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class WorkOrderSubmitted(DomainEvent):
    """The agent submitted the form: wrap-up for this call ends."""

    order_id: int
    agent: str | None
    seat: str | None
    risk_level: str


@dataclass(frozen=True, kw_only=True)
class ReferralOverdue(DomainEvent):
    """A referral missed a deadline: supervision alert (督办) and a reminder to the site."""

    referral_id: int
    order_id: int
    site_id: int
    site_name: str
    deadline: str  # "accept" or "outcome"
    due_at: datetime
