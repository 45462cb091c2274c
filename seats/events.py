"""Events the seat state machine and the ACD core publish about seats and agents.

Times are epoch seconds passed in by the caller (``timestamp``); ``at`` carries the
same instant as a UTC datetime so the bus and the recorders need no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from callcenter.kernel.bus import DomainEvent


def instant(now: float) -> datetime:
    """The epoch seconds ``now`` as the aware UTC datetime every event carries."""
    return datetime.fromtimestamp(now, UTC)


@dataclass(frozen=True, kw_only=True)
class SeatStateChanged(DomainEvent):
    """A seat moved from one state to another (or its agent or pause reason changed).

    ``old_since`` is when the old state began, so ``timestamp - old_since`` is the time
    spent in it: the shell sums login, talk, wrap-up and pause time (per
    ``old_pause_reason``) from these events alone.
    """

    seat: str
    agent_id: str | None
    old_state: str
    new_state: str
    reason: str
    timestamp: float
    old_since: float
    pause_reason: str | None = None
    old_pause_reason: str | None = None
    forced_by: str | None = None


class AlertKind(StrEnum):
    NO_ANSWER_PAUSE = "no_answer_pause"  # the seat stopped answering and was paused
    DEBRIEF_DUE = "debrief_due"  # several high-risk calls in a row: the agent needs a debrief


@dataclass(frozen=True, kw_only=True)
class AgentAlert(DomainEvent):
    """Something a supervisor should act on about an agent."""

    seat: str
    agent_id: str | None
    alert: AlertKind
    message: str
    timestamp: float


@dataclass(frozen=True, kw_only=True)
class SurgeChanged(DomainEvent):
    """Surge capacity was switched; ``reason`` is the campaign work orders are tagged with."""

    on: bool
    reason: str
    open_seats: int
    timestamp: float
