"""The work-order lifecycle: statuses, risk levels and which status changes are allowed.

Pure rules, no I/O: the service asks ``check_transition`` and records the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    NEW = "new"  # created when the call arrives
    IN_PROGRESS = "in_progress"  # an agent answered (or the order was reopened)
    RESOLVED = "resolved"
    REFERRED = "referred"  # handed to a local site
    ESCALATED = "escalated"  # crisis: police or local team involved
    CLOSED = "closed"
    MERGED = "merged"  # a duplicate folded into another order; terminal


class RiskLevel(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    IMMINENT = "imminent"


CRISIS_RISKS = frozenset({RiskLevel.HIGH, RiskLevel.IMMINENT})
OUTCOMES = frozenset({Status.RESOLVED, Status.REFERRED, Status.ESCALATED})
REOPENABLE = OUTCOMES | {Status.CLOSED}


@dataclass(frozen=True)
class Allowed:
    old: Status
    new: Status
    reopening: bool = False


@dataclass(frozen=True)
class Denied:
    old: Status
    new: Status
    reason: str
    allowed: tuple[Status, ...]


Decision = Allowed | Denied


def allowed_from(old: Status) -> tuple[Status, ...]:
    """Every status an order in ``old`` may move to through the status endpoint."""
    return tuple(new for new in Status if _permits(old, new))


def _permits(old: Status, new: Status) -> bool:
    match (old, new):
        case (Status.NEW, Status.IN_PROGRESS | Status.CLOSED):
            # closing a new order: the caller hung up before anyone answered
            return True
        case (Status.IN_PROGRESS, Status.RESOLVED | Status.REFERRED | Status.ESCALATED):
            return True
        case (Status.ESCALATED, Status.REFERRED | Status.RESOLVED):
            # after the emergency, the case may go on to a local site
            return True
        case (Status.RESOLVED | Status.REFERRED | Status.ESCALATED, Status.CLOSED):
            return True
        case (
            Status.RESOLVED | Status.REFERRED | Status.ESCALATED | Status.CLOSED,
            Status.IN_PROGRESS,
        ):
            return True  # reopening
        case _:
            return False


def check_transition(old: Status, new: Status, reason: str | None = None) -> Decision:
    """Allow or deny ``old → new``; a reopening needs a reason."""
    allowed = allowed_from(old)
    if not _permits(old, new):
        why = f"cannot move a work order from {old.value} to {new.value}"
        return Denied(old, new, why, allowed)
    reopening = old in REOPENABLE and new is Status.IN_PROGRESS
    if reopening and not (reason and reason.strip()):
        return Denied(old, new, "reopening a work order needs a reason", allowed)
    return Allowed(old, new, reopening)
