"""Referral rules: the closed loop's states, who may move them, and the deadlines.

Pure: time is passed in, nothing is read or written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

ACCEPT_WITHIN = timedelta(hours=24)
OUTCOME_WITHIN = timedelta(days=7)
RETURN_VISIT_WITHIN = timedelta(days=3)


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    IN_FOLLOW_UP = "in_follow_up"
    OUTCOME_REPORTED = "outcome_reported"
    CLOSED = "closed"  # reviewed and closed by the province


class Deadline(StrEnum):
    ACCEPT = "accept"
    OUTCOME = "outcome"


class Party(StrEnum):
    SITE = "site"
    PROVINCE = "province"


# Which party moves a referral from one status to the next.
_STEPS: dict[tuple[ReferralStatus, ReferralStatus], Party] = {
    (ReferralStatus.SENT, ReferralStatus.ACCEPTED): Party.SITE,
    (ReferralStatus.ACCEPTED, ReferralStatus.IN_FOLLOW_UP): Party.SITE,
    (ReferralStatus.ACCEPTED, ReferralStatus.OUTCOME_REPORTED): Party.SITE,
    (ReferralStatus.IN_FOLLOW_UP, ReferralStatus.OUTCOME_REPORTED): Party.SITE,
    (ReferralStatus.OUTCOME_REPORTED, ReferralStatus.CLOSED): Party.PROVINCE,
    # the province sends an unsatisfying outcome back for more follow-up
    (ReferralStatus.OUTCOME_REPORTED, ReferralStatus.IN_FOLLOW_UP): Party.PROVINCE,
}


@dataclass(frozen=True)
class Deadlines:
    """How long a site has to accept a referral, and then to report its outcome."""

    accept: timedelta = ACCEPT_WITHIN
    outcome: timedelta = OUTCOME_WITHIN

    def accept_due(self, sent_at: datetime) -> datetime:
        return sent_at + self.accept

    def outcome_due(self, accepted_at: datetime) -> datetime:
        """Also from the moment the province sends an outcome back for more follow-up."""
        return accepted_at + self.outcome


@dataclass(frozen=True)
class StepDenied:
    reason: str
    allowed: tuple[ReferralStatus, ...]


def allowed_steps(old: ReferralStatus, party: Party) -> tuple[ReferralStatus, ...]:
    return tuple(new for (frm, new), who in _STEPS.items() if frm is old and who is party)


def check_step(old: ReferralStatus, new: ReferralStatus, party: Party) -> StepDenied | None:
    """None when ``party`` may move the referral from ``old`` to ``new``."""
    who = _STEPS.get((old, new))
    if who is party:
        return None
    allowed = allowed_steps(old, party)
    if who is None:
        return StepDenied(f"a referral cannot move from {old.value} to {new.value}", allowed)
    return StepDenied(f"only the {who.value} moves a referral to {new.value}", allowed)


@dataclass(frozen=True)
class ReferralClock:
    """The times that decide a referral's deadlines (a plain view of the row)."""

    status: ReferralStatus
    accept_due_at: datetime
    outcome_due_at: datetime | None


def missed_deadline(referral: ReferralClock, now: datetime) -> tuple[Deadline, datetime] | None:
    """The deadline ``referral`` has missed at ``now``, with its due time, or None."""
    match referral.status:
        case ReferralStatus.SENT if now > referral.accept_due_at:
            return Deadline.ACCEPT, referral.accept_due_at
        case ReferralStatus.ACCEPTED | ReferralStatus.IN_FOLLOW_UP:
            due = referral.outcome_due_at
            if due is not None and now > due:
                return Deadline.OUTCOME, due
            return None
        case _:
            return None
