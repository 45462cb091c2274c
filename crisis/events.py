"""Domain events the crisis package publishes on the bus."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from callcenter.kernel.bus import DomainEvent


class AlertReason(StrEnum):
    RULES_FIRED = "rules_fired"  # a new case, or new rules fired on an open one
    ACK_OVERDUE = "ack_overdue"  # no acknowledgement in time: re-notified
    FOLLOW_UP_OVERDUE = "follow_up_overdue"
    DELIVERY_FAILING = "delivery_failing"  # the webhook receiver keeps refusing
    CONFERENCE_FAILED = "conference_failed"


@dataclass(frozen=True, kw_only=True)
class CrisisAlert(DomainEvent):
    """For supervisors on the live channel. ``caller`` is masked."""

    reason: AlertReason
    escalation_id: int | None
    caller: str
    message: str
    rules: tuple[str, ...] = ()
    owner: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallerFlagged(DomainEvent):
    """Later calls from ``number`` get priority; ``crisis``: crisis-qualified agents too."""

    number: str
    reason: str
    crisis: bool = True


@dataclass(frozen=True, kw_only=True)
class EscalationChanged(DomainEvent):
    """An escalation moved to ``stage`` (for the supervisor's and the owner's screens)."""

    escalation_id: int
    stage: str
    actor: str
