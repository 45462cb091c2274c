"""The callback rules as pure functions: schedule, retries, quiet hours and dial order.

No I/O and no clock reads: every moment is passed in, so the rules are tested
exhaustively without a database or a PBX.

Schedule: ``delays[0]`` after the first miss comes attempt 1; after a failed
attempt n (one that dialled the caller) attempt n+1 waits ``delays[n]``; the
policy is spent after ``len(delays)`` attempts. An attempt that never dialled the
caller (the callback seat did not pick up) does not use up the caller's budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from acd.events import MissReason


class TaskStatus(StrEnum):
    PENDING = "pending"  # waiting until it is due (and the seat is free)
    DIALING = "dialing"  # one attempt in flight
    REACHED = "reached"
    EXHAUSTED = "exhausted"  # the retry policy is spent
    CANCELLED = "cancelled"
    WRONG_NUMBER = "wrong_number"


OPEN = frozenset({TaskStatus.PENDING, TaskStatus.DIALING})


class AttemptOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    WRONG_NUMBER = "wrong_number"
    UNKNOWN = "unknown"  # the dialer died mid-dial and AMI no longer knows the channel


@dataclass(frozen=True)
class CallbackPolicy:
    delays: tuple[timedelta, ...] = (
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
    )
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    agent_first: bool = True
    # When the callback seat did not pick up, try again after this pause.
    seat_retry_delay: timedelta = timedelta(minutes=1)
    # Seat leg ring time and callee dial time, for the Originate and the lost-result guard.
    originate_timeout: timedelta = timedelta(seconds=30)
    dial_timeout: timedelta = timedelta(seconds=30)

    def __post_init__(self) -> None:
        if not self.delays:
            raise ValueError("a callback policy needs at least one attempt")
        if any(delay < timedelta(0) for delay in self.delays):
            raise ValueError("callback delays cannot be negative")

    @property
    def max_attempts(self) -> int:
        return len(self.delays)


# -- quiet hours ---------------------------------------------------------------------------


def in_quiet_hours(at: datetime, zone: ZoneInfo, policy: CallbackPolicy) -> bool:
    local = at.astimezone(zone).time()
    start, end = policy.quiet_start, policy.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def quiet_hours_end(at: datetime, zone: ZoneInfo, policy: CallbackPolicy) -> datetime:
    """The first moment at or after ``at`` when calling is allowed."""
    if not in_quiet_hours(at, zone, policy):
        return at
    local = at.astimezone(zone)
    morning = datetime.combine(local.date(), policy.quiet_end, tzinfo=zone)
    if morning <= local:
        morning = datetime.combine(local.date() + timedelta(days=1), policy.quiet_end, tzinfo=zone)
    return morning.astimezone(at.tzinfo)


# -- schedule ------------------------------------------------------------------------------


def first_due(missed_at: datetime, policy: CallbackPolicy) -> datetime:
    return missed_at + policy.delays[0]


def merged_due(current_due: datetime, missed_at: datetime, policy: CallbackPolicy) -> datetime:
    """A repeat miss never postpones the callback; it may bring it forward."""
    return min(current_due, first_due(missed_at, policy))


def is_hesitant(reason: MissReason) -> bool:
    return reason is MissReason.SHORT_HANGUP


@dataclass(frozen=True)
class Retry:
    due_at: datetime


@dataclass(frozen=True)
class Close:
    status: TaskStatus


def after_attempt(
    *,
    attempts_before: int,
    outcome: AttemptOutcome,
    caller_dialled: bool,
    finished_at: datetime,
    policy: CallbackPolicy,
) -> Retry | Close:
    """What follows an attempt; ``attempts_before`` counts earlier ones that dialled the caller."""
    if outcome is AttemptOutcome.REACHED:
        return Close(TaskStatus.REACHED)
    if outcome is AttemptOutcome.WRONG_NUMBER:
        return Close(TaskStatus.WRONG_NUMBER)
    if not caller_dialled:
        return Retry(finished_at + policy.seat_retry_delay)
    made = attempts_before + 1
    if made >= policy.max_attempts:
        return Close(TaskStatus.EXHAUSTED)
    return Retry(finished_at + policy.delays[made])


_DIAL_STATUS = {
    "ANSWER": AttemptOutcome.REACHED,
    "NOANSWER": AttemptOutcome.NO_ANSWER,
    "BUSY": AttemptOutcome.BUSY,
}


def outcome_of_dial_status(dial_status: str) -> AttemptOutcome:
    """Dial's DIALSTATUS of the callee leg → the attempt's outcome."""
    return _DIAL_STATUS.get(dial_status.strip().upper(), AttemptOutcome.FAILED)


# OriginateResponse Reason codes (customer-first: the callee is the originated leg).
_ORIGINATE_REASON = {
    "4": AttemptOutcome.REACHED,
    "3": AttemptOutcome.NO_ANSWER,
    "5": AttemptOutcome.BUSY,
    "1": AttemptOutcome.NO_ANSWER,
}


def outcome_of_originate_reason(reason: str) -> AttemptOutcome:
    return _ORIGINATE_REASON.get(reason.strip(), AttemptOutcome.FAILED)


# Asterisk 22 reports a callee's 486 Busy as Reason 0, like any failure; the Hangup
# cause of the originated leg (which follows the OriginateResponse) tells them apart.
_HANGUP_CAUSE = {
    "17": AttemptOutcome.BUSY,
    "18": AttemptOutcome.NO_ANSWER,
    "19": AttemptOutcome.NO_ANSWER,
}


def outcome_of_hangup_cause(cause: str) -> AttemptOutcome:
    return _HANGUP_CAUSE.get(cause.strip(), AttemptOutcome.FAILED)


# -- order ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    task_id: int
    high_risk: bool
    hesitant: bool
    first_missed_at: datetime


def dial_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    """High-risk history first, then hesitant callers, then the longest waiting."""
    return sorted(
        candidates,
        key=lambda c: (not c.high_risk, not c.hesitant, c.first_missed_at, c.task_id),
    )
