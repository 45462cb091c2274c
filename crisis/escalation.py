"""The escalation state machine and its deadlines (pure: time is passed in).

raised → notified → acknowledged → reached → follow_up_24h → follow_up_72h → closed.
Each command either returns the next state with the step to audit, or is refused
with a reason (the API answers 409 with it). ``due`` says which deadlines have
passed: an unacknowledged hand-off is re-notified and escalated to the supervisor
every ``ack_deadline`` until someone acknowledges it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Stage(StrEnum):
    RAISED = "raised"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    REACHED = "reached"  # responders reached the person: the required checkpoint
    FOLLOW_UP_24H = "follow_up_24h"
    FOLLOW_UP_72H = "follow_up_72h"
    CLOSED = "closed"

    @property
    def rank(self) -> int:
        return list(Stage).index(self)


FOLLOW_UPS = {Stage.FOLLOW_UP_24H: timedelta(hours=24), Stage.FOLLOW_UP_72H: timedelta(hours=72)}


@dataclass(frozen=True)
class Policy:
    ack_deadline: timedelta = timedelta(minutes=5)
    follow_up_grace: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class EscalationState:
    stage: Stage
    raised_at: datetime
    ack_due_at: datetime
    notified_at: datetime | None = None
    acknowledged_at: datetime | None = None
    reached_at: datetime | None = None
    follow_up_24h_at: datetime | None = None
    follow_up_72h_at: datetime | None = None
    closed_at: datetime | None = None
    renotified: int = 0
    overdue_alerted: frozenset[Stage] = frozenset()


def raise_escalation(now: datetime, policy: Policy) -> EscalationState:
    return EscalationState(Stage.RAISED, raised_at=now, ack_due_at=now + policy.ack_deadline)


class TransitionRefused(Exception):
    """The command does not fit the escalation's stage; ``reason`` is for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def mark_notified(state: EscalationState, now: datetime) -> EscalationState:
    """A notification was delivered. Only the first one moves the stage."""
    if state.stage is Stage.RAISED:
        return replace(state, stage=Stage.NOTIFIED, notified_at=now)
    return state


def acknowledge(state: EscalationState, now: datetime) -> EscalationState:
    if state.stage not in (Stage.RAISED, Stage.NOTIFIED):
        raise TransitionRefused(f"already {state.stage.value}; nothing to acknowledge")
    return replace(state, stage=Stage.ACKNOWLEDGED, acknowledged_at=now)


def record_reached(state: EscalationState, now: datetime) -> EscalationState:
    if state.stage is not Stage.ACKNOWLEDGED:
        raise TransitionRefused(
            f"the escalation is {state.stage.value}; reaching the person is recorded "
            "after the police or local team acknowledged it"
        )
    return replace(state, stage=Stage.REACHED, reached_at=now)


def record_follow_up(state: EscalationState, which: Stage, now: datetime) -> EscalationState:
    if which is Stage.FOLLOW_UP_24H and state.stage is Stage.REACHED:
        return replace(state, stage=which, follow_up_24h_at=now)
    if which is Stage.FOLLOW_UP_72H and state.stage is Stage.FOLLOW_UP_24H:
        return replace(state, stage=which, follow_up_72h_at=now)
    if which not in FOLLOW_UPS:
        raise TransitionRefused(f"{which.value} is not a follow-up")
    before = Stage.REACHED if which is Stage.FOLLOW_UP_24H else Stage.FOLLOW_UP_24H
    raise TransitionRefused(
        f"the escalation is {state.stage.value}; the {which.value} follow-up needs {before.value}"
    )


def close(state: EscalationState, now: datetime, *, override_reason: str | None) -> EscalationState:
    """Closing needs every checkpoint, or a supervisor's override with a reason."""
    if state.stage is Stage.CLOSED:
        raise TransitionRefused("already closed")
    if state.stage is not Stage.FOLLOW_UP_72H and not (override_reason or "").strip():
        missing = [
            stage.value
            for stage in (Stage.REACHED, Stage.FOLLOW_UP_24H, Stage.FOLLOW_UP_72H)
            if stage.rank > state.stage.rank
        ]
        raise TransitionRefused(
            f"cannot close before {', '.join(missing)} are recorded "
            "(a supervisor may override with a reason)"
        )
    return replace(state, stage=Stage.CLOSED, closed_at=now)


@dataclass(frozen=True)
class Renotify:
    """No acknowledgement in time: send the hand-off again and alert the supervisor."""

    round: int
    overdue_since: datetime


@dataclass(frozen=True)
class FollowUpOverdue:
    which: Stage
    due_at: datetime


Due = Renotify | FollowUpOverdue


def due(state: EscalationState, now: datetime, policy: Policy) -> tuple[EscalationState, list[Due]]:
    """Deadlines passed at ``now``, and the state that remembers they were acted on."""
    actions: list[Due] = []
    if state.stage in (Stage.RAISED, Stage.NOTIFIED) and now >= state.ack_due_at:
        actions.append(Renotify(state.renotified + 1, state.ack_due_at))
        state = replace(
            state, renotified=state.renotified + 1, ack_due_at=now + policy.ack_deadline
        )
    for which, offset in FOLLOW_UPS.items():
        due_at = state.raised_at + offset + policy.follow_up_grace
        pending = state.stage.rank < which.rank and state.stage is not Stage.CLOSED
        if pending and now >= due_at and which not in state.overdue_alerted:
            actions.append(FollowUpOverdue(which, due_at))
            state = replace(state, overdue_alerted=state.overdue_alerted | {which})
    return state, actions


def next_deadline(state: EscalationState, policy: Policy) -> datetime | None:
    """When ``due`` will next have something to do (for the watcher's index)."""
    moments: list[datetime] = []
    if state.stage in (Stage.RAISED, Stage.NOTIFIED):
        moments.append(state.ack_due_at)
    for which, offset in FOLLOW_UPS.items():
        pending = state.stage.rank < which.rank and state.stage is not Stage.CLOSED
        if pending and which not in state.overdue_alerted:
            moments.append(state.raised_at + offset + policy.follow_up_grace)
    return min(moments, default=None)
